import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { z } from 'zod';
import type { RateLimitScope } from './errors.ts';
import { AttemptTimedOut, BudgetWaitTooLong, RateLimitedResponse } from './transport.ts';

/** Why one attempt failed, in the terms the retry policy decides on. */
export type AttemptFailure =
  | { type: 'api'; status: number; code: number | undefined; discordMessage: string; fieldErrors: unknown }
  | { type: 'rate_limited'; retryAfterMs: number | undefined; global: boolean; scope: RateLimitScope; route: string; bucketHash: string | undefined; majorParameter: string; discordMessage: string | undefined }
  | { type: 'wait_too_long'; retryAfterMs: number; global: boolean; scope: RateLimitScope }
  | { type: 'server_error'; status: number; statusText: string }
  | { type: 'timeout'; timeoutMs: number }
  | { type: 'network'; detail: string; cause: unknown }
  | { type: 'unexpected'; error: unknown };

const discordErrorBody = z.union([
  z.object({ code: z.number(), message: z.string(), errors: z.unknown().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

// Connection-level failures worth another attempt (Node's socket errors and undici's).
const transientNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export function classifyFailure(error: unknown): AttemptFailure {
  if (error instanceof RateLimitedResponse) {
    return {
      type: 'rate_limited',
      retryAfterMs: error.retryAfterMs,
      global: error.global,
      scope: error.scope,
      route: error.bucket.route,
      majorParameter: error.bucket.majorParameter,
      bucketHash: error.bucketHash,
      discordMessage: error.discordMessage,
    };
  }
  if (error instanceof BudgetWaitTooLong) {
    const global = error.wait.reason === 'global';
    return { type: 'wait_too_long', retryAfterMs: error.wait.waitMs, global, scope: global ? 'global' : 'user' };
  }
  // @discordjs/rest's own queue would wait longer than we accept (see rejectOnRateLimit in the client).
  if (error instanceof RateLimitError) {
    return { type: 'wait_too_long', retryAfterMs: Math.max(0, error.timeToReset), global: error.global, scope: error.scope };
  }
  if (error instanceof AttemptTimedOut) return { type: 'timeout', timeoutMs: error.timeoutMs };
  if (error instanceof DiscordAPIError) {
    const body = discordErrorBody.safeParse(error.rawError);
    if (body.success && 'code' in body.data) {
      return { type: 'api', status: error.status, code: body.data.code, discordMessage: body.data.message, fieldErrors: body.data.errors };
    }
    const message = body.success && 'error' in body.data ? (body.data.error_description ?? body.data.error) : `HTTP ${error.status}`;
    return { type: 'api', status: error.status, code: undefined, discordMessage: message, fieldErrors: undefined };
  }
  if (error instanceof HTTPError) {
    return error.status >= 500 ? { type: 'server_error', status: error.status, statusText: error.message } : { type: 'unexpected', error };
  }
  const networkCode = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  if (networkCode !== undefined && transientNetworkCodes.has(networkCode)) {
    return { type: 'network', detail: networkCode, cause: error };
  }
  // fetch reports every network-level failure as this TypeError, with the socket error as cause.
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return { type: 'network', detail: networkCode ?? describe(error.cause), cause: error };
  }
  return { type: 'unexpected', error };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'network error';
}
