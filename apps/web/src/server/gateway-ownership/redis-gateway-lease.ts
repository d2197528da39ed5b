import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import type { GatewayLease } from './gateway-lease.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';

export const GatewayLeaseDefaults = {
  /** The lease lapses this long after the holder's last renewal (a dead holder's successor waits this long at most). */
  ttlMs: 10_000,
  /** Renewal period: three tries fit in one TTL, so one slow Redis round trip does not cost the lease. */
  renewEveryMs: 3_000,
  /**
   * The holder gives itself up this long before the lease would lapse in Redis without a renewal,
   * so it stops consuming before a successor can start (clock rates differ a little, pauses a lot).
   */
  safetyMarginMs: 1_000,
  /** A standby checks at least this often; it also wakes exactly when the current lease would lapse. */
  pollMaxMs: 1_000,
  /** A renewal or acquisition that takes longer than this counts as failed. */
  commandTimeoutMs: 2_000,
} as const;

export type GatewayLeaseTuning = { -readonly [K in keyof typeof GatewayLeaseDefaults]: number };

// The lease value is `<instance id>|<fencing token>`; the token comes from a counter that only grows.
const ACQUIRE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {1, token}
`;
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisGatewayLeaseOptions {
  redis: Redis;
  keys: RedisKeys;
  instanceId: string;
  clock: Clock;
  log: Logger;
  tuning?: Partial<GatewayLeaseTuning>;
  /** The Gateway shard this lease is for (default 0): each shard has its own lease and tokens. */
  shardId?: number;
  /**
   * Asked before each acquisition attempt (the balancer's fair share, shard-balancer.ts): returns a
   * function to call once the attempt is over, or null to stay a standby for now. Default: always try.
   */
  reserve?: () => (() => void) | null;
}

/**
 * Exactly one instance holds the Discord Gateway (R-SCALE2): a Redis key with a TTL, renewed by its
 * holder, taken by a standby once it lapses. Each acquisition gets a new fencing token (a counter),
 * and every publish caused by a Gateway event carries it: Redis refuses the publishes of a holder
 * whose token is no longer the lease's, however late they arrive.
 *
 * Locally the holder trusts its lease only until `last successful renewal sent + TTL - margin`,
 * measured with the wall clock rather than with timers: a process paused past that point (SIGSTOP,
 * a long GC, a VM freeze) answers isHolder() = false the moment it runs again, before any timer
 * fires, and drops the Gateway events it finds waiting.
 */
export class RedisGatewayLease implements GatewayLease {
  readonly #o: RedisGatewayLeaseOptions;
  readonly #t: GatewayLeaseTuning;
  #handlers: { onAcquired(fencingToken: number): void; onLost(): void } | null = null;
  #token: number | null = null;
  #validUntil = 0;
  #timer: (() => void) | undefined;
  #watchdog: (() => void) | undefined;
  #stopped = false;
  readonly #leaseKey: string;

  constructor(options: RedisGatewayLeaseOptions) {
    this.#o = options;
    this.#t = { ...GatewayLeaseDefaults, ...options.tuning };
    this.#leaseKey = options.keys.gatewayLease(options.shardId ?? 0);
  }

  get shardId(): number {
    return this.#o.shardId ?? 0;
  }

  get tuning(): Readonly<GatewayLeaseTuning> {
    return this.#t;
  }

  start(handlers: { onAcquired(fencingToken: number): void; onLost(): void }): void {
    this.#handlers = handlers;
    this.#stopped = false;
    void this.#tryAcquire();
  }

  isHolder(): boolean {
    return this.#token !== null && this.#o.clock.now() < this.#validUntil;
  }

  fencingToken(): number | null {
    return this.isHolder() ? this.#token : null;
  }

  /** Stops competing; a holder releases the lease so a standby takes over without waiting for the TTL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.();
    this.#watchdog?.();
    const token = this.#token;
    this.#token = null;
    if (token !== null) {
      try {
        await this.#o.redis.eval(RELEASE_LUA, 1, this.#leaseKey, this.#value(token));
        this.#o.log.info({ fencingToken: token }, 'released the Gateway lease');
      } catch (error) {
        this.#o.log.warn({ err: error }, 'could not release the Gateway lease; it lapses on its own');
      }
    }
  }

  /**
   * Hands the lease over on purpose (the balancer gives up a surplus shard): releases it now, without
   * onLost (the caller has already stopped the shard and flushed its resume state), and stays a
   * standby that competes again when `reserve` allows.
   */
  async release(): Promise<void> {
    const token = this.#token;
    if (token === null) return;
    this.#token = null;
    this.#watchdog?.();
    try {
      await this.#o.redis.eval(RELEASE_LUA, 1, this.#leaseKey, this.#value(token));
      this.#o.log.info({ shardId: this.shardId, fencingToken: token }, 'handed the shard lease over');
    } catch (error) {
      this.#o.log.warn({ err: error, shardId: this.shardId }, 'could not release the shard lease; it lapses on its own');
    }
    this.#schedule(() => this.#tryAcquire(), this.#t.pollMaxMs);
  }

  #value(token: number): string {
    return `${this.#o.instanceId}|${token}`;
  }

  #schedule(fn: () => Promise<void>, ms: number): void {
    this.#timer?.();
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimeout(() => void fn(), ms);
  }

  async #tryAcquire(): Promise<void> {
    if (this.#stopped) return;
    const done = this.#o.reserve ? this.#o.reserve() : () => undefined;
    if (!done) {
      this.#schedule(() => this.#tryAcquire(), this.#t.pollMaxMs);
      return;
    }
    try {
      await this.#attempt();
    } finally {
      done();
    }
  }

  async #attempt(): Promise<void> {
    const sentAt = this.#o.clock.now();
    let reply: [number, number];
    try {
      reply = (await this.#command(
        this.#o.redis.eval(ACQUIRE_LUA, 2, this.#leaseKey, this.#o.keys.gatewayFence, this.#o.instanceId, String(this.#t.ttlMs)),
      )) as [number, number];
    } catch (error) {
      this.#o.log.debug({ err: error }, 'Gateway lease: acquisition attempt failed');
      this.#schedule(() => this.#tryAcquire(), this.#t.pollMaxMs);
      return;
    }
    if (this.#stopped) {
      // Stopped while the attempt was in flight: give back what we may just have taken.
      if (reply[0] === 1) await this.#o.redis.eval(RELEASE_LUA, 1, this.#leaseKey, this.#value(reply[1])).catch(() => undefined);
      return;
    }
    if (reply[0] !== 1) {
      // Wake when the current lease would lapse (a renewal pushes that back; we then sleep again).
      const lapsesInMs = reply[1] > 0 ? reply[1] : this.#t.pollMaxMs;
      this.#schedule(() => this.#tryAcquire(), Math.max(20, Math.min(lapsesInMs + 5, this.#t.pollMaxMs)));
      return;
    }
    const token = reply[1];
    this.#token = token;
    this.#extendValidity(sentAt);
    this.#o.log.info({ shardId: this.shardId, fencingToken: token, instanceId: this.#o.instanceId }, 'took the Gateway lease');
    this.#schedule(() => this.#renew(), this.#t.renewEveryMs);
    this.#handlers?.onAcquired(token);
  }

  async #renew(): Promise<void> {
    const token = this.#token;
    if (this.#stopped || token === null) return;
    const sentAt = this.#o.clock.now();
    let renewed: number;
    try {
      renewed = (await this.#command(this.#o.redis.eval(RENEW_LUA, 1, this.#leaseKey, this.#value(token), String(this.#t.ttlMs)))) as number;
    } catch (error) {
      // Not lost yet: the watchdog decides when the lease can no longer be trusted.
      this.#o.log.warn({ err: error, fencingToken: token }, 'Gateway lease: renewal failed; retrying');
      this.#schedule(() => this.#renew(), Math.min(1_000, this.#t.renewEveryMs));
      return;
    }
    if (this.#token !== token || this.#stopped) return;
    if (renewed !== 1) {
      this.#lose('another instance holds the lease now');
      return;
    }
    if (this.#o.clock.now() >= this.#validUntil) {
      // The answer came after we had stopped trusting the lease (a pause): we already gave it up.
      this.#lose('the renewal came too late');
      return;
    }
    this.#extendValidity(sentAt);
    this.#schedule(() => this.#renew(), this.#t.renewEveryMs);
  }

  #extendValidity(sentAt: number): void {
    this.#validUntil = sentAt + this.#t.ttlMs - this.#t.safetyMarginMs;
    this.#armWatchdog();
  }

  /** Gives the lease up when the deadline passes without a renewal; isHolder() says false from the deadline on regardless. */
  #armWatchdog(): void {
    this.#watchdog?.();
    const left = this.#validUntil - this.#o.clock.now();
    if (left <= 0) {
      this.#lose('no renewal in time (Redis unreachable, or this process was paused)');
      return;
    }
    // Timers may fire a millisecond early by the wall clock: check again then.
    this.#watchdog = this.#o.clock.setTimeout(() => {
      if (this.#token !== null) this.#armWatchdog();
    }, left);
  }

  #lose(reason: string): void {
    const token = this.#token;
    if (token === null) return;
    this.#token = null;
    this.#watchdog?.();
    this.#o.log.warn({ shardId: this.shardId, fencingToken: token, reason }, 'lost the Gateway lease');
    // If Redis still shows it as ours (the renewal was merely late), hand it over now.
    void this.#o.redis.eval(RELEASE_LUA, 1, this.#leaseKey, this.#value(token)).catch(() => undefined);
    this.#handlers?.onLost();
    this.#schedule(() => this.#tryAcquire(), this.#t.pollMaxMs);
  }

  #command<T>(promise: Promise<T>): Promise<T> {
    let cancel: (() => void) | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        cancel = this.#o.clock.setTimeout(() => reject(new Error(`Redis did not answer within ${this.#t.commandTimeoutMs} ms`)), this.#t.commandTimeoutMs);
      }),
    ]).finally(() => cancel?.());
  }
}
