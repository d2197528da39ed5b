import { isDiscordRestError } from '@repo/discord-rest';
import type { ApiErrorBody } from '@repo/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * Application errors and their one mapping to HTTP (R-AUTH4). Handlers throw these; `toErrorResponse`
 * turns any thrown value into a short, safe JSON body and logs the full error server-side.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'upstream'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream: 502,
  // Our own capacity (the Discord server has no room left for another room): not Discord failing.
  unavailable: 503,
  internal: 500,
};

export interface AppErrorOptions {
  /** Field errors for validation failures (`{ name: ['Too long'] }`). */
  fields?: Record<string, string[]>;
  /** For 401: where to sign in again, carrying the current page as returnTo. */
  loginUrl?: string;
  /** For 429 (and retryable upstream failures): seconds until a retry may succeed. */
  retryAfterSeconds?: number;
  /** Whether retrying the same request may succeed (the page shows Retry). */
  retryable?: boolean;
  /** A stable code a client may switch on where `kind` is not precise enough (e.g. `invite_expired` vs `room_closed`, both 410). */
  reason?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    /** Shown to the user: short, useful, no internals. */
    message: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = STATUS[kind];
  }
}

export type ErrorBody = ApiErrorBody;

export function validationError(error: z.ZodError, message = 'Some fields are not valid.'): AppError {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '_';
    (fields[key] ??= []).push(issue.message);
  }
  return new AppError('validation', message, { fields });
}

/** Normalize anything thrown into an AppError; unknown errors become a generic 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return validationError(error);
  if (isDiscordRestError(error)) {
    // Discord's own words stay in the log: they can name internals (routes, ids, permissions).
    const retryAfterSeconds = error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
    if (error.kind === 'rate_limited') {
      return new AppError('rate_limited', 'Discord is busy right now. Please try again in a moment.', { cause: error, retryAfterSeconds, retryable: true });
    }
    if (error.kind === 'unavailable') {
      return new AppError('upstream', 'Discord could not be reached. Please try again.', { cause: error, retryAfterSeconds, retryable: true });
    }
    return new AppError('upstream', 'Discord refused the request.', { cause: error, retryable: false });
  }
  return new AppError('internal', 'Something went wrong on our side. Please try again.', { cause: error, retryable: true });
}

export function errorBody(error: AppError): ErrorBody {
  const { fields, loginUrl, retryAfterSeconds, retryable, reason } = error.options;
  return {
    error: {
      kind: error.kind,
      message: error.message,
      ...(fields ? { fields } : {}),
      ...(loginUrl ? { loginUrl } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(retryable !== undefined ? { retryable } : {}),
      ...(reason !== undefined ? { reason } : {}),
    },
  };
}

/** Normalizes and logs a thrown value: full details server-side, at error level for 5xx only. */
export function logAppError(thrown: unknown, log: Logger): AppError {
  const error = toAppError(thrown);
  const level = error.status >= 500 ? 'error' : 'info';
  log[level]({ kind: error.kind, status: error.status, err: error.options.cause ?? (error.kind === 'internal' ? thrown : undefined) }, error.message);
  return error;
}

export function toErrorResponse(thrown: unknown, log: Logger): Response {
  const error = logAppError(thrown, log);
  const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  if (error.options.retryAfterSeconds !== undefined) headers.set('retry-after', String(Math.ceil(error.options.retryAfterSeconds)));
  return new Response(JSON.stringify(errorBody(error)), { status: error.status, headers });
}
