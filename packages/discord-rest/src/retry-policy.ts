import type { BackoffPolicy, Clock, Logger } from '@repo/platform';
import {
  DiscordAbortedError,
  DiscordApiError,
  DiscordRateLimitedError,
  DiscordUnavailableError,
  formatMs,
  type DiscordRestError,
  type RequestContext,
} from './errors.ts';
import type { RateLimitEvent, RetryEvent, RetryReason } from './events.ts';
import { classifyFailure, type AttemptFailure } from './failure.ts';
import { retryDelayMs, retryWaitMs } from './retry-delay.ts';

export interface RetryPolicy {
  maxRetries: number;
  backoff: BackoffPolicy;
  maxRateLimitWaitMs: number;
  clock: Clock;
  logger: Logger;
  onRateLimit: (event: RateLimitEvent) => void;
  onRetry: (event: RetryEvent) => void;
}

type RetryableFailure = Extract<AttemptFailure, { type: RetryReason }>;

/**
 * R-RL1: 429s, 5xx, timeouts and connection failures are retried at most `maxRetries` times, waiting
 * 1, 2, 4, 8, 16 s (Discord's retry_after when longer); 4xx fail at once; the caller's signal stops
 * everything. Each outcome is one typed error.
 */
export async function runWithRetries<T>(context: RequestContext, signal: AbortSignal | undefined, attempt: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const maxAttempts = policy.maxRetries + 1;
  for (let attempts = 1; ; attempts += 1) {
    if (signal?.aborted) throw new DiscordAbortedError(context, { attempts: attempts - 1, cause: signal.reason });
    let failure: AttemptFailure;
    try {
      return await attempt(attempts);
    } catch (error) {
      if (signal?.aborted) throw new DiscordAbortedError(context, { attempts, cause: signal.reason });
      failure = classifyFailure(error);
      if (failure.type === 'unexpected') throw error;
    }
    const retryable = settleOrContinue(context, failure, attempts, maxAttempts, policy);
    const waitMs = retryWaitMs(attempts, policy.backoff, retryAfterOf(retryable));
    const event: RetryEvent = {
      operation: context.operation,
      method: context.method,
      route: context.route,
      attempt: attempts,
      maxAttempts,
      reason: retryable.type,
      status: statusOf(retryable),
      waitMs,
      retryAfterMs: retryAfterOf(retryable),
    };
    policy.logger.warn(
      { module: 'RateLimit', ...event, path: context.path, bucket: bucketOf(retryable), scope: scopeOf(retryable) },
      `[RateLimit] ${context.operation} ${context.method} ${context.route}: ${describe(retryable)}; retry ${attempts + 1}/${maxAttempts} in ${formatMs(waitMs)}`,
    );
    policy.onRetry(event);
    try {
      await policy.clock.sleep(waitMs, signal);
    } catch {
      throw new DiscordAbortedError(context, { attempts, cause: signal?.reason });
    }
  }
}

/** Throws the typed error when this failure ends the request; returns it when another attempt is due. */
function settleOrContinue(context: RequestContext, failure: Exclude<AttemptFailure, { type: 'unexpected' }>, attempts: number, maxAttempts: number, policy: RetryPolicy): RetryableFailure {
  switch (failure.type) {
    case 'api':
      throw new DiscordApiError(context, { status: failure.status, code: failure.code, discordMessage: failure.discordMessage, fieldErrors: failure.fieldErrors, attempts });
    case 'wait_too_long':
      throw giveUp(policy, new DiscordRateLimitedError(context, { ...failure, attempts, reason: 'wait_too_long' }));
    case 'rate_limited': {
      const event: RateLimitEvent = {
        source: 'response',
        method: context.method,
        route: failure.route,
        majorParameter: failure.majorParameter,
        bucket: failure.bucketHash,
        scope: failure.scope,
        global: failure.global,
        waitMs: failure.retryAfterMs ?? 0,
        operation: context.operation,
      };
      policy.onRateLimit(event);
      const retryAfterMs = failure.retryAfterMs ?? retryDelayMs(attempts, policy.backoff);
      if (retryAfterMs > policy.maxRateLimitWaitMs || attempts >= maxAttempts) {
        const reason = attempts >= maxAttempts ? 'retries_exhausted' : 'wait_too_long';
        throw giveUp(policy, new DiscordRateLimitedError(context, { retryAfterMs, global: failure.global, scope: failure.scope, attempts, status: 429, discordMessage: failure.discordMessage, reason }));
      }
      return failure;
    }
    default:
      if (attempts >= maxAttempts) {
        throw giveUp(
          policy,
          new DiscordUnavailableError(context, {
            reason: failure.type,
            detail: describe(failure),
            // Nothing tells us when Discord will be back; the last step of our own schedule is the honest hint.
            retryAfterMs: retryDelayMs(policy.maxRetries > 0 ? policy.maxRetries : 1, policy.backoff),
            attempts,
            status: statusOf(failure),
            cause: failure.type === 'network' ? failure.cause : undefined,
          }),
        );
      }
      return failure;
  }
}

function giveUp(policy: RetryPolicy, error: DiscordRestError): DiscordRestError {
  policy.logger.error(
    { module: 'RateLimit', operation: error.operation, method: error.method, route: error.route, path: error.path, status: error.status, attempts: error.attempts, retryAfterMs: error.retryAfterMs, kind: error.kind },
    `[RateLimit] giving up: ${error.message}`,
  );
  return error;
}

function retryAfterOf(failure: RetryableFailure): number | undefined {
  return failure.type === 'rate_limited' ? failure.retryAfterMs : undefined;
}

function statusOf(failure: RetryableFailure): number | undefined {
  if (failure.type === 'rate_limited') return 429;
  return failure.type === 'server_error' ? failure.status : undefined;
}

function bucketOf(failure: RetryableFailure): string | undefined {
  return failure.type === 'rate_limited' ? failure.bucketHash : undefined;
}

function scopeOf(failure: RetryableFailure): string | undefined {
  if (failure.type !== 'rate_limited') return undefined;
  return failure.global ? 'global' : failure.scope;
}

function describe(failure: RetryableFailure): string {
  switch (failure.type) {
    case 'rate_limited':
      return `429 (${failure.global ? 'global' : failure.scope}, bucket ${failure.bucketHash ?? 'unknown'}, retry_after ${failure.retryAfterMs === undefined ? 'none' : formatMs(failure.retryAfterMs)})`;
    case 'server_error':
      return `${failure.status} ${failure.statusText}`;
    case 'timeout':
      return `timed out after ${formatMs(failure.timeoutMs)}`;
    case 'network':
      return `connection failed (${failure.detail})`;
  }
}
