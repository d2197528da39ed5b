import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { SessionInfo, SessionInfoStore } from '@repo/discord-gateway';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StaleGatewayHolderError } from './gateway-fence.ts';
import type { ShardLeases } from './gateway-lease.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';

// Only the current lease holder may change the stored session: a stale holder that wakes up must
// not overwrite its successor's resume point with its own.
const SET_LUA = `
local lease = redis.call('GET', KEYS[1])
local holder = lease and string.match(lease, '|(%d+)$')
if holder ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2]) end
return 1
`;

export interface RedisSessionInfoStoreOptions {
  redis: Redis;
  keys: RedisKeys;
  leases: Pick<ShardLeases, 'fencingToken'>;
  /**
   * Per shard, the highest dispatch sequence whose events have all been published (Infinity when
   * none is in flight). The stored sequence never goes past it, see set().
   */
  handledThrough(shardId: number): number;
  log: Logger;
}

/**
 * The Gateway resume state in Redis (session id, sequence, resume URL), behind the gateway
 * package's write-behind cache, so the instance that takes the lease over RESUMEs the session and
 * Discord replays what happened meanwhile (R-SCALE2).
 *
 * The stored sequence is the resume point: everything after it is replayed. @discordjs/ws moves
 * the sequence forward as soon as a dispatch arrives, before its events are routed and published;
 * storing that as is would let a holder killed in between take those events with it. So the value
 * written is capped at the last dispatch whose events are all published (`handledThrough`). The
 * successor may then replay a few dispatches that did go out; the publish script's replay marker
 * drops those, so nothing is lost and nothing doubles.
 */
export class RedisSessionInfoStore implements SessionInfoStore {
  readonly #o: RedisSessionInfoStoreOptions;
  /** Per shard, the session this process read from Redis (what it resumes before its own READY names one). */
  readonly #loadedSessionIds = new Map<number, string | null>();

  constructor(options: RedisSessionInfoStoreOptions) {
    this.#o = options;
  }

  loadedSessionId(shardId: number): string | null {
    return this.#loadedSessionIds.get(shardId) ?? null;
  }

  async get(shardId: number): Promise<SessionInfo | null> {
    const raw = await this.#o.redis.get(this.#o.keys.gatewaySession(shardId));
    const info = raw ? (JSON.parse(raw) as SessionInfo) : null;
    this.#loadedSessionIds.set(shardId, info?.sessionId ?? null);
    if (info) this.#o.log.info({ shardId, sessionId: info.sessionId, sequence: info.sequence }, 'loaded the Gateway session from Redis: resuming it');
    return info;
  }

  async set(shardId: number, info: SessionInfo | null): Promise<void> {
    // The write-behind cache calls this a microtask after @discordjs/ws stored a dispatch's
    // sequence, and before that dispatch's events are emitted (the library awaits once in
    // between). One macrotask later they have been emitted and counted as in flight.
    await nextMacrotask();
    const token = this.#o.leases.fencingToken(shardId);
    if (token === null) throw new StaleGatewayHolderError(null);
    let stored: SessionInfo | null = null;
    if (info) {
      const handled = this.#o.handledThrough(shardId);
      stored = { ...info, sequence: Math.min(info.sequence, handled) };
    }
    const ok = await this.#o.redis.eval(SET_LUA, 2, this.#o.keys.gatewayLease(shardId), this.#o.keys.gatewaySession(shardId), String(token), stored ? JSON.stringify(stored) : '');
    if (ok !== 1) throw new StaleGatewayHolderError(token);
  }
}
