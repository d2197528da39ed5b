import type { RESTOptions, ResponseLike } from '@discordjs/rest';
import { z } from 'zod';
import type { Clock } from '@repo/platform';
import type { RateLimitScope } from './errors.ts';
import { bucketOf, type BucketRef, type RateLimitObservation, type RateLimitStateStore, type RateLimitWait } from './rate-limit-store.ts';

/*
 * The `makeRequest` we give @discordjs/rest. It runs inside the bucket's queue slot, right before the
 * network, which makes it the one place to (1) consult the shared budget, (2) time out one attempt
 * without counting the time spent queued, and (3) take 429s away from @discordjs/rest, which would
 * otherwise retry them forever on its own clock; the retry policy decides instead.
 */

/** Discord answered 429. Thrown after the budget store has recorded it. */
export class RateLimitedResponse extends Error {
  override readonly name = 'RateLimitedResponse';
  constructor(
    readonly bucket: BucketRef,
    readonly bucketHash: string | undefined,
    readonly retryAfterMs: number | undefined,
    readonly global: boolean,
    readonly scope: RateLimitScope,
    readonly discordMessage: string | undefined,
  ) {
    super(`429 on ${bucket.method} ${bucket.route}`);
  }
}

/** The shared budget asked for a wait longer than we accept. */
export class BudgetWaitTooLong extends Error {
  override readonly name = 'BudgetWaitTooLong';
  constructor(
    readonly bucket: BucketRef,
    readonly wait: RateLimitWait,
  ) {
    super(`rate-limit budget wait of ${wait.waitMs} ms on ${bucket.method} ${bucket.route}`);
  }
}

/** One attempt ran out of time (connection, headers or body). */
export class AttemptTimedOut extends Error {
  override readonly name = 'AttemptTimedOut';
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
  }
}

export interface BudgetWaitEvent {
  bucket: BucketRef;
  wait: RateLimitWait;
}

export interface TransportOptions {
  /** `${apiBaseUrl}/v${apiVersion}`: stripped from URLs to find the bucket. */
  apiPrefix: string;
  fetch: typeof fetch;
  store: RateLimitStateStore;
  clock: Clock;
  requestTimeoutMs: number;
  maxRateLimitWaitMs: number;
  onBudgetWait: (event: BudgetWaitEvent) => void;
  /** Every answer's status and `X-RateLimit-Scope` (the invalid-request budget reads them). */
  onAnswer: (status: number, scope: string | null, bucket: BucketRef) => void;
}

const rateLimitBody = z.object({
  message: z.string().optional(),
  retry_after: z.number().nonnegative().optional(),
  global: z.boolean().optional(),
});

export function createTransport(options: TransportOptions): RESTOptions['makeRequest'] {
  const { store, clock } = options;
  return async (url, init) => {
    // @discordjs/rest always passes a signal: the caller's one, linked to its own (disabled) timeout.
    const queueSignal = init.signal as AbortSignal;
    const method = (init.method ?? 'GET').toUpperCase();
    const bucket = bucketOf(method, url.startsWith(options.apiPrefix) ? url.slice(options.apiPrefix.length) : new URL(url).pathname);

    for (let wait = await store.acquire(bucket, clock.now()); wait; wait = await store.acquire(bucket, clock.now())) {
      if (wait.waitMs > options.maxRateLimitWaitMs) throw new BudgetWaitTooLong(bucket, wait);
      options.onBudgetWait({ bucket, wait });
      await clock.sleep(wait.waitMs, queueSignal);
    }

    let response: Response;
    try {
      response = await fetchWithTimeout(options, url, init, queueSignal);
    } catch (error) {
      await store.update(bucket, { kind: 'released' }, clock.now());
      throw error;
    }
    options.onAnswer(response.status, response.headers.get('x-ratelimit-scope'), bucket);
    const observation = readRateLimitHeaders(response.headers);
    if (response.status === 429) {
      const parsed = rateLimitBody.safeParse(await response.json().catch(() => undefined));
      const body = parsed.success ? parsed.data : {};
      const global = body.global === true || response.headers.has('x-ratelimit-global');
      const scope = global ? 'global' : parseScope(response.headers.get('x-ratelimit-scope'));
      // The body's retry_after has millisecond precision; the header is rounded up to whole seconds.
      const retryAfterMs = body.retry_after !== undefined ? body.retry_after * 1_000 : secondsHeaderMs(response.headers.get('retry-after'));
      const bucketHash = response.headers.get('x-ratelimit-bucket') ?? undefined;
      const recorded: RateLimitObservation = retryAfterMs === undefined ? { kind: 'released' } : { kind: '429', bucketHash, global, scope, retryAfterMs };
      await store.update(bucket, recorded, clock.now());
      throw new RateLimitedResponse(bucket, bucketHash, retryAfterMs, global, scope, body.message);
    }
    await store.update(bucket, observation ?? { kind: 'released' }, clock.now());
    // A WHATWG Response is what @discordjs/rest's own fetch strategy returns too; its typings name undici's.
    return response as unknown as ResponseLike;
  };
}

type MakeRequestInit = Parameters<RESTOptions['makeRequest']>[1];

/** Buffers the whole body under the timeout, so a response that stalls mid-body times out too. */
async function fetchWithTimeout(options: TransportOptions, url: string, init: MakeRequestInit, queueSignal: AbortSignal): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new AttemptTimedOut(options.requestTimeoutMs)), options.requestTimeoutMs);
  try {
    const response = await options.fetch(url, {
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: init.body as BodyInit | null,
      signal: AbortSignal.any([queueSignal, timeout.signal]),
    });
    const bytes = await response.arrayBuffer();
    // Status 204/304 must not carry a body in a Response; Discord's are empty anyway.
    return new Response(bytes.byteLength > 0 ? bytes : null, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } catch (error) {
    if (timeout.signal.aborted && !queueSignal.aborted) throw new AttemptTimedOut(options.requestTimeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function readRateLimitHeaders(headers: Headers): Extract<RateLimitObservation, { kind: 'headers' }> | undefined {
  const limit = numberHeader(headers.get('x-ratelimit-limit'));
  const remaining = numberHeader(headers.get('x-ratelimit-remaining'));
  const resetAfterS = numberHeader(headers.get('x-ratelimit-reset-after'));
  if (limit === undefined || remaining === undefined || resetAfterS === undefined) return undefined;
  return { kind: 'headers', bucketHash: headers.get('x-ratelimit-bucket') ?? undefined, limit, remaining, resetAfterMs: resetAfterS * 1_000 };
}

function numberHeader(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

function secondsHeaderMs(value: string | null): number | undefined {
  const seconds = numberHeader(value);
  return seconds === undefined ? undefined : seconds * 1_000;
}

function parseScope(value: string | null): RateLimitScope {
  return value === 'shared' || value === 'global' ? value : 'user';
}
