import { createHash } from 'node:crypto';
import type { HeaderMap } from '../http/respond.ts';

/**
 * Discord-style rate limiting: fixed windows per bucket (route template + major parameter) and a
 * global per-token limit. Window math runs on the injected clock so tests can move time instead
 * of sleeping.
 */

export interface RouteLimit {
  limit: number;
  windowMs: number;
}

export type RateLimitMode = 'discord' | 'off';
export type RateLimitScope = 'user' | 'global' | 'shared';

/** Discord's default for routes without a documented stricter bucket. */
export const DEFAULT_ROUTE_LIMIT: RouteLimit = { limit: 50, windowMs: 1_000 };

/**
 * The stricter buckets the app runs into, per guild, as observed on Discord (they are not
 * documented and Discord may change them; these keep client code honest about queueing).
 */
export const DISCORD_ROUTE_LIMITS: Readonly<Record<string, RouteLimit>> = {
  'POST /guilds/:id/channels': { limit: 5, windowMs: 5_000 },
  'DELETE /channels/:id': { limit: 5, windowMs: 5_000 },
  'POST /guilds/:id/roles': { limit: 5, windowMs: 5_000 },
  'DELETE /guilds/:id/roles/:id': { limit: 5, windowMs: 5_000 },
  'PUT /guilds/:id/members/:id/roles/:id': { limit: 10, windowMs: 10_000 },
  'DELETE /guilds/:id/members/:id/roles/:id': { limit: 10, windowMs: 10_000 },
  'PATCH /guilds/:id/members/:id': { limit: 10, windowMs: 10_000 },
};

/** Discord's global limit: 50 requests per second per bot token. */
export const DEFAULT_GLOBAL_LIMIT_PER_SECOND = 50;

export interface RateLimiterOptions {
  mode: RateLimitMode;
  /** Per-route overrides, keyed like `PUT /guilds/:id/members/:id/roles/:id`; apply in both modes. */
  routeLimits?: Record<string, RouteLimit>;
  /** Global limit; with mode 'off' it applies only when given explicitly. */
  globalLimitPerSecond?: number;
  now: () => number;
}

export type RateLimitDecision =
  | { limited: false; headers: HeaderMap }
  | { limited: true; scope: RateLimitScope; retryAfterS: number; bucket: string; headers: HeaderMap };

interface Window {
  remaining: number;
  resetAtMs: number;
}

/** Buckets are pruned once there are this many, dropping expired windows. */
const PRUNE_THRESHOLD = 10_000;

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #hashes = new Map<string, string>();
  readonly #options: RateLimiterOptions;

  constructor(options: RateLimiterOptions) {
    this.#options = options;
  }

  /** The limit a route template gets, or null when it is unlimited. */
  limitFor(routeKey: string): RouteLimit | null {
    const override = this.#options.routeLimits?.[routeKey];
    if (override) return override;
    if (this.#options.mode === 'off') return null;
    return DISCORD_ROUTE_LIMITS[routeKey] ?? DEFAULT_ROUTE_LIMIT;
  }

  /** The opaque `X-RateLimit-Bucket` for a route template: stable, 32 hex chars like Discord's. */
  bucketHash(routeKey: string): string {
    let hash = this.#hashes.get(routeKey);
    if (!hash) {
      hash = createHash('md5').update(`bucket:${routeKey}`).digest('hex');
      this.#hashes.set(routeKey, hash);
    }
    return hash;
  }

  /** Consumes one request for `identity` (the token) on `routeKey` + `major`. */
  take(routeKey: string, major: string, identity: string): RateLimitDecision {
    const now = this.#options.now();
    const global = this.#globalLimit();
    if (global !== null) {
      const w = this.#window(`global|${identity}`, { limit: global, windowMs: 1_000 }, now);
      if (w.remaining <= 0) {
        const retryAfterS = seconds(w.resetAtMs - now);
        return {
          limited: true,
          scope: 'global',
          retryAfterS,
          bucket: 'global',
          headers: { 'Retry-After': String(Math.ceil(retryAfterS)), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
        };
      }
      w.remaining -= 1;
    }

    const limit = this.limitFor(routeKey);
    if (!limit) return { limited: false, headers: {} };
    const bucket = this.bucketHash(routeKey);
    const w = this.#window(`${routeKey}|${major}`, limit, now);
    const resetAfterS = seconds(w.resetAtMs - now);
    const headers: HeaderMap = {
      'X-RateLimit-Limit': String(limit.limit),
      'X-RateLimit-Remaining': String(Math.max(0, w.remaining - 1)),
      'X-RateLimit-Reset': (w.resetAtMs / 1000).toFixed(3),
      'X-RateLimit-Reset-After': resetAfterS.toFixed(3),
      'X-RateLimit-Bucket': bucket,
    };
    if (w.remaining <= 0) {
      headers['X-RateLimit-Remaining'] = '0';
      headers['Retry-After'] = String(Math.ceil(resetAfterS));
      headers['X-RateLimit-Scope'] = 'user';
      return { limited: true, scope: 'user', retryAfterS: resetAfterS, bucket, headers };
    }
    w.remaining -= 1;
    return { limited: false, headers };
  }

  reset(): void {
    this.#windows.clear();
  }

  #globalLimit(): number | null {
    if (this.#options.globalLimitPerSecond !== undefined) return this.#options.globalLimitPerSecond;
    return this.#options.mode === 'off' ? null : DEFAULT_GLOBAL_LIMIT_PER_SECOND;
  }

  #window(key: string, limit: RouteLimit, now: number): Window {
    let w = this.#windows.get(key);
    if (!w || w.resetAtMs <= now) {
      if (!w && this.#windows.size >= PRUNE_THRESHOLD) this.#prune(now);
      w = { remaining: limit.limit, resetAtMs: now + limit.windowMs };
      this.#windows.set(key, w);
    }
    return w;
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) if (w.resetAtMs <= now) this.#windows.delete(key);
  }
}

/** Seconds with millisecond precision, as Discord reports them. */
function seconds(ms: number): number {
  return Math.max(0, Math.round(ms)) / 1000;
}
