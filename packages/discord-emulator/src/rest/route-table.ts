import type { EmulatorState } from '../state.ts';
import type { SessionStartLimit } from '../gateway/session-start-limit.ts';
import type { TokenGrant } from '../oauth-store.ts';

/**
 * A small typed route table for the REST API. Paths are templates with named parameters
 * (`/guilds/:guildId/channels`); handlers get those names typed. Each route also has a normalized
 * key (`POST /guilds/:id/channels`) used for rate-limit configuration, request counters and docs.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type RequestAuth = { kind: 'bot'; token: string } | { kind: 'bearer'; token: string; grant: TokenGrant };

export interface RouteContext<P extends string = string> {
  params: Record<ParamNames<P>, string>;
  query: URLSearchParams;
  body: unknown;
  auth: RequestAuth;
  state: EmulatorState;
  /** `ws://host:port/gateway`, for GET /gateway. */
  gatewayUrl: string;
  /** The identify budget, for GET /gateway/bot. */
  sessionStartLimit: SessionStartLimit;
  /** The `shards` GET /gateway/bot reports, when configured. */
  recommendedShards: number | undefined;
  auditLogReason: string | undefined;
}

/** `body: undefined` means 204 No Content. `headers` join the bucket's (a route's own 429: Retry-After). */
export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Who may call a route: bot token only, bot or OAuth bearer, or anyone. */
export type RouteAuth = 'bot' | 'bot-or-bearer' | 'bearer' | 'none';

export interface RouteSpec<P extends string> {
  method: HttpMethod;
  path: P;
  auth: RouteAuth;
  /**
   * The bucket's major parameter. Defaults to the guild or channel id in the path (Discord's
   * major parameters); routes limited per guild but addressed by channel override it.
   */
  major?: (params: Record<ParamNames<P>, string>, state: EmulatorState) => string;
  handle(ctx: RouteContext<P>): RouteResponse;
}

export interface Route {
  method: HttpMethod;
  path: string;
  key: string;
  auth: RouteAuth;
  major(params: Record<string, string>, state: EmulatorState): string;
  handle(ctx: RouteContext): RouteResponse;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

export function route<P extends string>(spec: RouteSpec<P>): Route {
  const paramNames: string[] = [];
  const source = spec.path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\@]/g, '\\$&');
      paramNames.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  const defaultMajor = (params: Record<string, string>) =>
    spec.path.startsWith('/guilds/:') || spec.path.startsWith('/channels/:') ? (params[paramNames[0] ?? ''] ?? '') : '';
  return {
    method: spec.method,
    path: spec.path,
    key: routeKey(spec.method, spec.path),
    auth: spec.auth,
    major: (params, state) => (spec.major ? spec.major(params as Record<ParamNames<P>, string>, state) : defaultMajor(params)),
    handle: (ctx) => spec.handle(ctx as RouteContext<P>),
    pattern: new RegExp(`^${source}/?$`),
    paramNames,
  };
}

/** `POST /guilds/:guildId/channels` → `POST /guilds/:id/channels`. */
export function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/:[A-Za-z]+/g, ':id')}`;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method' }
  | { kind: 'none' };

export class RouteTable {
  readonly #routes: readonly Route[];

  /** Order matters: literal segments (`/users/@me`) must precede templates (`/users/:userId`). */
  constructor(routes: readonly Route[]) {
    this.#routes = routes;
  }

  get routes(): readonly Route[] {
    return this.#routes;
  }

  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const r of this.#routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        pathMatched = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.paramNames.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { kind: 'found', route: r, params };
    }
    return pathMatched ? { kind: 'wrong-method' } : { kind: 'none' };
  }
}
