import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorApiError, invalidJson, methodNotAllowed, notFound, unauthorized } from '../errors.ts';
import type { RestFault, RestFaults, StatusFault } from '../faults.ts';
import type { SessionStartLimit } from '../gateway/session-start-limit.ts';
import { parseJsonKeepingBigIntegers } from '../http/json-body.ts';
import { readBody, sendJson, sendNoContent, type HeaderMap } from '../http/respond.ts';
import type { EmulatorLogger } from '../logger.ts';
import type { EmulatorState } from '../state.ts';
import type { InvalidRequestLimit } from './invalid-request-limit.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { requireBotInGuild } from './bot-access.ts';
import { RouteTable, type RequestAuth, type Route } from './route-table.ts';
import { channelRoutes } from './routes/channel-routes.ts';
import { inviteRoutes } from './routes/invite-routes.ts';
import { gatewayRoutes } from './routes/gateway-routes.ts';
import { guildRoutes } from './routes/guild-routes.ts';
import { memberRoutes } from './routes/member-routes.ts';
import { userRoutes } from './routes/user-routes.ts';

/**
 * The REST v10 request pipeline, one straight line per request:
 * invalid-request ban → match route → count → injected fault → auth → global + bucket limits → body
 * → handler → respond. Every response of a limited route carries the X-RateLimit-* headers, errors
 * included; every answer but the ban carries `Via` and counts toward the invalid-request limit.
 */

export const restRoutes = new RouteTable([...gatewayRoutes, ...userRoutes, ...guildRoutes, ...channelRoutes, ...inviteRoutes, ...memberRoutes]);

export interface RestApiDeps {
  state: EmulatorState;
  limiter: RateLimiter;
  faults: RestFaults;
  logger: EmulatorLogger;
  gatewayUrl: string;
  sessionStartLimit: SessionStartLimit;
  invalidRequests: InvalidRequestLimit;
  /** GET /gateway/bot's `shards` when set; Discord's advice otherwise. */
  recommendedShards?: number;
}

const FAULT_MESSAGES: Record<number, string> = {
  400: '400: Bad Request',
  401: '401: Unauthorized',
  403: 'Missing Permissions',
  404: '404: Not Found',
  500: '500: Internal Server Error',
  502: '502: Bad Gateway',
  503: '503: Service Unavailable',
  504: '504: Gateway Timeout',
};

/**
 * Every answer of Discord's API passes Google's load balancer and carries this header; the
 * Cloudflare ban in front of it does not, which is how clients tell the two kinds of 429 apart.
 */
const VIA_HEADER: HeaderMap = { Via: '1.1 google' };

/**
 * The body of Discord's Cloudflare ban (discord-api-docs#5810): a static answer with no
 * Retry-After, no X-RateLimit-* headers and no Via.
 */
export const INVALID_REQUEST_BAN_BODY = {
  code: 0,
  message:
    'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.',
} as const;

export class RestApi {
  readonly #deps: RestApiDeps;
  /** Responses held open by `rest.hang` faults; released when the client gives up or on close. */
  readonly #hung = new Set<ServerResponse>();

  constructor(deps: RestApiDeps) {
    this.#deps = deps;
  }

  /** `path` is version-less (`/guilds/1/channels`); `/api/v10` has been stripped by the server. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const { state, invalidRequests } = this.#deps;
    const method = (req.method ?? 'GET').toUpperCase();
    const identity = requestIdentity(req);
    if (invalidRequests.isBanned(identity)) {
      req.resume();
      state.restTelemetry.countRequest(`${method} <banned>`);
      sendJson(res, 429, INVALID_REQUEST_BAN_BODY);
      return;
    }
    // One exit for every API answer: it is counted against the invalid-request limit and gets `Via`.
    const send = (status: number, body: unknown, headers: HeaderMap = {}): void => {
      invalidRequests.record(identity, status, headers['X-RateLimit-Scope']);
      if (body === undefined) sendNoContent(res, { ...headers, ...VIA_HEADER });
      else sendJson(res, status, body, { ...headers, ...VIA_HEADER });
    };

    const match = restRoutes.match(method, path);
    if (match.kind !== 'found') {
      state.restTelemetry.countRequest(`${method} <unmatched>`);
      req.resume();
      const err = match.kind === 'wrong-method' ? methodNotAllowed() : notFound();
      send(err.status, err.body());
      return;
    }
    const { route, params } = match;
    state.restTelemetry.countRequest(route.key);

    const fault = this.#deps.faults.take(method, path);
    if (fault) {
      req.resume();
      this.#applyFault(fault, route, method, res, send);
      return;
    }

    const auth = this.#authenticate(req, route);
    if (auth === 'denied') {
      req.resume();
      const err = unauthorized();
      send(err.status, err.body());
      return;
    }

    let headers: HeaderMap = {};
    if (auth) {
      const decision = this.#deps.limiter.take(route.key, route.major(params, state), auth.token);
      headers = decision.headers;
      if (decision.limited) {
        req.resume();
        state.restTelemetry.recordRateLimitHit({ atMs: state.now(), method, route: route.key, bucket: decision.bucket, scope: decision.scope, injected: false });
        this.#deps.logger.debug?.(`[emulator] 429 ${decision.scope} ${route.key} retry_after=${decision.retryAfterS}`);
        send(429, rateLimitBody(decision.retryAfterS, decision.scope), headers);
        return;
      }
    }

    try {
      const body = await this.#readJson(req);
      if (auth?.kind === 'bot') requireBotInGuild(state, route.path, params);
      const result = route.handle({
        params,
        query,
        body,
        // Anonymous routes (GET /gateway) never read `auth`; the placeholder keeps the context type simple.
        auth: auth ?? { kind: 'bot', token: '' },
        state,
        gatewayUrl: this.#deps.gatewayUrl,
        sessionStartLimit: this.#deps.sessionStartLimit,
        recommendedShards: this.#deps.recommendedShards,
        auditLogReason: headerValue(req, 'x-audit-log-reason'),
      });
      send(result.status, result.body, result.headers ? { ...headers, ...result.headers } : headers);
    } catch (error) {
      if (error instanceof EmulatorApiError) {
        send(error.status, error.body(), headers);
        return;
      }
      this.#deps.logger.error(`[emulator] ${route.key} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      send(500, { message: '500: Internal Server Error', code: 0 }, headers);
    }
  }

  /** Ends every hung response (used on close and reset). */
  releaseHung(): void {
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
  }

  /** null = anonymous route, 'denied' = 401, else who is calling (the token keys the global limit). */
  #authenticate(req: IncomingMessage, route: Route): RequestAuth | null | 'denied' {
    if (route.auth === 'none') return null;
    const header = headerValue(req, 'authorization') ?? '';
    const [scheme, token] = splitOnce(header.trim(), ' ');
    if (scheme === 'Bot' && route.auth !== 'bearer' && this.#deps.state.isValidBotToken(token)) return { kind: 'bot', token };
    if (scheme === 'Bearer' && route.auth !== 'bot') {
      const grant = this.#deps.state.oauth.findAccess(token);
      if (grant) return { kind: 'bearer', token, grant };
    }
    return 'denied';
  }

  async #readJson(req: IncomingMessage): Promise<unknown> {
    const text = await readBody(req);
    if (text.trim() === '') return undefined;
    try {
      return parseJsonKeepingBigIntegers(text);
    } catch {
      throw invalidJson();
    }
  }

  #applyFault(fault: RestFault, route: Route, method: string, res: ServerResponse, send: Send): void {
    if (fault.kind === 'rest.hang') {
      this.#hung.add(res);
      res.on('close', () => this.#hung.delete(res));
      return;
    }
    if (fault.status === 429) {
      this.#sendInjected429(fault, route, method, send);
      return;
    }
    const message = FAULT_MESSAGES[fault.status] ?? `${fault.status}: Emulated failure`;
    const code = fault.status === 403 ? 50013 : 0;
    send(fault.status, fault.status === 204 ? undefined : { message, code });
  }

  #sendInjected429(fault: StatusFault, route: Route, method: string, send: Send): void {
    const { state, limiter } = this.#deps;
    const retryAfter = fault.retryAfter ?? 1;
    const scope = fault.global ? 'global' : (fault.scope ?? 'user');
    const bucket = limiter.bucketHash(route.key);
    const headers: HeaderMap =
      scope === 'global'
        ? { 'Retry-After': String(Math.ceil(retryAfter)), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' }
        : {
            'Retry-After': String(Math.ceil(retryAfter)),
            'X-RateLimit-Scope': scope,
            'X-RateLimit-Limit': String(limiter.limitFor(route.key)?.limit ?? 1),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': ((state.now() + retryAfter * 1000) / 1000).toFixed(3),
            'X-RateLimit-Reset-After': retryAfter.toFixed(3),
            'X-RateLimit-Bucket': bucket,
          };
    state.restTelemetry.recordRateLimitHit({ atMs: state.now(), method, route: route.key, bucket: scope === 'global' ? 'global' : bucket, scope, injected: true });
    send(429, rateLimitBody(retryAfter, scope), headers);
  }
}

type Send = (status: number, body: unknown, headers?: HeaderMap) => void;

/**
 * Whom the invalid-request limit counts against: the credential of the Authorization header
 * (bot token or bearer token, without its scheme), else the client's address.
 */
function requestIdentity(req: IncomingMessage): string {
  const [, token] = splitOnce((headerValue(req, 'authorization') ?? '').trim(), ' ');
  return token !== '' ? token : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
}

/** Discord's 429 bodies; a shared resource limit words it differently (rate-limits#exceeding-a-rate-limit). */
function rateLimitBody(retryAfterS: number, scope: 'user' | 'global' | 'shared') {
  const global = scope === 'global';
  const message = scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.';
  return { message, retry_after: retryAfterS, global, ...(global ? { code: 0 } : {}) };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function splitOnce(text: string, sep: string): [string, string] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + sep.length).trim()];
}
