export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What was being done; every error and log line carries it. `path` has ids but never a token. */
export interface RequestContext {
  /** Our operation name, e.g. `createRole`. */
  operation: string;
  method: HttpMethod;
  /** Route template, e.g. `/guilds/:guildId/roles` (stable: use it to group metrics). */
  route: string;
  /** The path actually requested, e.g. `/guilds/1234…/roles`. */
  path: string;
}

export type DiscordRestErrorKind = 'api' | 'rate_limited' | 'unavailable' | 'aborted' | 'invalid_response';

interface ErrorDetails {
  attempts: number;
  status?: number | undefined;
  code?: number | undefined;
  discordMessage?: string | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * Base of every failure the client reports. Messages and fields are safe to log: they never hold a token
 * or a request body (an OAuth access token travels in one), which is also why errors from @discordjs/rest
 * (they keep the request body) are never attached as `cause`.
 */
export abstract class DiscordRestError extends Error {
  abstract readonly kind: DiscordRestErrorKind;
  readonly operation: string;
  readonly method: HttpMethod;
  readonly route: string;
  readonly path: string;
  /** HTTP status of the last response; undefined after a timeout or a connection failure. */
  readonly status: number | undefined;
  /** Discord's JSON error code (10003 Unknown Channel, 50013 Missing Permissions, …). */
  readonly code: number | undefined;
  readonly discordMessage: string | undefined;
  /** How long to wait before trying again, when that is known or advisable. */
  readonly retryAfterMs: number | undefined;
  /** Network attempts made, the first one included. */
  readonly attempts: number;

  protected constructor(context: RequestContext, summary: string, details: ErrorDetails) {
    super(`${context.operation} ${context.method} ${context.path}: ${summary}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.operation = context.operation;
    this.method = context.method;
    this.route = context.route;
    this.path = context.path;
    this.status = details.status;
    this.code = details.code;
    this.discordMessage = details.discordMessage;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
  }
}

/** Discord refused the request (4xx other than 429). Never retried: the same request would fail again. */
export class DiscordApiError extends DiscordRestError {
  readonly kind = 'api';
  override readonly name = 'DiscordApiError';
  override readonly status: number;
  /** Discord's per-field validation errors (400 Invalid Form Body), as sent. */
  readonly fieldErrors: unknown;

  constructor(context: RequestContext, details: { status: number; code: number | undefined; discordMessage: string; fieldErrors?: unknown; attempts: number }) {
    const code = details.code === undefined ? '' : ` (code ${details.code})`;
    super(context, `${details.status} ${details.discordMessage}${code}`, details);
    this.status = details.status;
    this.fieldErrors = details.fieldErrors;
  }
}

/** Rate limited: either the wait was longer than we accept, or 429s persisted through every retry. */
export class DiscordRateLimitedError extends DiscordRestError {
  readonly kind = 'rate_limited';
  override readonly name = 'DiscordRateLimitedError';
  override readonly retryAfterMs: number;
  readonly global: boolean;
  readonly scope: RateLimitScope;

  constructor(
    context: RequestContext,
    details: { retryAfterMs: number; global: boolean; scope: RateLimitScope; attempts: number; status?: number; discordMessage?: string; reason: 'wait_too_long' | 'retries_exhausted' },
  ) {
    const why = details.reason === 'wait_too_long' ? 'rate limit wait too long' : `still rate limited after ${details.attempts} attempts`;
    super(context, `${why} (${details.global ? 'global' : details.scope}); retry in ${formatMs(details.retryAfterMs)}`, details);
    this.retryAfterMs = details.retryAfterMs;
    this.global = details.global;
    this.scope = details.scope;
  }
}

export type UnavailableReason = 'server_error' | 'timeout' | 'network';

/** Discord (or the way to it) kept failing: 5xx, timeouts, connection failures, through every retry. */
export class DiscordUnavailableError extends DiscordRestError {
  readonly kind = 'unavailable';
  override readonly name = 'DiscordUnavailableError';
  readonly reason: UnavailableReason;
  override readonly retryAfterMs: number;

  constructor(context: RequestContext, details: { reason: UnavailableReason; detail: string; retryAfterMs: number; attempts: number; status?: number; cause?: unknown }) {
    super(context, `unavailable after ${details.attempts} attempts, last: ${details.detail}; retry in ${formatMs(details.retryAfterMs)}`, details);
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The caller's AbortSignal fired; named `AbortError` so generic abort checks recognise it. */
export class DiscordAbortedError extends DiscordRestError {
  readonly kind = 'aborted';
  override readonly name = 'AbortError';

  constructor(context: RequestContext, details: { attempts: number; cause?: unknown }) {
    super(context, `aborted by the caller after ${details.attempts} attempt(s)`, details);
  }
}

/** Discord answered 2xx with a payload we cannot use (a contract change, or a broken emulator). */
export class DiscordInvalidResponseError extends DiscordRestError {
  readonly kind = 'invalid_response';
  override readonly name = 'DiscordInvalidResponseError';

  constructor(context: RequestContext, details: { status: number; problem: string; attempts: number }) {
    super(context, `unexpected response payload: ${details.problem}`, details);
  }
}

export type RateLimitScope = 'user' | 'global' | 'shared';

export function isDiscordRestError(error: unknown): error is DiscordRestError {
  return error instanceof DiscordRestError;
}

export function formatMs(ms: number): string {
  return ms >= 1_000 ? `${Number((ms / 1_000).toFixed(3))} s` : `${Math.round(ms)} ms`;
}
