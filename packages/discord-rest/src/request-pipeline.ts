import { REST, RequestMethod, type RateLimitData, type RequestData } from '@discordjs/rest';
import { silentLogger, systemClock, type Clock, type Logger } from '@repo/platform';
import { discordRestDefaults, type DiscordRestTuning } from './defaults.ts';
import { DiscordApiError, DiscordInvalidResponseError, formatMs, isDiscordRestError, type HttpMethod, type RequestContext } from './errors.ts';
import type { DiscordRestHooks, RateLimitEvent, RequestEvent, RetryEvent } from './events.ts';
import { InvalidRequestBudget, countsAsInvalidRequest } from './invalid-request-budget.ts';
import type { CallOptions, DeleteOptions, DeleteOutcome } from './operation-types.ts';
import { InMemoryRateLimitStateStore, type BucketRef, type RateLimitStateStore } from './rate-limit-store.ts';
import { runWithRetries, type RetryPolicy } from './retry-policy.ts';
import { createTransport, type BudgetWaitEvent } from './transport.ts';

export interface DiscordRestClientOptions extends Partial<DiscordRestTuning>, DiscordRestHooks {
  botToken: string;
  /** pino-compatible; rate-limit lines carry `module: 'RateLimit'` and start with `[RateLimit]`. */
  logger?: Logger;
  /** Drives backoff and the shared budget; tests pass a fake one. Per-attempt timeouts use real timers. */
  clock?: Clock;
  /** The bot token's budget; pass one shared store to every client of the same token (R-RL2). */
  rateLimitStore?: RateLimitStateStore;
  /** The HTTP transport; global fetch unless a test needs another. */
  fetch?: typeof fetch;
}

type Auth = { kind: 'bot' } | { kind: 'bearer'; token: string };

/** One Discord operation as the pipeline runs it: where it goes, as whom, and how its answer is read. */
export interface Call<T> {
  operation: string;
  method: HttpMethod;
  route: string;
  path: `/${string}`;
  auth?: Auth;
  body?: unknown;
  /** The query string, kept out of `path` so the route's rate-limit bucket does not depend on it. */
  query?: URLSearchParams;
  options: CallOptions | undefined;
  parse: (status: number, body: unknown) => T;
}

const requestMethods: Record<HttpMethod, RequestMethod> = {
  GET: RequestMethod.Get,
  POST: RequestMethod.Post,
  PUT: RequestMethod.Put,
  PATCH: RequestMethod.Patch,
  DELETE: RequestMethod.Delete,
};

// setTimeout's ceiling: @discordjs/rest's own timeout must never fire (ours, in the transport, does the job).
const neverMs = 2 ** 31 - 1;

/**
 * How every operation reaches Discord: @discordjs/rest's per-bucket queues (one for the bot token,
 * one for users' bearer tokens), our transport under them (shared budget, per-attempt timeout, 429s),
 * the retry policy over them (R-RL1), and what is counted on the way (hooks, stats, invalid requests).
 * It knows no Discord operation; `DiscordRestClient` describes those.
 */
export class RequestPipeline {
  readonly #botToken: string;
  readonly #bot: REST;
  /** OAuth2 user calls: their budget is the user's token, not the bot's, so they never queue behind bot calls. */
  readonly #bearer: REST;
  readonly #policy: RetryPolicy;
  readonly #logger: Logger;
  readonly #stats = { rateLimitEvents: 0, responses429: 0, retries: 0 };
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #now: () => number;
  /** Per client, i.e. per process: Discord counts invalid requests per IP address. */
  readonly #invalid: InvalidRequestBudget;

  constructor(options: DiscordRestClientOptions) {
    const tuning = resolveTuning(options);
    const clock = options.clock ?? systemClock;
    this.#botToken = options.botToken;
    this.#logger = options.logger ?? silentLogger;
    // A metrics hook that throws must not fail a Discord call.
    const safely = <E>(hook: ((event: E) => void) | undefined, event: E): void => {
      try {
        hook?.(event);
      } catch (error) {
        this.#logger.error({ module: 'RateLimit', err: error }, '[RateLimit] a rate-limit hook threw');
      }
    };
    const onRateLimit = (event: RateLimitEvent): void => {
      this.#stats.rateLimitEvents += 1;
      if (event.source === 'response') this.#stats.responses429 += 1;
      safely(options.onRateLimit, event);
    };
    const onRetry = (event: RetryEvent): void => {
      this.#stats.retries += 1;
      safely(options.onRetry, event);
    };
    this.#onRequest = options.onRequest ? (event) => safely(options.onRequest, event) : undefined;
    this.#now = () => clock.now();
    // Ten slots of a minute: the count lags the true sliding window by at most a minute, which
    // matters little against a limit ten times the alert level.
    this.#invalid = new InvalidRequestBudget({ windowMs: tuning.invalidRequestWindowMs, slots: 10, alertAbove: tuning.invalidRequestAlertAbove });
    const onAnswer = (status: number, scope: string | null, bucket: BucketRef): void => {
      if (!countsAsInvalidRequest(status, scope)) return;
      if (!this.#invalid.record(clock.now())) return;
      this.#logger.error(
        { module: 'RateLimit', invalidRequests: this.#invalid.count(clock.now()), windowMs: tuning.invalidRequestWindowMs, lastStatus: status, method: bucket.method, route: bucket.route },
        `[RateLimit] more than ${tuning.invalidRequestAlertAbove} requests answered 401/403/429 in ${formatMs(tuning.invalidRequestWindowMs)}; Discord bans the IP for about an hour at 10,000. Find what keeps sending them.`,
      );
    };
    this.#policy = {
      maxRetries: tuning.maxRetries,
      backoff: { baseMs: tuning.backoffBaseMs, maxMs: tuning.backoffMaxMs },
      maxRateLimitWaitMs: tuning.maxRateLimitWaitMs,
      clock,
      logger: this.#logger,
      onRateLimit,
      onRetry,
    };
    const makeRest = (store: RateLimitStateStore): REST => {
      const rest = new REST({
        api: tuning.apiBaseUrl,
        version: tuning.apiVersion,
        // The policy layer owns every retry; @discordjs/rest only queues.
        retries: 0,
        timeout: neverMs,
        // @discordjs/rest 2.6.3 adds `offset` twice to a bucket's reset (when storing it and again in
        // getTimeToReset): half of it gives the margin we mean. Measured: the full value cost 100 ms per window.
        offset: tuning.rateLimitOffsetMs / 2,
        globalRequestsPerSecond: tuning.globalRequestsPerSecond,
        // Called only before a proactive wait (429s never reach it, see transport.ts): surface long ones.
        rejectOnRateLimit: (data) => data.timeToReset > tuning.maxRateLimitWaitMs,
        makeRequest: createTransport({
          apiPrefix: `${tuning.apiBaseUrl}/v${tuning.apiVersion}`,
          fetch: options.fetch ?? globalThis.fetch,
          store,
          clock,
          requestTimeoutMs: tuning.requestTimeoutMs,
          maxRateLimitWaitMs: tuning.maxRateLimitWaitMs,
          onBudgetWait: (event) => this.#reportBudgetWait(event, onRateLimit),
          onAnswer,
        }),
      });
      rest.on('rateLimited', (data) => this.#reportQueueWait(data, onRateLimit));
      return rest;
    };
    this.#bot = makeRest(options.rateLimitStore ?? new InMemoryRateLimitStateStore());
    this.#bearer = makeRest(new InMemoryRateLimitStateStore());
  }

  get stats(): Readonly<{ rateLimitEvents: number; responses429: number; retries: number }> {
    return { ...this.#stats };
  }

  invalidRequestCount(): number {
    return this.#invalid.count(this.#now());
  }

  /** Stops @discordjs/rest's sweeper timers. */
  close(): void {
    for (const rest of [this.#bot, this.#bearer]) {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    }
  }

  /** A DELETE whose "already gone" codes count as done when the caller asks (`alreadyGoneIsSuccess`). */
  async delete(call: Omit<Call<DeleteOutcome>, 'parse' | 'options'> & { options: DeleteOptions | undefined }, goneCodes: readonly number[]): Promise<DeleteOutcome> {
    try {
      return await this.call({ ...call, parse: () => 'deleted' });
    } catch (error) {
      if (call.options?.alreadyGoneIsSuccess && error instanceof DiscordApiError && error.code !== undefined && goneCodes.includes(error.code)) {
        this.#logger.debug({ module: 'DiscordRest', operation: call.operation, path: call.path, code: error.code }, `${call.operation} ${call.path}: already gone`);
        return 'already_gone';
      }
      throw error;
    }
  }

  async call<T>(call: Call<T>): Promise<T> {
    const context: RequestContext = { operation: call.operation, method: call.method, route: call.route, path: call.path };
    const auth = call.auth ?? { kind: 'bot' };
    const rest = auth.kind === 'bot' ? this.#bot : this.#bearer;
    // @discordjs/rest adds an abort listener to the signal on every attempt and never removes it; a
    // per-call child keeps a long-lived caller signal (say, shutdown) from collecting thousands of them.
    const scope = childSignal(call.options?.signal);
    const startedAt = this.#now();
    try {
      const result = await this.#attempts(call, context, rest, auth, scope?.signal);
      this.#onRequest?.({ operation: call.operation, method: call.method, route: call.route, outcome: 'ok', durationMs: this.#now() - startedAt });
      return result;
    } catch (error) {
      const outcome = isDiscordRestError(error) ? error.kind : 'error';
      this.#onRequest?.({ operation: call.operation, method: call.method, route: call.route, outcome, durationMs: this.#now() - startedAt });
      throw error;
    } finally {
      scope?.dispose();
    }
  }

  #attempts<T>(call: Call<T>, context: RequestContext, rest: REST, auth: Auth, signal: AbortSignal | undefined): Promise<T> {
    const request: RequestData = {
      // We set Authorization ourselves: with `auth: true`, @discordjs/rest forgets the bot token on any 401.
      auth: false,
      headers: { Authorization: auth.kind === 'bot' ? `Bot ${this.#botToken}` : `Bearer ${auth.token}` },
      body: call.body,
      ...(call.query ? { query: call.query } : {}),
      reason: call.options?.auditLogReason,
      signal,
    };
    return runWithRetries(
      context,
      signal,
      async (attempt) => {
        const response = await rest.queueRequest({ ...request, fullRoute: call.path, method: requestMethods[call.method] });
        const text = await response.text();
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new DiscordInvalidResponseError(context, { status: response.status, problem: 'body is not JSON', attempts: attempt });
        }
        try {
          return call.parse(response.status, body);
        } catch (error) {
          throw new DiscordInvalidResponseError(context, { status: response.status, problem: error instanceof Error ? error.message : String(error), attempts: attempt });
        }
      },
      this.#policy,
    );
  }

  #reportQueueWait(data: RateLimitData, onRateLimit: (event: RateLimitEvent) => void): void {
    const event: RateLimitEvent = {
      source: 'queue',
      method: data.method.toUpperCase(),
      route: data.route,
      majorParameter: data.majorParameter,
      // Before Discord names the bucket, @discordjs/rest uses a placeholder "Global(METHOD:route)".
      bucket: data.hash.startsWith('Global(') ? undefined : data.hash,
      scope: data.global ? 'global' : data.scope,
      global: data.global,
      waitMs: Math.max(0, data.timeToReset),
      operation: undefined,
    };
    this.#logger.info({ module: 'RateLimit', ...event }, `[RateLimit] queued ${event.method} ${event.route} for ${formatMs(event.waitMs)} (${event.global ? 'global limit' : `bucket ${event.bucket ?? 'unknown'} spent`})`);
    onRateLimit(event);
  }

  #reportBudgetWait({ bucket, wait }: BudgetWaitEvent, onRateLimit: (event: RateLimitEvent) => void): void {
    const event: RateLimitEvent = {
      source: 'budget',
      method: bucket.method,
      route: bucket.route,
      majorParameter: bucket.majorParameter,
      bucket: undefined,
      scope: wait.reason === 'global' ? 'global' : 'user',
      global: wait.reason === 'global',
      waitMs: wait.waitMs,
      operation: undefined,
    };
    this.#logger.info({ module: 'RateLimit', ...event }, `[RateLimit] holding ${event.method} ${event.route} for ${formatMs(event.waitMs)} (${wait.reason} budget)`);
    onRateLimit(event);
  }
}

function childSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } | undefined {
  if (!parent) return undefined;
  const child = new AbortController();
  const forward = (): void => child.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { signal: child.signal, dispose: () => parent.removeEventListener('abort', forward) };
}

function resolveTuning(options: Partial<DiscordRestTuning>): DiscordRestTuning {
  const tuning: DiscordRestTuning = { ...discordRestDefaults };
  for (const key of Object.keys(discordRestDefaults) as (keyof DiscordRestTuning)[]) {
    const value = options[key];
    if (value !== undefined) Object.assign(tuning, { [key]: value });
  }
  tuning.apiBaseUrl = tuning.apiBaseUrl.replace(/\/+$/, '');
  return tuning;
}
