import { DiscordAPIError } from '@discordjs/rest';
import { CloseCodes, WebSocketShardEvents } from '@discordjs/ws';
import { silentLogger, systemClock, type Clock, type Logger } from '@repo/platform';
import { GatewayDispatchEvents, type GatewayDispatchPayload, type GatewayReadyDispatchData } from 'discord-api-types/v10';
import { gatewayDefaults, type GatewayTuning } from './defaults.ts';
import { DispatchHandler } from './dispatch-handler.ts';
import { FATAL_CLOSE_CODES, GatewayFatalError } from './errors.ts';
import type { CachedVoiceState, GatewayEventMap } from './events.ts';
import { GATEWAY_INTENTS, createRun, disposeRest, type Run } from './gateway-run.ts';
import { GatewayState, type GatewayStatus } from './gateway-state.ts';
import { IdentifyBudget } from './identify-budget.ts';
import type { ReconnectGate } from './reconnect-backoff.ts';
import { CachedSessionInfoStore, MemorySessionInfoStore, type SessionInfoStore } from './session-info-store.ts';
import { shardOfGuild, type ShardShared } from './shard-parts.ts';
import { TypedEmitter } from './typed-emitter.ts';
import type { DiscordGatewayClientOptions, GatewayStartOptions } from './client-options.ts';
import { VoiceStateCache, type GuildInventoryView, type VoiceStateView } from './voice-state-cache.ts';

export type { DiscordGatewayClientOptions, GatewayStartOptions } from './client-options.ts';

const MODULE = 'Gateway';

/**
 * The bot's Gateway connection (R-GW1…R-GW6). @discordjs/ws does identify, heartbeat, zombie
 * detection and resume; this class adds the backoff policy around failed attempts (each run's
 * pieces are wired in gateway-run.ts), stops on fatal close codes, and owns the voice cache, which
 * the DispatchHandler keeps current and turns into domain events — emitted after the cache is
 * updated, so a listener that queries the cache sees the state the event describes.
 */
export class DiscordGatewayClient {
  readonly #options: DiscordGatewayClientOptions;
  readonly #tuning: GatewayTuning;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #guildFilter: ReadonlySet<string>;
  readonly #sessions: CachedSessionInfoStore;
  readonly #cache: VoiceStateCache;
  readonly #shard: { id: number; count: number };
  readonly #throttle: ShardShared['identifyThrottle'] | undefined;
  /** Taken over without a voice copy: the RESUMED is followed by one IDENTIFY for the snapshot. */
  #snapshotAfterResume = false;
  readonly #events: TypedEmitter<GatewayEventMap>;
  /** Outlives runs: a stop and start must not forget that Discord has no session starts left. */
  readonly #identifyBudget: IdentifyBudget;
  readonly #dispatches: DispatchHandler;

  #run: Run | null = null;
  /** The gate of the current or last run: its counters stay readable after a stop or a fatal close. */
  #gate: ReconnectGate | null = null;
  #state: GatewayState = GatewayState.Disconnected;
  #sessionId: string | null = null;
  #heartbeatLatencyMs: number | null = null;
  #lastHeartbeatAckAt: number | null = null;
  #fatal: GatewayFatalError | null = null;

  constructor(options: DiscordGatewayClientOptions) {
    this.#options = options;
    this.#tuning = { ...gatewayDefaults, ...options.tuning, restBaseUrl: options.restBaseUrl ?? gatewayDefaults.restBaseUrl };
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#guildFilter = new Set(typeof options.guildIds === 'string' ? [options.guildIds] : options.guildIds);
    this.#shard = options.shard ?? { id: 0, count: 1 };
    if (!Number.isSafeInteger(this.#shard.count) || this.#shard.count < 1 || !Number.isSafeInteger(this.#shard.id) || this.#shard.id < 0 || this.#shard.id >= this.#shard.count) {
      throw new RangeError(`invalid shard [${this.#shard.id}, ${this.#shard.count}]`);
    }
    this.#cache = options.shared?.cache ?? new VoiceStateCache();
    this.#throttle = options.shared?.identifyThrottle;
    this.#sessions = new CachedSessionInfoStore(options.sessionStore ?? new MemorySessionInfoStore(), this.#logger);
    this.#identifyBudget =
      options.shared?.identifyBudget ?? new IdentifyBudget({ clock: this.#clock, logger: this.#logger, freshForMs: this.#tuning.identifyBudgetFreshMs });
    this.#events = new TypedEmitter<GatewayEventMap>((error, type) =>
      this.#logger.error({ module: MODULE, err: error, event: type }, '[Gateway] an event listener threw'),
    );
    this.#dispatches = new DispatchHandler({
      cache: this.#cache,
      guildFilter: this.#guildFilter,
      logger: this.#logger,
      clock: this.#clock,
      shardId: this.#shard.id,
      emit: (event) => {
        this.#events.emit(event.type, event as never);
        this.#events.emit('*', event);
      },
    });
  }

  /** Voice presence per guild; answers are O(1). */
  get cache(): VoiceStateView {
    return this.#cache;
  }

  /** Channels and roles per guild, counted for Discord's resource limits (same cache, another view). */
  get inventory(): GuildInventoryView {
    return this.#cache;
  }

  get shardId(): number {
    return this.#shard.id;
  }

  /** Started and not stopped (it may be connecting, connected or waiting to reconnect). */
  get active(): boolean {
    return this.#run !== null;
  }

  /** Whether Discord routes the guild to this client's shard (`(guild_id >> 22) % num_shards`). */
  ownsGuild(guildId: string): boolean {
    return shardOfGuild(guildId, this.#shard.count) === this.#shard.id;
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
      sequence: this.#dispatches.sequence,
      heartbeatLatencyMs: this.#heartbeatLatencyMs,
      lastHeartbeatAckAt: this.#lastHeartbeatAckAt,
      reconnectCount: Math.max(0, (gate?.attempts ?? 0) - 1),
      consecutiveFailures: gate?.consecutiveFailures ?? 0,
      readyGuildIds: this.#ownGuilds().filter((id) => this.#cache.isReady(id)),
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
    const run = createRun({
      token: this.#options.token,
      tuning: this.#tuning,
      clock: this.#clock,
      sessions: this.#sessions,
      shard: this.#shard,
      ...(this.#throttle ? { throttle: this.#throttle } : {}),
      hooks: {
        beforeReconnect: (r) => this.#beforeReconnect(r),
        beforeIdentify: (r) => this.#beforeIdentify(r),
        onAttemptFailed: (failures, nextDelayMs) => this.#onAttemptFailed(failures, nextDelayMs),
      },
    });
    this.#run = run;
    this.#gate = run.gate;
    this.#listen(run);
    this.#logger.info(
      { module: MODULE, restBaseUrl: this.#tuning.restBaseUrl, guildIds: [...this.#guildFilter], intents: GATEWAY_INTENTS, shard: [this.#shard.id, this.#shard.count] },
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
    disposeRest(run);
    this.#inventoryGoesStale();
    await this.#sessions.flush();
    run.started.resolve();
    this.#setState(GatewayState.Disconnected);
    this.#logger.info({ module: MODULE }, '[Gateway] stopped');
  }

  #takeOver(voice: ReadonlyMap<string, Iterable<CachedVoiceState>> | null): void {
    this.#sessions.forget();
    this.#sessionId = null;
    this.#dispatches.forgetSequence();
    const seeded: string[] = [];
    for (const guildId of this.#ownGuilds()) this.#cache.markStale(guildId);
    this.#snapshotAfterResume = voice === null;
    for (const [guildId, members] of voice ?? []) {
      if (!this.#dispatches.wants(guildId) || !this.ownsGuild(guildId)) continue;
      this.#cache.seedGuild(guildId, members);
      seeded.push(guildId);
    }
    this.#logger.info({ module: MODULE, shardId: this.#shard.id, seededGuildIds: seeded }, '[Gateway] taking the Gateway over: session read afresh, voice cache seeded from the previous holder');
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
      this.#dispatches.handle(payload);
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
      { module: MODULE, sessionId: this.#sessionId, sequence: this.#dispatches.sequence, reconnectCount: run.gate.attempts - 1, failuresBefore: failures },
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
    const known = this.#guildFilter.size > 0 ? [...this.#guildFilter] : this.#cache.guildIds();
    const cold = known.filter((id) => this.ownsGuild(id) && !this.#cache.isReady(id));
    const unseeded = this.#snapshotAfterResume;
    this.#snapshotAfterResume = false;
    if (cold.length === 0 && !unseeded) return;
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
    disposeRest(run);
    this.#inventoryGoesStale();
    run.started.reject(error);
    this.#setState(GatewayState.Disconnected, error);
  }

  /** Nothing keeps channels and roles current once the connection is gone for good. */
  #inventoryGoesStale(): void {
    for (const guildId of this.#ownGuilds()) this.#cache.markInventoryStale(guildId);
  }

  /** The cached guilds Discord routes to this shard (the cache may be shared with other shards). */
  #ownGuilds(): string[] {
    return this.#cache.guildIds().filter((id) => this.ownsGuild(id));
  }

  #setState(state: GatewayState, error?: Error): void {
    const previous = this.#state;
    if (previous === state && !error) return;
    this.#state = state;
    this.#events.emit('gateway.state', { type: 'gateway.state', state, previous, at: this.#clock.now(), shardId: this.#shard.id, ...(error ? { error } : {}) });
  }

  #redact(message: string): string {
    const token = this.#options.token;
    return token ? message.split(token).join('[redacted]') : message;
  }
}
