import { DiscordAPIError, REST } from '@discordjs/rest';
import { CloseCodes, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayDispatchPayload,
  type GatewayReadyDispatchData,
} from 'discord-api-types/v10';
import type { z } from 'zod';
import { systemClock, type Clock } from '@repo/platform';
import { gatewayDefaults, type GatewayTuning } from './defaults.ts';
import {
  channelSchema,
  guildCreateSchema,
  guildDeleteSchema,
  guildMemberAddSchema,
  guildMemberRemoveSchema,
  guildMemberUpdateSchema,
  guildRoleDeleteSchema,
  guildRoleSchema,
  voiceStateSchema,
} from './discord-payloads.ts';
import { FATAL_CLOSE_CODES, GatewayFatalError } from './errors.ts';
import type { DomainChange, EventSource, GatewayDomainEvent, GatewayEventMap, CachedVoiceState } from './events.ts';
import { GatedShardingStrategy } from './gated-sharding-strategy.ts';
import { GatewayState, type GatewayStatus } from './gateway-state.ts';
import { IdentifyBudget } from './identify-budget.ts';
import { silentLogger, type Logger } from '@repo/platform';
import { ReconnectGate } from './reconnect-backoff.ts';
import { CachedSessionInfoStore, MemorySessionInfoStore, type SessionInfoStore } from './session-info-store.ts';
import { TypedEmitter } from './typed-emitter.ts';
import { VoiceStateCache, type GuildInventoryView, type VoiceStateView } from './voice-state-cache.ts';

/** R-GW1: what the voice cache needs, nothing more (GUILD_MEMBERS is privileged: enable it in the portal). */
export const GATEWAY_INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates | GatewayIntentBits.GuildMembers;

export interface DiscordGatewayClientOptions {
  token: string;
  /** The guild(s) whose voice presence is cached; dispatches for other guilds are ignored. Empty = all. */
  guildIds: string | readonly string[];
  /** Discord's API root (default https://discord.com/api); the emulator's is `${url}/api`. */
  restBaseUrl?: string;
  logger?: Logger;
  clock?: Clock;
  /** Resume state between connections (default: in memory); a Redis store lets another instance resume. */
  sessionStore?: SessionInfoStore;
  tuning?: Partial<Omit<GatewayTuning, 'restBaseUrl'>>;
}

/** How start() learns that another process may have held the Gateway since this one last did. */
export interface GatewayStartOptions {
  /**
   * Set when the session store is shared and this process (re)gains the Gateway (R-SCALE2): the
   * stored session is read afresh and this process's cache is treated as out of date.
   * `voice` is what the previous holder last published, per guild, for the stored session: it
   * becomes the cache's snapshot, so the dispatches Discord replays on RESUME apply on top of it as
   * ordinary events. When it is null the client resumes, then identifies afresh for a snapshot and
   * emits the difference from what it kept.
   */
  takeover?: { voice: ReadonlyMap<string, Iterable<CachedVoiceState>> | null };
}

const MODULE = 'Gateway';
const SHARD_COUNT = 1; // One shard serves up to 2,500 guilds; beyond that Discord closes with 4011.

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // start() callers may not wait; a fatal error is also reported through state and logs.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One run of the client, from start() to stop() or a fatal close; a restart builds a new one. */
interface Run {
  manager: WebSocketManager;
  strategy: GatedShardingStrategy;
  rest: REST;
  gate: ReconnectGate;
  /** Aborted on stop or a fatal close: ends the identify budget's wait. */
  abort: AbortController;
  started: Deferred;
  stopping: boolean;
  /** stop({ keepSession: true }): the stored session must survive the close. */
  keepSession: boolean;
}

/**
 * The bot's Gateway connection (R-GW1…R-GW6). @discordjs/ws does identify, heartbeat, zombie
 * detection and resume; this class adds the backoff policy around failed attempts, stops on fatal
 * close codes, keeps the voice cache, and turns dispatches into domain events — emitted after the
 * cache is updated, so a listener that queries the cache sees the state the event describes.
 */
export class DiscordGatewayClient {
  readonly #options: DiscordGatewayClientOptions;
  readonly #tuning: GatewayTuning;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #guildFilter: ReadonlySet<string>;
  readonly #sessions: CachedSessionInfoStore;
  readonly #cache = new VoiceStateCache();
  readonly #events: TypedEmitter<GatewayEventMap>;
  /** Outlives runs: a stop and start must not forget that Discord has no session starts left. */
  readonly #identifyBudget: IdentifyBudget;

  #run: Run | null = null;
  /** The gate of the current or last run: its counters stay readable after a stop or a fatal close. */
  #gate: ReconnectGate | null = null;
  #state: GatewayState = GatewayState.Disconnected;
  #sessionId: string | null = null;
  /** Last dispatch sequence handled in the current session; replays at or below it are dropped. */
  #sequence: number | null = null;
  #heartbeatLatencyMs: number | null = null;
  #lastHeartbeatAckAt: number | null = null;
  #fatal: GatewayFatalError | null = null;

  constructor(options: DiscordGatewayClientOptions) {
    this.#options = options;
    this.#tuning = { ...gatewayDefaults, ...options.tuning, restBaseUrl: options.restBaseUrl ?? gatewayDefaults.restBaseUrl };
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#guildFilter = new Set(typeof options.guildIds === 'string' ? [options.guildIds] : options.guildIds);
    this.#sessions = new CachedSessionInfoStore(options.sessionStore ?? new MemorySessionInfoStore(), this.#logger);
    this.#identifyBudget = new IdentifyBudget({ clock: this.#clock, logger: this.#logger, freshForMs: this.#tuning.identifyBudgetFreshMs });
    this.#events = new TypedEmitter<GatewayEventMap>((error, type) =>
      this.#logger.error({ module: MODULE, err: error, event: type }, '[Gateway] an event listener threw'),
    );
  }

  /** Voice presence per guild; answers are O(1). */
  get cache(): VoiceStateView {
    return this.#cache;
  }

  /** Channels and roles per guild, counted for Discord's resource limits (same cache, another view). */
  get inventory(): GuildInventoryView {
    return this.#cache;
  }

  /** Subscribes to a domain event (or '*' for all of them, or 'gateway.state'); returns the unsubscribe. */
  on<K extends keyof GatewayEventMap>(type: K, listener: (event: GatewayEventMap[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  status(): GatewayStatus {
    const gate = this.#gate;
    return {
      state: this.#state,
      sessionId: this.#sessionId,
      sequence: this.#sequence,
      heartbeatLatencyMs: this.#heartbeatLatencyMs,
      lastHeartbeatAckAt: this.#lastHeartbeatAckAt,
      reconnectCount: Math.max(0, (gate?.attempts ?? 0) - 1),
      consecutiveFailures: gate?.consecutiveFailures ?? 0,
      readyGuildIds: this.#cache.guildIds().filter((id) => this.#cache.isReady(id)),
      fatalError: this.#fatal ? { code: this.#fatal.code, reason: this.#fatal.reason } : null,
      identifyBlockedUntil: this.#identifyBudget.blockedUntil,
      // Not copied: status() runs per event in the Redis deployment (the event gate reads sessionId).
      sessionStartLimit: this.#identifyBudget.last,
    };
  }

  /**
   * Connects. Resolves on the first READY or RESUMED (or when stop() comes first); rejects with
   * GatewayFatalError when Discord refuses the bot for good. Failed attempts are retried with
   * backoff meanwhile, so the promise may take long: a server need not wait for it.
   */
  start(options: GatewayStartOptions = {}): Promise<void> {
    if (this.#run) return this.#run.started.promise;
    this.#fatal = null;
    if (options.takeover) this.#takeOver(options.takeover.voice);
    const rest = new REST({ api: this.#tuning.restBaseUrl, version: this.#tuning.apiVersion }).setToken(this.#options.token);
    const gate = new ReconnectGate(
      this.#clock,
      { baseMs: this.#tuning.backoffInitialDelayMs, maxMs: this.#tuning.backoffMaxDelayMs },
      { onFailure: (failures, nextDelayMs) => this.#onAttemptFailed(failures, nextDelayMs) },
    );
    let strategy: GatedShardingStrategy | undefined;
    const manager = new WebSocketManager({
      token: this.#options.token,
      intents: GATEWAY_INTENTS,
      rest,
      shardCount: SHARD_COUNT,
      handshakeTimeout: this.#tuning.handshakeTimeoutMs,
      helloTimeout: this.#tuning.helloTimeoutMs,
      readyTimeout: this.#tuning.readyTimeoutMs,
      buildStrategy: (m) => {
        strategy = new GatedShardingStrategy(m, {
          sessions: this.#sessions,
          mayClearSession: () => !run.keepSession,
          beforeConnect: (_shardId, reconnect) => (reconnect ? this.#beforeReconnect(run) : Promise.resolve(!run.stopping)),
          beforeIdentify: () => this.#beforeIdentify(run),
          destroyWaitMs: this.#tuning.readyTimeoutMs,
        });
        return strategy;
      },
    });
    if (!strategy) throw new Error('WebSocketManager did not build its sharding strategy');
    const run: Run = { manager, strategy, rest, gate, abort: new AbortController(), started: deferred(), stopping: false, keepSession: false };
    this.#run = run;
    this.#gate = gate;
    this.#listen(run);
    this.#logger.info(
      { module: MODULE, restBaseUrl: this.#tuning.restBaseUrl, guildIds: [...this.#guildFilter], intents: GATEWAY_INTENTS },
      '[Gateway Init] connecting',
    );
    this.#setState(GatewayState.Connecting);
    void this.#connectLoop(run);
    return run.started.promise;
  }

  /**
   * Closes the connection, stops any retry, and writes the session state through to the store.
   * With `keepSession` (handing the Gateway to another instance, R-SCALE2) the socket closes with
   * a code that keeps the session resumable and the stored session is left for the next holder;
   * otherwise it closes with 1000, which ends the session on Discord's side.
   */
  async stop(options: { keepSession?: boolean } = {}): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.stopping = true;
    run.keepSession = options.keepSession ?? false;
    run.gate.close();
    run.abort.abort(new Error('Gateway client stopped'));
    this.#run = null;
    try {
      await run.manager.destroy(
        run.keepSession
          ? { code: CloseCodes.Resuming, reason: 'Handing the session over' }
          : { code: 1000, reason: 'Client stopped' },
      );
    } catch (error) {
      this.#logger.warn({ module: MODULE, err: error }, '[Gateway] error while closing the connection');
    }
    this.#disposeRest(run);
    this.#inventoryGoesStale();
    await this.#sessions.flush();
    run.started.resolve();
    this.#setState(GatewayState.Disconnected);
    this.#logger.info({ module: MODULE }, '[Gateway] stopped');
  }

  #takeOver(voice: ReadonlyMap<string, Iterable<CachedVoiceState>> | null): void {
    this.#sessions.forget();
    // Sequence numbers belong to a session; the one resumed next may not be the one we last saw.
    this.#sessionId = null;
    this.#sequence = null;
    const seeded: string[] = [];
    for (const guildId of this.#cache.guildIds()) this.#cache.markStale(guildId);
    for (const [guildId, members] of voice ?? []) {
      if (!this.#wants(guildId)) continue;
      this.#cache.seedGuild(guildId, members);
      seeded.push(guildId);
    }
    this.#logger.info({ module: MODULE, seededGuildIds: seeded }, '[Gateway] taking the Gateway over: session read afresh, voice cache seeded from the previous holder');
  }

  async #connectLoop(run: Run): Promise<void> {
    // Each pass is one attempt; the gate waits out the backoff before every pass but the first.
    // manager.connect() fetches /gateway/bot and resolves on READY/RESUMED; failures of the
    // socket itself are retried inside @discordjs/ws, through the same gate (#beforeReconnect).
    while (await run.gate.beforeAttempt()) {
      if (run.stopping) return;
      if (run.gate.attempts > 1) this.#setState(GatewayState.Reconnecting);
      try {
        // @discordjs/ws refuses to connect when its cached session_start_limit shows none left, and
        // caches GET /gateway/bot for reset_after (up to 24 h): read it afresh, and wait while Discord
        // has none (a RESUME would not need one, but the library checks before it knows).
        await this.#identifyBudget.whenAvailable(() => run.manager.fetchGatewayInformation(true), run.abort.signal, { spend: false });
        if (run.stopping) return;
        await run.manager.connect();
        return;
      } catch (error) {
        if (run.stopping) return;
        if (error instanceof DiscordAPIError && error.status === 401) {
          this.#fail(run, new GatewayFatalError(4004, 'Authentication failed: GET /gateway/bot returned 401 for the bot token'));
          return;
        }
        this.#logger.warn({ module: MODULE, err: error }, '[Gateway] could not open a Gateway session');
      }
    }
  }

  async #beforeReconnect(run: Run): Promise<boolean> {
    if (run.stopping || this.#run !== run) return false;
    this.#setState(GatewayState.Reconnecting);
    const go = await run.gate.beforeAttempt();
    return go && !run.stopping;
  }

  /** Before an IDENTIFY of this run: waits while Discord has no session start left for the bot. */
  async #beforeIdentify(run: Run): Promise<boolean> {
    if (run.stopping) return false;
    try {
      await this.#identifyBudget.whenAvailable(() => run.manager.fetchGatewayInformation(true), run.abort.signal, { spend: true });
    } catch (error) {
      if (run.stopping) return false;
      // Not knowing the budget is no reason to stay offline: identify, as the library would.
      this.#logger.warn({ module: MODULE, err: error }, '[Gateway] could not read session_start_limit before identifying; identifying anyway');
    }
    return !run.stopping;
  }

  #onAttemptFailed(failures: number, nextDelayMs: number): void {
    const context = { module: MODULE, consecutiveFailures: failures, nextDelayMs, restBaseUrl: this.#tuning.restBaseUrl };
    if (failures === this.#tuning.alertAfterFailures) {
      this.#logger.error(
        context,
        `[Gateway] ALERT: ${failures} connection attempts in a row failed; retrying every ${this.#tuning.backoffMaxDelayMs / 1000} s at most. Check Discord's status and the network.`,
      );
    } else {
      this.#logger.warn(context, `[Gateway] connection attempt failed (${failures} in a row); next in ${nextDelayMs} ms`);
    }
  }

  #listen(run: Run): void {
    const { manager } = run;
    const current = (): boolean => this.#run === run && !run.stopping;

    manager.on(WebSocketShardEvents.Hello, () => {
      if (current()) this.#setState(GatewayState.Identifying);
    });
    manager.on(WebSocketShardEvents.Ready, (data: GatewayReadyDispatchData) => {
      if (!current()) return;
      this.#sessionId = data.session_id;
      this.#onConnected(run, 'identified');
    });
    manager.on(WebSocketShardEvents.Resumed, (shardId: number) => {
      if (!current()) return;
      // A session resumed from the store (taken over) was never READY here: name it from the store.
      this.#sessionId = this.#sessions.peek(shardId)?.sessionId ?? this.#sessionId;
      this.#onConnected(run, 'resumed');
    });
    manager.on(WebSocketShardEvents.Closed, (code: number) => {
      if (!current()) return;
      const fatalReason = FATAL_CLOSE_CODES.get(code);
      if (fatalReason) {
        this.#fail(run, new GatewayFatalError(code, fatalReason));
        return;
      }
      this.#logger.info({ module: MODULE, code }, `[Gateway] connection closed (${code}); reconnecting`);
      this.#setState(GatewayState.Reconnecting);
    });
    manager.on(WebSocketShardEvents.HeartbeatComplete, (stats: { ackAt: number; latency: number }) => {
      this.#heartbeatLatencyMs = stats.latency;
      this.#lastHeartbeatAckAt = stats.ackAt;
    });
    manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
      if (!current()) return;
      this.#onDispatch(payload);
      // On the RESUMED dispatch, not the library's earlier 'resumed' event: by now every replayed
      // dispatch has been handled, so dropping the session cannot overtake one of them.
      if (payload.t === GatewayDispatchEvents.Resumed) this.#reidentifyIfCold(run, shardId);
    });
    // Fatal closes are handled from the close code above; the library's 'error' event only
    // repeats them in words. Without a listener the emitter would throw.
    manager.on(WebSocketShardEvents.Error, (error: Error) => {
      this.#logger.debug({ module: MODULE, err: error }, '[Gateway] shard error');
    });
    manager.on(WebSocketShardEvents.SocketError, (error: Error) => {
      this.#logger.debug({ module: MODULE, err: error }, '[Gateway] socket error');
    });
    manager.on(WebSocketShardEvents.Debug, (message: string) => {
      this.#logger.debug({ module: MODULE }, `[Gateway] ${this.#redact(message)}`);
    });
  }

  #onConnected(run: Run, how: 'identified' | 'resumed'): void {
    const failures = run.gate.consecutiveFailures;
    run.gate.succeeded();
    this.#setState(GatewayState.Connected);
    run.started.resolve();
    this.#logger.info(
      { module: MODULE, sessionId: this.#sessionId, sequence: this.#sequence, reconnectCount: run.gate.attempts - 1, failuresBefore: failures },
      `[Gateway] connected (${how})`,
    );
  }

  /**
   * A process that resumes a session it did not open (another instance held the Gateway lease)
   * got the missed dispatches but never a GUILD_CREATE, so its cache lacks whoever was already in
   * voice. Re-identifying brings the snapshot; the diff against what the replay taught us goes out
   * as resync events (a `voice.joined` for someone subscribers already show is harmless).
   */
  #reidentifyIfCold(run: Run, shardId: number): void {
    const cold = [...this.#guildFilter].filter((id) => !this.#cache.isReady(id));
    if (cold.length === 0) return;
    this.#logger.info(
      { module: MODULE, guildIds: cold },
      '[Gateway] resumed a session without the guild snapshot (taken over from another instance); identifying afresh',
    );
    void run.strategy.reidentify(shardId, 'Resumed without a guild snapshot').catch((error: unknown) => {
      this.#logger.warn({ module: MODULE, err: error }, '[Gateway] could not re-identify');
    });
  }

  #fail(run: Run, error: GatewayFatalError): void {
    if (this.#run !== run) return;
    run.stopping = true;
    run.gate.close();
    run.abort.abort(error);
    this.#run = null;
    this.#fatal = error;
    this.#logger.error({ module: MODULE, code: error.code }, error.message);
    // The library already left the shard idle for these codes; destroy() just releases the manager.
    void Promise.resolve(run.manager.destroy()).catch(() => undefined);
    this.#disposeRest(run);
    this.#inventoryGoesStale();
    run.started.reject(error);
    this.#setState(GatewayState.Disconnected, error);
  }

  /** Nothing keeps channels and roles current once the connection is gone for good. */
  #inventoryGoesStale(): void {
    for (const guildId of this.#cache.guildIds()) this.#cache.markInventoryStale(guildId);
  }

  #disposeRest(run: Run): void {
    run.rest.clearHashSweeper();
    run.rest.clearHandlerSweeper();
  }

  #setState(state: GatewayState, error?: Error): void {
    const previous = this.#state;
    if (previous === state && !error) return;
    this.#state = state;
    this.#events.emit('gateway.state', { type: 'gateway.state', state, previous, at: this.#clock.now(), ...(error ? { error } : {}) });
  }

  #onDispatch(payload: GatewayDispatchPayload): void {
    const receivedAt = this.#clock.now();
    const sequence = payload.s;
    if (payload.t === GatewayDispatchEvents.Ready) {
      this.#sequence = null; // a new session numbers from 1 again
    } else if (this.#sequence !== null && sequence <= this.#sequence) {
      // A resume replays from the sequence we stored; never hand a subscriber the same dispatch twice.
      this.#logger.debug({ module: MODULE, sequence, last: this.#sequence, t: payload.t }, '[Gateway] dropped an already handled dispatch');
      return;
    }
    this.#sequence = sequence;
    const changes = this.#applyDispatch(payload);
    if (changes.length === 0) return;
    const source: EventSource = payload.t === GatewayDispatchEvents.GuildCreate ? 'resync' : 'dispatch';
    for (const change of changes) {
      // Stamped in place (the cache hands out fresh objects): a spread copy here made V8 build a
      // new hidden class per event, and was most of what each event left for the old generation.
      const event: GatewayDomainEvent = Object.assign(change, { sequence, receivedAt, source });
      this.#events.emit(event.type, event as never);
      this.#events.emit('*', event);
    }
  }

  /** Updates the cache from one dispatch and returns what changed. */
  #applyDispatch(payload: GatewayDispatchPayload): DomainChange[] {
    const cache = this.#cache;
    switch (payload.t) {
      case GatewayDispatchEvents.GuildCreate: {
        const guild = this.#parse(guildCreateSchema, payload);
        if (!guild || !this.#wants(guild.id) || guild.unavailable) return [];
        const changes = cache.replaceGuild(guild);
        this.#logger.info(
          { module: MODULE, guildId: guild.id, inVoice: guild.voice_states.length, resyncChanges: changes.length },
          '[Gateway] guild snapshot loaded',
        );
        return changes;
      }
      case GatewayDispatchEvents.GuildDelete: {
        const guild = this.#parse(guildDeleteSchema, payload);
        // An outage (unavailable) keeps the cache: the GUILD_CREATE that ends it brings the diff.
        if (!guild || !this.#wants(guild.id) || guild.unavailable) return [];
        return cache.removeGuild(guild.id);
      }
      case GatewayDispatchEvents.VoiceStateUpdate: {
        const vs = this.#parse(voiceStateSchema, payload);
        if (!vs?.guild_id || !this.#wants(vs.guild_id)) return [];
        return cache.applyVoiceState(vs.guild_id, vs);
      }
      case GatewayDispatchEvents.ChannelCreate:
      case GatewayDispatchEvents.ChannelUpdate: {
        const ch = this.#parse(channelSchema, payload);
        if (ch?.guild_id && this.#wants(ch.guild_id)) cache.upsertChannel(ch.guild_id, ch);
        return [];
      }
      case GatewayDispatchEvents.ChannelDelete: {
        const ch = this.#parse(channelSchema, payload);
        if (!ch?.guild_id || !this.#wants(ch.guild_id)) return [];
        return cache.deleteChannel(ch.guild_id, ch);
      }
      case GatewayDispatchEvents.GuildRoleCreate:
      case GatewayDispatchEvents.GuildRoleUpdate: {
        const r = this.#parse(guildRoleSchema, payload);
        if (r && this.#wants(r.guild_id)) cache.upsertRole(r.guild_id, r.role.id);
        return [];
      }
      case GatewayDispatchEvents.GuildRoleDelete: {
        const r = this.#parse(guildRoleDeleteSchema, payload);
        if (r && this.#wants(r.guild_id)) cache.deleteRole(r.guild_id, r.role_id);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberAdd: {
        const m = this.#parse(guildMemberAddSchema, payload);
        if (m && this.#wants(m.guild_id)) cache.upsertMember(m.guild_id, m);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberUpdate: {
        const m = this.#parse(guildMemberUpdateSchema, payload);
        if (m && this.#wants(m.guild_id)) cache.updateMember(m.guild_id, m);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberRemove: {
        const m = this.#parse(guildMemberRemoveSchema, payload);
        if (!m || !this.#wants(m.guild_id)) return [];
        return cache.removeMember(m.guild_id, m.user.id);
      }
      default:
        return [];
    }
  }

  #wants(guildId: string): boolean {
    return this.#guildFilter.size === 0 || this.#guildFilter.has(guildId);
  }

  #parse<S extends z.ZodType>(schema: S, payload: GatewayDispatchPayload): z.infer<S> | null {
    const result = schema.safeParse(payload.d);
    if (result.success) return result.data;
    this.#logger.warn(
      { module: MODULE, t: payload.t, sequence: payload.s, issues: result.error.issues.slice(0, 5) },
      '[Gateway] ignored a dispatch that does not match the expected shape',
    );
    return null;
  }

  #redact(message: string): string {
    const token = this.#options.token;
    return token ? message.split(token).join('[redacted]') : message;
  }
}
