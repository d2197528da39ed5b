/**
 * REST faults injected through the control API: the next `count` requests matching a route fail
 * with a status, or hang until the client gives up; plus a latency added to every REST response.
 * Gateway faults are not here: the control API forwards them to the Gateway server.
 */

export interface StatusFault {
  kind: 'rest.status';
  method?: string;
  route: string;
  status: number;
  count: number;
  /** Seconds, for 429s (default 1). */
  retryAfter?: number;
  /** For 429s: report the global limit instead of a route bucket. */
  global?: boolean;
  /**
   * For bucket 429s: `X-RateLimit-Scope` (default `user`). `shared` is a resource's own limit,
   * which Discord does not count toward the invalid-request limit.
   */
  scope?: 'user' | 'shared';
}

export interface HangFault {
  kind: 'rest.hang';
  method?: string;
  route: string;
  count: number;
}

export type RestFault = StatusFault | HangFault;

interface ArmedFault {
  fault: RestFault;
  remaining: number;
  pattern: RegExp;
}

export class RestFaults {
  #armed: ArmedFault[] = [];
  #latencyMs = 0;

  get latencyMs(): number {
    return this.#latencyMs;
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  add(fault: RestFault): void {
    this.#armed.push({ fault, remaining: fault.count, pattern: routePattern(fault.route) });
  }

  /**
   * The first armed fault matching this request, consuming one of its uses. `path` is the
   * version-less API path (`/guilds/123/channels`).
   */
  take(method: string, path: string): RestFault | undefined {
    const index = this.#armed.findIndex(
      (a) => (a.fault.method === undefined || a.fault.method.toUpperCase() === method) && a.pattern.test(path),
    );
    const armed = this.#armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault;
  }

  list(): Array<RestFault & { remaining: number }> {
    return this.#armed.map((a) => ({ ...a.fault, remaining: a.remaining }));
  }

  clear(): void {
    this.#armed = [];
    this.#latencyMs = 0;
  }
}

/**
 * A fault's route is a path template or prefix: `:name` segments match any one segment and the
 * route matches the path itself or anything below it (`/guilds/:id` covers `/guilds/1/channels`).
 * A version prefix is ignored so `/api/v10/channels/:id` works too.
 */
export function routePattern(route: string): RegExp {
  const bare = route.replace(/^\/api(?:\/v\d+)?(?=\/)/, '');
  const source = bare
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source.replace(/\/$/, '')}(?:/|$)`);
}
