import { REST, RequestMethod, type RateLimitData, type RequestData } from '@discordjs/rest';
import { ChannelType, OverwriteType, RESTJSONErrorCodes, Routes } from 'discord-api-types/v10';
import type { z } from 'zod';
import { systemClock, type Clock } from '@repo/platform';
import { discordRestDefaults, type DiscordRestTuning } from './defaults.ts';
import { DiscordApiError, DiscordInvalidResponseError, formatMs, isDiscordRestError, type HttpMethod, type RequestContext } from './errors.ts';
import type { DiscordRestHooks, RateLimitEvent, RequestEvent, RetryEvent } from './events.ts';
import { silentLogger, type Logger } from '@repo/platform';
import { InvalidRequestBudget, countsAsInvalidRequest } from './invalid-request-budget.ts';
import { InMemoryRateLimitStateStore, type BucketRef, type RateLimitStateStore } from './rate-limit-store.ts';
import { runWithRetries, type RetryPolicy } from './retry-policy.ts';
import {
  authorizationSchema,
  channelSchema,
  guildMemberSchema,
  roleSchema,
  userSchema,
  type DiscordAuthorization,
  type DiscordChannel,
  type DiscordGuildMember,
  type DiscordRole,
  type DiscordUser,
} from './schemas.ts';
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

export interface CallOptions {
  signal?: AbortSignal;
  /** Shown in the guild's audit log. */
  auditLogReason?: string;
}

export interface DeleteOptions extends CallOptions {
  /**
   * Count "already gone" (Discord's Unknown Channel / Unknown Role / Unknown Member) as done, for
   * idempotent callers such as closing a room twice. Off by default: a missing resource is news.
   */
  alreadyGoneIsSuccess?: boolean;
}

export type DeleteOutcome = 'deleted' | 'already_gone';

export type AddGuildMemberOutcome = { outcome: 'added'; member: DiscordGuildMember } | { outcome: 'already_member' };

export interface PermissionOverwriteInput {
  id: string;
  type: 'role' | 'member';
  /** Permission bit set (e.g. `PermissionFlagsBits.Connect | PermissionFlagsBits.ViewChannel`). */
  allow?: bigint | string;
  deny?: bigint | string;
}

export interface CreateRoleInput {
  name: string;
  permissions?: bigint | string;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface CreateVoiceChannelInput {
  name: string;
  userLimit: number;
  parentId?: string;
  permissionOverwrites?: PermissionOverwriteInput[];
}

export interface EditChannelInput {
  name?: string;
  userLimit?: number;
  parentId?: string | null;
  permissionOverwrites?: PermissionOverwriteInput[];
}

export interface AddGuildMemberInput {
  /** The user's OAuth2 access token, granted with the `guilds.join` scope. */
  accessToken: string;
  roles?: string[];
  nick?: string;
}

type Auth = { kind: 'bot' } | { kind: 'bearer'; token: string };

interface Call<T> {
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

/** Discord's largest page of List Guild Members. */
export const GUILD_MEMBERS_PAGE_MAX = 1000;

// setTimeout's ceiling: @discordjs/rest's own timeout must never fire (ours, in the transport, does the job).
const neverMs = 2 ** 31 - 1;

/**
 * Typed Discord operations for one bot token, on @discordjs/rest (per-bucket queueing from the
 * `X-RateLimit-*` headers, the global limit) with our retry policy on top (R-RL1).
 */
export class DiscordRestClient {
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

  /** Counters since construction (the hooks are the way to feed metrics; these help tests and health pages). */
  get stats(): Readonly<{ rateLimitEvents: number; responses429: number; retries: number }> {
    return { ...this.#stats };
  }

  /**
   * Answers Discord counts toward its invalid-request limit (401, 403, 429 not of scope `shared`),
   * bot and user tokens together, over the last `invalidRequestWindowMs`.
   */
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

  // ── Roles ───────────────────────────────────────────────────────────────────────────────────────

  async createRole(guildId: string, input: CreateRoleInput, options?: CallOptions): Promise<DiscordRole> {
    return this.#call({
      operation: 'createRole',
      method: 'POST',
      route: '/guilds/:guildId/roles',
      path: Routes.guildRoles(snowflake('guildId', guildId)),
      body: {
        name: input.name,
        permissions: input.permissions === undefined ? undefined : String(input.permissions),
        color: input.color,
        hoist: input.hoist,
        mentionable: input.mentionable,
      },
      options,
      parse: json(roleSchema),
    });
  }

  /** Every role of the guild, @everyone included (it counts toward Discord's 250). */
  async getGuildRoles(guildId: string, options?: CallOptions): Promise<DiscordRole[]> {
    return this.#call({
      operation: 'getGuildRoles',
      method: 'GET',
      route: '/guilds/:guildId/roles',
      path: Routes.guildRoles(snowflake('guildId', guildId)),
      options,
      parse: json(roleSchema.array()),
    });
  }

  async deleteRole(guildId: string, roleId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#delete(
      {
        operation: 'deleteRole',
        method: 'DELETE',
        route: '/guilds/:guildId/roles/:roleId',
        path: Routes.guildRole(snowflake('guildId', guildId), snowflake('roleId', roleId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownRole],
    );
  }

  // ── Channels ────────────────────────────────────────────────────────────────────────────────────

  async createVoiceChannel(guildId: string, input: CreateVoiceChannelInput, options?: CallOptions): Promise<DiscordChannel> {
    return this.#call({
      operation: 'createVoiceChannel',
      method: 'POST',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      body: {
        type: ChannelType.GuildVoice,
        name: input.name,
        user_limit: input.userLimit,
        parent_id: input.parentId === undefined ? undefined : snowflake('parentId', input.parentId),
        permission_overwrites: input.permissionOverwrites?.map(overwriteBody),
      },
      options,
      parse: json(channelSchema),
    });
  }

  /** A category (type 4) to group channels under, e.g. the app's rooms. */
  async createCategory(guildId: string, input: { name: string; permissionOverwrites?: PermissionOverwriteInput[] }, options?: CallOptions): Promise<DiscordChannel> {
    return this.#call({
      operation: 'createCategory',
      method: 'POST',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      body: { type: ChannelType.GuildCategory, name: input.name, permission_overwrites: input.permissionOverwrites?.map(overwriteBody) },
      options,
      parse: json(channelSchema),
    });
  }

  async editChannel(channelId: string, input: EditChannelInput, options?: CallOptions): Promise<DiscordChannel> {
    return this.#call({
      operation: 'editChannel',
      method: 'PATCH',
      route: '/channels/:channelId',
      path: Routes.channel(snowflake('channelId', channelId)),
      body: {
        name: input.name,
        user_limit: input.userLimit,
        parent_id: input.parentId === undefined || input.parentId === null ? input.parentId : snowflake('parentId', input.parentId),
        permission_overwrites: input.permissionOverwrites?.map(overwriteBody),
      },
      options,
      parse: json(channelSchema),
    });
  }

  /**
   * Creates or replaces one permission overwrite (a role's or a member's) on a channel. Discord lets
   * a bot allow or deny only bits it holds in the guild (or the channel's parent), unless it has a
   * MANAGE_ROLES overwrite in the channel itself.
   */
  async editChannelPermission(channelId: string, overwrite: PermissionOverwriteInput, options?: CallOptions): Promise<void> {
    const { id, ...body } = overwriteBody(overwrite);
    return this.#call({
      operation: 'editChannelPermission',
      method: 'PUT',
      route: '/channels/:channelId/permissions/:overwriteId',
      path: Routes.channelPermission(snowflake('channelId', channelId), id),
      body,
      options,
      parse: noContent,
    });
  }

  /** Removes one overwrite; Discord answers 204 whether or not the channel had it. */
  async deleteChannelPermission(channelId: string, overwriteId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#delete(
      {
        operation: 'deleteChannelPermission',
        method: 'DELETE',
        route: '/channels/:channelId/permissions/:overwriteId',
        path: Routes.channelPermission(snowflake('channelId', channelId), snowflake('overwriteId', overwriteId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownChannel],
    );
  }

  async deleteChannel(channelId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#delete(
      { operation: 'deleteChannel', method: 'DELETE', route: '/channels/:channelId', path: Routes.channel(snowflake('channelId', channelId)), options },
      [RESTJSONErrorCodes.UnknownChannel],
    );
  }

  async getGuildChannels(guildId: string, options?: CallOptions): Promise<DiscordChannel[]> {
    return this.#call({
      operation: 'getGuildChannels',
      method: 'GET',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      options,
      parse: json(channelSchema.array()),
    });
  }

  // ── Members ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * One page of the guild's members, in user id order, after the user id `after` (Discord's List
   * Guild Members: `limit` 1–1000). Needs the privileged GUILD_MEMBERS intent enabled for the bot.
   */
  async listGuildMembers(guildId: string, page: { limit: number; after?: string }, options?: CallOptions): Promise<DiscordGuildMember[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > GUILD_MEMBERS_PAGE_MAX) {
      throw new RangeError(`limit must be an integer from 1 to ${GUILD_MEMBERS_PAGE_MAX}, got ${page.limit}`);
    }
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.after !== undefined) query.set('after', snowflake('after', page.after));
    return this.#call({
      operation: 'listGuildMembers',
      method: 'GET',
      route: '/guilds/:guildId/members',
      path: Routes.guildMembers(snowflake('guildId', guildId)),
      query,
      options,
      parse: json(guildMemberSchema.array()),
    });
  }

  /** The member, or null when the user is not in the guild (Discord's Unknown Member, 10007). */
  async getGuildMember(guildId: string, userId: string, options?: CallOptions): Promise<DiscordGuildMember | null> {
    try {
      return await this.#call({
        operation: 'getGuildMember',
        method: 'GET',
        route: '/guilds/:guildId/members/:userId',
        path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
        options,
        parse: json(guildMemberSchema),
      });
    } catch (error) {
      if (error instanceof DiscordApiError && error.code === RESTJSONErrorCodes.UnknownMember) return null;
      throw error;
    }
  }

  /** Adds a user to the guild with their OAuth2 token (`guilds.join`); a user already in it is left as is. */
  async addGuildMember(guildId: string, userId: string, input: AddGuildMemberInput, options?: CallOptions): Promise<AddGuildMemberOutcome> {
    return this.#call({
      operation: 'addGuildMember',
      method: 'PUT',
      route: '/guilds/:guildId/members/:userId',
      path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
      body: { access_token: input.accessToken, roles: input.roles, nick: input.nick },
      options,
      // 201 with the member when added, 204 when the user was already a member.
      parse: (status, body) => (status === 204 ? { outcome: 'already_member' } : { outcome: 'added', member: guildMemberSchema.parse(body) }),
    });
  }

  async addMemberRole(guildId: string, userId: string, roleId: string, options?: CallOptions): Promise<void> {
    return this.#call({
      operation: 'addMemberRole',
      method: 'PUT',
      route: '/guilds/:guildId/members/:userId/roles/:roleId',
      path: Routes.guildMemberRole(snowflake('guildId', guildId), snowflake('userId', userId), snowflake('roleId', roleId)),
      options,
      parse: noContent,
    });
  }

  async removeMemberRole(guildId: string, userId: string, roleId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#delete(
      {
        operation: 'removeMemberRole',
        method: 'DELETE',
        route: '/guilds/:guildId/members/:userId/roles/:roleId',
        path: Routes.guildMemberRole(snowflake('guildId', guildId), snowflake('userId', userId), snowflake('roleId', roleId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownMember, RESTJSONErrorCodes.UnknownRole],
    );
  }

  /**
   * Moves a member who is connected to voice into `channelId`; null disconnects them. Discord refuses
   * with 40032 (Target user is not connected to voice) when they are not in any voice channel.
   */
  async moveMember(guildId: string, userId: string, channelId: string | null, options?: CallOptions): Promise<void> {
    return this.#call({
      operation: 'moveMember',
      method: 'PATCH',
      route: '/guilds/:guildId/members/:userId',
      path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
      body: { channel_id: channelId === null ? null : snowflake('channelId', channelId) },
      options,
      parse: () => undefined,
    });
  }

  /** The bot's own user (its id goes into channel overwrites). */
  async getBotUser(options?: CallOptions): Promise<DiscordUser> {
    return this.#call({ operation: 'getBotUser', method: 'GET', route: '/users/@me', path: '/users/@me', options, parse: json(userSchema) });
  }

  // ── OAuth2 (the user's bearer token) ────────────────────────────────────────────────────────────

  async getCurrentUser(accessToken: string, options?: CallOptions): Promise<DiscordUser> {
    return this.#call({
      operation: 'getCurrentUser',
      method: 'GET',
      route: '/users/@me',
      path: '/users/@me',
      auth: { kind: 'bearer', token: accessToken },
      options,
      parse: json(userSchema),
    });
  }

  /** The token's scopes and expiry (and the user, with `identify`). */
  async getCurrentAuthorization(accessToken: string, options?: CallOptions): Promise<DiscordAuthorization> {
    return this.#call({
      operation: 'getCurrentAuthorization',
      method: 'GET',
      route: '/oauth2/@me',
      path: '/oauth2/@me',
      auth: { kind: 'bearer', token: accessToken },
      options,
      parse: json(authorizationSchema),
    });
  }

  // ── Plumbing ────────────────────────────────────────────────────────────────────────────────────

  async #delete(call: Omit<Call<DeleteOutcome>, 'parse' | 'options'> & { options: DeleteOptions | undefined }, goneCodes: readonly number[]): Promise<DeleteOutcome> {
    try {
      return await this.#call({ ...call, parse: () => 'deleted' });
    } catch (error) {
      if (call.options?.alreadyGoneIsSuccess && error instanceof DiscordApiError && error.code !== undefined && goneCodes.includes(error.code)) {
        this.#logger.debug({ module: 'DiscordRest', operation: call.operation, path: call.path, code: error.code }, `${call.operation} ${call.path}: already gone`);
        return 'already_gone';
      }
      throw error;
    }
  }

  async #call<T>(call: Call<T>): Promise<T> {
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

function json<S extends z.ZodType>(schema: S): (status: number, body: unknown) => z.infer<S> {
  return (_status, body) => schema.parse(body);
}

function childSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } | undefined {
  if (!parent) return undefined;
  const child = new AbortController();
  const forward = (): void => child.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { signal: child.signal, dispose: () => parent.removeEventListener('abort', forward) };
}

function noContent(): void {
  return undefined;
}

function overwriteBody(overwrite: PermissionOverwriteInput): { id: string; type: OverwriteType; allow: string; deny: string } {
  return {
    id: snowflake('overwrite id', overwrite.id),
    type: overwrite.type === 'role' ? OverwriteType.Role : OverwriteType.Member,
    allow: String(overwrite.allow ?? 0n),
    deny: String(overwrite.deny ?? 0n),
  };
}

/** Ids go into the URL path: anything but digits would be a path injection, and is a bug upstream. */
function snowflake(name: string, value: string): string {
  if (!/^\d{1,20}$/.test(value)) throw new TypeError(`${name} must be a Discord snowflake (digits), got ${JSON.stringify(value.slice(0, 40))}`);
  return value;
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
