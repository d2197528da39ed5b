import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RefreshCoordinator } from './refresh-coordinator.ts';
import type { Clock } from '@repo/platform';
import type { RedisKeys } from '../redis/redis-keys.ts';

export const RedisRefreshDefaults = {
  /** How long a claim lasts: longer than a token request takes, short enough that a dead claimant does not lock a user out. */
  claimTtlMs: 15_000,
  /** How long the outcome stays for the instances that waited (and for requests still carrying the old cookie). */
  outcomeTtlMs: 60_000,
  pollMs: 50,
} as const;

/** KEYS: 1 outcome, 2 claim. ARGV: 1 claimant, 2 claim TTL. → {'outcome', sealed} | {'claimed'} | {'busy'} */
const CLAIM_LUA = `
local outcome = redis.call('GET', KEYS[1])
if outcome then return {'outcome', outcome} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'claimed'} end
return {'busy'}
`;

/** KEYS: 1 outcome, 2 claim. ARGV: 1 claimant, 2 sealed outcome ('' = nothing to share), 3 outcome TTL. */
const SETTLE_LUA = `
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`;

/**
 * The claim is a `SET NX PX` key per refresh-token hash; the claimant stores the sealed outcome
 * next to it and drops the claim in one script, so a waiter polling either finds the outcome or
 * finds the claim gone (a claimant that spent nothing, or died) and claims it itself.
 */
export class RedisRefreshCoordinator implements RefreshCoordinator {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tuning: { claimTtlMs: number; outcomeTtlMs: number; pollMs: number } = RedisRefreshDefaults,
  ) {}

  async run(key: string, refresh: () => Promise<string | null>): Promise<string | null> {
    const outcomeKey = this.keys.refreshOutcome(key);
    const claimKey = this.keys.refreshClaim(key);
    const claimant = randomUUID();
    const deadline = this.clock.now() + this.tuning.claimTtlMs;
    for (;;) {
      const [verdict, sealed] = (await this.redis.eval(CLAIM_LUA, 2, outcomeKey, claimKey, claimant, String(this.tuning.claimTtlMs))) as [string, string?];
      if (verdict === 'outcome') return sealed ?? null;
      if (verdict === 'claimed') return this.#refreshAndShare(outcomeKey, claimKey, claimant, refresh);
      if (this.clock.now() >= deadline) {
        this.log.warn('another instance is still renewing this Discord sign-in; giving up waiting');
        return null;
      }
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.tuning.pollMs));
    }
  }

  async #refreshAndShare(outcomeKey: string, claimKey: string, claimant: string, refresh: () => Promise<string | null>): Promise<string | null> {
    let sealed: string | null = null;
    try {
      sealed = await refresh();
      return sealed;
    } finally {
      await this.redis
        .eval(SETTLE_LUA, 2, outcomeKey, claimKey, claimant, sealed ?? '', String(this.tuning.outcomeTtlMs))
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not share a token refresh with the other instances'));
    }
  }
}
