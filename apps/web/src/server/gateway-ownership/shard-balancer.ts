import type { ShardLeaseHandlers, ShardLeases } from './gateway-lease.ts';
import { RedisGatewayLease, type RedisGatewayLeaseOptions } from './redis-gateway-lease.ts';

export const ShardBalancerDefaults = {
  /** How often an instance renews its heartbeat, reads who holds what, and rebalances. */
  balanceEveryMs: 1_000,
  /** An instance whose heartbeat is older than this is dead (the same as a shard lease's TTL). */
  instanceTtlMs: 10_000,
} as const;

export type ShardBalancerTuning = { -readonly [K in keyof typeof ShardBalancerDefaults]: number };

/**
 * Each live instance's fair share of `shardCount` shards: ⌊S/L⌋ each, and the S mod L shards left
 * over to the instances holding the most now (ties: the smaller instance id), so a balanced cluster
 * stays as it is and a joining instance takes shards only from those above their share. Every
 * instance computes the same answer from the same reading; the shares always add up to S.
 */
export function fairShares(shardCount: number, live: readonly string[], holders: ReadonlyArray<string | null>): Map<string, number> {
  const counts = new Map<string, number>(live.map((id) => [id, 0]));
  for (const holder of holders) if (holder !== null && counts.has(holder)) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  const ranked = [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const base = Math.floor(shardCount / Math.max(1, ranked.length));
  const extra = shardCount % Math.max(1, ranked.length);
  return new Map(ranked.map((id, rank) => [id, base + (rank < extra ? 1 : 0)]));
}

/** `<instance>|<token>` → the instance. */
export function holderOf(leaseValue: string | null | undefined): string | null {
  if (!leaseValue) return null;
  const bar = leaseValue.lastIndexOf('|');
  return bar > 0 ? leaseValue.slice(0, bar) : null;
}

// KEYS: 1 instances, 2… the shard leases. ARGV: 1 instance id, 2 heartbeat TTL (ms).
// Redis's own clock decides who is alive, so instances need not agree on time.
const HEARTBEAT_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local holders = {}
for i = 2, #KEYS do holders[i - 1] = redis.call('GET', KEYS[i]) or '' end
return {redis.call('ZRANGE', KEYS[1], 0, -1), holders}
`;
// KEYS: 1 shard states, 2… the shard leases. ARGV: 1 shard id to report ('' = read only), 2 its state, 3 the reporter's token.
// A state is stored as `<token>|<state>`: it is shown only while that token is the lease's (stateOf).
const STATES_LUA = `
if ARGV[1] ~= '' then
  local lease = redis.call('GET', KEYS[tonumber(ARGV[1]) + 2])
  if lease and string.match(lease, '|(%d+)$') == ARGV[3] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. ARGV[2]) end
end
local holders = {}
for i = 2, #KEYS do holders[i - 1] = redis.call('GET', KEYS[i]) or '' end
return {redis.call('HGETALL', KEYS[1]), holders}
`;

/**
 * The state stored as `<token>|<state>`, shown only under the lease (`<instance>|<token>`) that
 * reported it: a new holder shows no state (null) until it reports its own, never the last one a
 * dead holder left behind.
 */
export function stateOf(stored: string | undefined, leaseValue: string | null | undefined): string | null {
  if (!stored || !leaseValue) return null;
  const bar = stored.indexOf('|');
  if (bar <= 0) return null;
  return stored.slice(0, bar) === leaseValue.slice(leaseValue.lastIndexOf('|') + 1) ? stored.slice(bar + 1) : null;
}

/** A shard lease's options (the same Redis, keys, instance, clock, log and tuning for every shard), and the balancer's tuning. */
export interface RedisShardLeasesOptions extends Omit<RedisGatewayLeaseOptions, 'shardId' | 'reserve'> {
  balance?: Partial<ShardBalancerTuning>;
}

/**
 * The shards split between the live instances (specs/sharding.md): one RedisGatewayLease per shard
 * (own fencing token, own TTL), an instance heartbeat in a sorted set scored by Redis time, and a
 * balancer that, every second, reads who is alive and who holds what, computes this instance's
 * fair share, lets its leases compete only while it holds fewer, and hands surplus shards over
 * (disconnect keeping the session, flush, release) when it holds more.
 */
export class RedisShardLeases implements ShardLeases {
  readonly #o: RedisShardLeasesOptions;
  readonly #b: ShardBalancerTuning;
  #leases: RedisGatewayLease[] = [];
  #handlers: ShardLeaseHandlers | null = null;
  /** This instance's fair share from the last reading; null before the first (nothing is taken blind). */
  #target: number | null = null;
  #pending = 0;
  readonly #handingOver = new Set<number>();
  #timer: (() => void) | undefined;
  #stopped = false;

  constructor(options: RedisShardLeasesOptions) {
    this.#o = options;
    this.#b = { ...ShardBalancerDefaults, ...options.balance };
  }

  /** The last computed fair share (tests, logs). */
  get target(): number | null {
    return this.#target;
  }

  start(shardCount: number, handlers: ShardLeaseHandlers): void {
    const { redis, keys, instanceId, clock, log, tuning } = this.#o;
    this.#handlers = handlers;
    this.#stopped = false;
    this.#leases = Array.from(
      { length: shardCount },
      (_, shardId) => new RedisGatewayLease({ redis, keys, instanceId, clock, log, shardId, reserve: () => this.#reserve(), ...(tuning ? { tuning } : {}) }),
    );
    // The first reading comes before any lease competes: an instance never grabs every shard just
    // because it has not yet seen the others.
    void this.#tick().then(() => {
      if (this.#stopped) return;
      for (const lease of this.#leases) {
        lease.start({ onAcquired: (token) => handlers.onAcquired(lease.shardId, token), onLost: () => handlers.onLost(lease.shardId) });
      }
    });
  }

  isHolder(shardId: number): boolean {
    return this.#leases[shardId]?.isHolder() ?? false;
  }

  fencingToken(shardId: number): number | null {
    return this.#leases[shardId]?.fencingToken() ?? null;
  }

  heldShards(): number[] {
    return this.#leases.filter((lease) => lease.isHolder()).map((lease) => lease.shardId);
  }

  async holders(): Promise<Array<{ id: number; holder: string | null; state: string | null }>> {
    return this.#states('', '', '');
  }

  async reportState(shardId: number, state: string): Promise<ReadonlyMap<number, string>> {
    const token = this.fencingToken(shardId);
    const shards = await this.#states(token === null ? '' : String(shardId), state, String(token ?? ''));
    return new Map(shards.filter((s) => s.state !== null && s.holder !== null).map((s) => [s.id, s.state ?? '']));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.();
    await Promise.all(this.#leases.map((lease) => lease.stop()));
    await this.#o.redis.zrem(this.#o.keys.gatewayInstances, this.#o.instanceId).catch(() => undefined);
  }

  async #states(shard: string, state: string, token: string): Promise<Array<{ id: number; holder: string | null; state: string | null }>> {
    const { redis, keys } = this.#o;
    const [flat, leases] = (await redis.eval(STATES_LUA, 1 + this.#leases.length, keys.gatewayShardStates, ...this.#leaseKeys(), shard, state, token)) as [string[], string[]];
    const states = new Map<number, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) states.set(Number(flat[i]), flat[i + 1] ?? '');
    return leases.map((value, id) => {
      const holder = holderOf(value);
      return { id, holder, state: holder === null ? null : stateOf(states.get(id), value) };
    });
  }

  #leaseKeys(): string[] {
    return this.#leases.map((lease) => this.#o.keys.gatewayLease(lease.shardId));
  }

  #reserve(): (() => void) | null {
    if (this.#stopped || this.#target === null) return null;
    if (this.heldShards().length + this.#pending >= this.#target) return null;
    this.#pending++;
    return () => {
      this.#pending--;
    };
  }

  async #tick(): Promise<void> {
    const { redis, keys, instanceId, log, clock } = this.#o;
    try {
      const [live, leases] = (await redis.eval(HEARTBEAT_LUA, 1 + this.#leases.length, keys.gatewayInstances, ...this.#leaseKeys(), instanceId, String(this.#b.instanceTtlMs))) as [string[], string[]];
      if (!live.includes(instanceId)) live.push(instanceId);
      const target = fairShares(this.#leases.length, live, leases.map(holderOf)).get(instanceId) ?? 0;
      if (target !== this.#target) log.info({ instanceId, liveInstances: live.length, shards: this.#leases.length, share: target, held: this.heldShards() }, 'Gateway shards: fair share');
      this.#target = target;
      const held = this.heldShards().filter((id) => !this.#handingOver.has(id));
      const surplus = held.length - target;
      // Highest ids first, one reading at a time: the next tick sees the result before giving more.
      for (const shardId of held.sort((a, b) => b - a).slice(0, Math.max(0, surplus))) void this.#handOver(shardId);
    } catch (error) {
      log.warn({ err: error }, 'Gateway shards: could not read the instances and leases; keeping what is held');
    } finally {
      if (!this.#stopped) {
        this.#timer?.();
        this.#timer = clock.setTimeout(() => void this.#tick(), this.#b.balanceEveryMs);
      }
    }
  }

  async #handOver(shardId: number): Promise<void> {
    const lease = this.#leases[shardId];
    if (!lease || !this.#handlers) return;
    this.#handingOver.add(shardId);
    this.#o.log.info({ shardId }, 'Gateway shards: handing a surplus shard over to another instance');
    try {
      await this.#handlers.handOver(shardId);
      await lease.release();
    } catch (error) {
      this.#o.log.warn({ err: error, shardId }, 'Gateway shards: the hand-over failed; the lease lapses on its own');
    } finally {
      this.#handingOver.delete(shardId);
    }
  }
}
