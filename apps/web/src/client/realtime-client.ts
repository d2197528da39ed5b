import {
  type GatewayStatusPayload as GatewayStatus,
  GatewayStatusPayload,
  LobbyEventPayload,
  type RoomListing,
  RoomEvent,
  RoomSnapshot,
  type ServerMessage,
  parseServerFrame,
  shouldReconnect,
} from '@repo/protocol';
import { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import { type RoomAction, type RoomChannel, emptyChannel, reduceRoom, seededChannel } from './room-state.ts';

/** Every delay the client uses, in one place. */
export const RealtimeDefaults = {
  backoff: DEFAULT_BACKOFF as BackoffPolicy,
  /** From starting an attempt to `auth.ok`; past it the attempt counts as failed. */
  connectTimeoutMs: 10_000,
  /** While live, a `ping` this often, so a silently dead socket (sleep, Wi-Fi change) is noticed. */
  pingIntervalMs: 25_000,
  /** No frame at all for this long after a ping: the connection is presumed dead. */
  pongTimeoutMs: 10_000,
  /** Failed attempts in a row before the status says "offline" (retrying continues at the cap). */
  attemptsBeforeOffline: 5,
};
export type RealtimeTuning = typeof RealtimeDefaults;

/**
 * - `idle`: not started (signed out, or server-side rendering).
 * - `connecting`: the first attempt of this page.
 * - `live`: authenticated; subscriptions are flowing.
 * - `reconnecting`: lost it; trying again with backoff.
 * - `offline`: not trying on its own right now (browser offline, refused, signed out), or failed
 *   `attemptsBeforeOffline` times in a row (still retrying at the cap). The page offers Retry.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * - `network`: the browser says it is offline; we reconnect when it says online.
 * - `unreachable`: many attempts failed; we keep trying at the cap.
 * - `refused`: the server closed with a code that says retrying cannot help (too many tabs, protocol).
 * - `signed-out`: the token endpoint says we are not signed in; the page goes to sign-in.
 */
export type OfflineReason = 'network' | 'unreachable' | 'refused' | 'signed-out';

export interface ConnectionState {
  status: ConnectionStatus;
  offlineReason: OfflineReason | null;
  /** Failed attempts since the last live connection. */
  failures: number;
  /** When (local clock) the next automatic attempt starts, while one is scheduled. */
  nextAttemptAt: number | null;
  /** The last close code the server sent, for the status text. */
  lastCloseCode: number | null;
  /** The server's Discord connection as last reported; null until the first report. */
  gateway: GatewayStatus | null;
  /** Server clock minus ours, from the last frame's `ts` (countdowns use it). */
  clockSkewMs: number;
  /** Bumped whenever what this tab holds may be stale and was resynced (each auth, Discord back). */
  resyncs: number;
}

export type TokenResult = { kind: 'token'; token: string } | { kind: 'signed-out'; loginUrl: string } | { kind: 'failed'; message: string };

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}

export interface SocketHandle {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface NetworkSignals {
  online(): void;
  offline(): void;
  /** The tab became visible again (it may have slept). */
  visible(): void;
}

/** Everything the client needs from the outside world; the browser's is in hooks/realtime.tsx, tests bring fakes. */
export interface RealtimeEnvironment {
  socketUrl(): string;
  fetchToken(): Promise<TokenResult>;
  openSocket(url: string, handlers: SocketHandlers): SocketHandle;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  isOnline(): boolean;
  watchNetwork(signals: NetworkSignals): () => void;
  /** The session is gone: go to sign-in (R-AUTH3). */
  signedOut(loginUrl: string): void;
  warn?(message: string, detail?: unknown): void;
}

export interface LobbyState {
  rooms: RoomListing[];
  /** Bumped on every change, so a fetch can tell whether an event overtook it. */
  version: number;
}

interface Watched {
  channel: RoomChannel;
  watchers: number;
}

type Timer = 'retry' | 'deadline' | 'ping' | 'pong';

const INITIAL_STATE: ConnectionState = {
  status: 'idle',
  offlineReason: null,
  failures: 0,
  nextAttemptAt: null,
  lastCloseCode: null,
  gateway: null,
  clockSkewMs: 0,
  resyncs: 0,
};

/**
 * The tab's one WebSocket (R-RT8): token → auth → subscriptions, snapshots then ordered events,
 * a resubscribe on any gap, reconnects with full-jitter backoff and a fresh token every time.
 * Framework-free; React reads it through `subscribe` + the getters (useSyncExternalStore).
 * State objects are replaced, never mutated, so unchanged slices keep their identity.
 */
export class RealtimeClient {
  readonly #env: RealtimeEnvironment;
  readonly #t: RealtimeTuning;
  #state: ConnectionState = INITIAL_STATE;
  readonly #rooms = new Map<string, Watched>();
  #lobby: LobbyState | null = null;
  readonly #listeners = new Set<() => void>();

  #started = false;
  #everLive = false;
  #unwatchNetwork: (() => void) | undefined;
  /** Identifies the current attempt; callbacks of older sockets compare and bail out. */
  #attempt = 0;
  #socket: SocketHandle | null = null;
  #authed = false;
  /** Rooms with a subscribe in flight, oldest first (errors do not name their room). */
  #pendingSubscribes: string[] = [];
  readonly #timers = new Map<Timer, unknown>();

  constructor(env: RealtimeEnvironment, tuning: Partial<RealtimeTuning> = {}) {
    this.#env = env;
    this.#t = { ...RealtimeDefaults, ...tuning };
  }

  // ---- reading ------------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): ConnectionState => this.#state;

  room(roomId: string): RoomChannel | undefined {
    return this.#rooms.get(roomId)?.channel;
  }

  lobby(): LobbyState | null {
    return this.#lobby;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unwatchNetwork = this.#env.watchNetwork({
      online: () => this.#onOnline(),
      offline: () => this.#onOffline(),
      visible: () => this.#onVisible(),
    });
    if (this.#env.isOnline()) void this.#connect();
    else this.#setState({ status: 'offline', offlineReason: 'network' });
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#unwatchNetwork?.();
    this.#unwatchNetwork = undefined;
    this.#attempt++;
    this.#dropSocket(1000, 'page closed');
    this.#clearTimer('retry');
    this.#setState({ ...INITIAL_STATE, gateway: this.#state.gateway, resyncs: this.#state.resyncs });
  }

  /** The Retry button: try now, whatever the schedule or the last close said. */
  retry(): void {
    if (!this.#started || this.#state.status === 'live') return;
    this.#connectNow(true);
  }

  // ---- rooms and lobby ----------------------------------------------------------------------------

  /**
   * Starts following a room (refcounted: several components may watch one room on one socket).
   * `seed` is the snapshot the page was rendered with, shown until the socket's own arrives.
   */
  watchRoom(roomId: string, seed?: RoomSnapshot): () => void {
    let entry = this.#rooms.get(roomId);
    if (!entry) {
      entry = { channel: seed ? seededChannel(seed) : emptyChannel(roomId), watchers: 0 };
      this.#rooms.set(roomId, entry);
      if (this.#authed) this.#sendSubscribe(roomId);
      this.#emit();
    }
    entry.watchers++;
    const watched = entry;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      watched.watchers--;
      if (watched.watchers > 0 || this.#rooms.get(roomId) !== watched) return;
      this.#rooms.delete(roomId);
      this.#pendingSubscribes = this.#pendingSubscribes.filter((r) => r !== roomId);
      // A room that was deleted or revoked has no subscription left on the server.
      const ended = watched.channel.sync === 'deleted' || watched.channel.sync === 'revoked';
      if (this.#authed && !ended) this.#send({ type: 'unsubscribe', room: roomId });
      this.#emit();
    };
  }

  /** Asks for a fresh snapshot now (also counts as activity on the server, which cancels idle closing). */
  resync(roomId: string): void {
    if (this.#rooms.has(roomId) && this.#authed) this.#sendSubscribe(roomId);
  }

  /** A lobby list fetched over HTTP; ignored if a live event arrived since `sinceVersion`. */
  offerLobby(rooms: RoomListing[], sinceVersion: number): void {
    if ((this.#lobby?.version ?? 0) !== sinceVersion) return;
    this.#lobby = { rooms, version: sinceVersion + 1 };
    this.#emit();
  }

  // ---- connecting ---------------------------------------------------------------------------------

  async #connect(manual = false): Promise<void> {
    const attempt = ++this.#attempt;
    this.#clearTimer('retry');
    this.#dropSocket(1000, 'reconnecting');
    const stillFailing = this.#state.failures >= this.#t.attemptsBeforeOffline && !manual;
    this.#setState({
      status: stillFailing ? 'offline' : this.#everLive || this.#state.failures > 0 ? 'reconnecting' : 'connecting',
      offlineReason: stillFailing ? 'unreachable' : null,
      nextAttemptAt: null,
    });
    // The whole attempt, token included, must finish in time.
    this.#setTimer('deadline', this.#t.connectTimeoutMs, () => this.#attemptFailed(attempt, 'timed out'));

    let token: TokenResult;
    try {
      token = await this.#env.fetchToken();
    } catch (error) {
      token = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (attempt !== this.#attempt || !this.#started) return;
    if (token.kind === 'signed-out') {
      this.#clearTimer('deadline');
      this.#setState({ status: 'offline', offlineReason: 'signed-out', nextAttemptAt: null });
      this.#env.signedOut(token.loginUrl);
      return;
    }
    if (token.kind === 'failed') {
      this.#attemptFailed(attempt, `token: ${token.message}`);
      return;
    }

    const { token: jwt } = token;
    this.#socket = this.#env.openSocket(this.#env.socketUrl(), {
      open: () => {
        if (attempt === this.#attempt) this.#send({ type: 'auth', token: jwt });
      },
      message: (data) => {
        if (attempt === this.#attempt) this.#onFrame(data);
      },
      close: (code, reason) => {
        if (attempt === this.#attempt) this.#onClose(code, reason);
      },
    });
  }

  #connectNow(manual: boolean): void {
    void this.#connect(manual);
  }

  /** This attempt did not reach `auth.ok`: drop it and schedule the next. */
  #attemptFailed(attempt: number, why: string): void {
    if (attempt !== this.#attempt || !this.#started) return;
    this.#env.warn?.(`realtime: connection attempt failed (${why})`);
    this.#attempt++; // the old socket's callbacks are now ignored
    this.#dropSocket(1000, 'giving up on this attempt');
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    this.#clearAttemptTimers();
    if (!this.#env.isOnline()) {
      this.#setState({ status: 'offline', offlineReason: 'network', nextAttemptAt: null });
      return;
    }
    const failures = this.#state.failures;
    const delay = backoffDelay(failures, this.#env.random, this.#t.backoff);
    const offline = failures + 1 >= this.#t.attemptsBeforeOffline;
    this.#setState({
      status: offline ? 'offline' : 'reconnecting',
      offlineReason: offline ? 'unreachable' : null,
      failures: failures + 1,
      nextAttemptAt: this.#env.now() + delay,
    });
    this.#setTimer('retry', delay, () => void this.#connect());
  }

  #onClose(code: number, reason: string): void {
    const wasAuthed = this.#authed;
    this.#socket = null;
    this.#authed = false;
    this.#attempt++;
    this.#pendingSubscribes = [];
    this.#clearAttemptTimers();
    this.#setState({ lastCloseCode: code });
    if (!this.#started) return;
    if (!shouldReconnect(code)) {
      this.#env.warn?.(`realtime: the server closed the connection (${code} ${reason}); not reconnecting on our own`);
      this.#setState({ status: 'offline', offlineReason: 'refused', nextAttemptAt: null });
      return;
    }
    // A live connection that drops starts the backoff over; an attempt that never got live continues it.
    if (wasAuthed) this.#setState({ failures: 0 });
    this.#scheduleRetry();
  }

  #onOnline(): void {
    if (!this.#started || this.#state.status === 'live') return;
    const reason = this.#state.offlineReason;
    if (reason === 'refused' || reason === 'signed-out') return;
    this.#connectNow(false);
  }

  #onOffline(): void {
    if (!this.#started) return;
    // The socket is dead or about to be; do not wait for TCP to notice.
    this.#attempt++;
    this.#dropSocket(1000, 'browser offline');
    this.#clearTimer('retry');
    this.#setState({ status: 'offline', offlineReason: 'network', nextAttemptAt: null });
  }

  #onVisible(): void {
    if (!this.#started) return;
    const { status, offlineReason } = this.#state;
    if (status === 'live') {
      // After sleep the socket may be a zombie: prove it is alive.
      this.#ping();
      return;
    }
    if (offlineReason === 'refused' || offlineReason === 'signed-out') return;
    if (this.#timers.has('retry') || status === 'offline') this.#connectNow(false);
  }

  // ---- frames -------------------------------------------------------------------------------------

  #onFrame(data: string): void {
    const parsed = parseServerFrame(data);
    if (!parsed.ok) {
      this.#env.warn?.(`realtime: ignored a frame (${parsed.error})`);
      return;
    }
    const msg = parsed.message;
    // Any frame proves the connection is alive.
    this.#clearTimer('pong');
    const skew = msg.ts - this.#env.now();
    if (Math.abs(skew - this.#state.clockSkewMs) > 250) this.#setState({ clockSkewMs: skew });

    switch (msg.type) {
      case 'ack':
        if (msg.event === 'auth.ok') this.#onAuthenticated();
        else if (msg.event === 'subscribed' && msg.room) this.#pendingSubscribes = this.#pendingSubscribes.filter((r) => r !== msg.room);
        return;
      case 'event':
        this.#onEvent(msg.event, msg.payload);
        return;
      case 'error':
        this.#onError(msg);
        return;
      case 'pong':
        return;
    }
  }

  #onAuthenticated(): void {
    this.#authed = true;
    this.#everLive = true;
    this.#clearTimer('deadline');
    this.#setState({ status: 'live', offlineReason: null, failures: 0, nextAttemptAt: null, resyncs: this.#state.resyncs + 1 });
    this.#schedulePing();
    // Whatever we held may be stale: every room gets a fresh snapshot.
    for (const roomId of this.#rooms.keys()) this.#sendSubscribe(roomId);
  }

  #onEvent(event: string, payload: unknown): void {
    if (event === 'gateway.status') {
      const parsed = GatewayStatusPayload.safeParse(payload);
      if (!parsed.success) return;
      const wasDown = this.#state.gateway?.live === false;
      this.#setState({ gateway: parsed.data });
      if (wasDown && parsed.data.live) {
        // Discord is back (R-RT9): what we show may have missed changes; resync every room.
        this.#setState({ resyncs: this.#state.resyncs + 1 });
        for (const roomId of this.#rooms.keys()) this.#sendSubscribe(roomId);
      }
      return;
    }
    if (event === 'lobby.rooms') {
      const parsed = LobbyEventPayload.safeParse(payload);
      if (!parsed.success) return;
      this.#lobby = { rooms: parsed.data.rooms, version: (this.#lobby?.version ?? 0) + 1 };
      this.#emit();
      return;
    }
    if (event === 'room.snapshot') {
      const parsed = RoomSnapshot.safeParse(payload);
      if (!parsed.success) {
        this.#env.warn?.('realtime: a room snapshot did not parse', parsed.error.issues);
        return;
      }
      this.#pendingSubscribes = this.#pendingSubscribes.filter((r) => r !== parsed.data.roomId);
      this.#dispatch(parsed.data.roomId, { type: 'snapshot', snapshot: parsed.data });
      return;
    }
    const parsed = RoomEvent.safeParse({ event, payload });
    if (parsed.success) {
      this.#dispatch(parsed.data.payload.roomId, { type: 'event', event: parsed.data });
      return;
    }
    const roomId = roomIdOf(payload);
    if (roomId !== null && this.#rooms.has(roomId)) {
      this.#env.warn?.(`realtime: "${event}" for room ${roomId} did not parse; resyncing`);
      this.#dispatch(roomId, { type: 'unreadable' });
    }
  }

  #onError(msg: Extract<ServerMessage, { type: 'error' }>): void {
    // An error naming a room refuses its subscribe, or ends its live subscription (a revocation:
    // the same frame). One naming none answers the oldest subscribe in flight (a server from
    // before `room` existed).
    if (msg.code === 'forbidden' || msg.code === 'not_found' || msg.code === 'rate_limited') {
      const roomId = msg.room ?? this.#pendingSubscribes[0];
      if (roomId !== undefined && this.#rooms.has(roomId)) {
        this.#pendingSubscribes = this.#pendingSubscribes.filter((r) => r !== roomId);
        this.#dispatch(roomId, { type: 'failed', code: msg.code, message: msg.error });
        return;
      }
    }
    this.#env.warn?.(`realtime: server error ${msg.code}: ${msg.error}`);
  }

  #dispatch(roomId: string, action: RoomAction): void {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    const step = reduceRoom(entry.channel, action);
    if (step.channel !== entry.channel) {
      entry.channel = step.channel;
      this.#emit();
    }
    if (step.resubscribe) this.#sendSubscribe(roomId);
  }

  #sendSubscribe(roomId: string): void {
    if (!this.#authed) return;
    if (!this.#pendingSubscribes.includes(roomId)) this.#pendingSubscribes.push(roomId);
    this.#dispatch(roomId, { type: 'subscribing' });
    this.#send({ type: 'subscribe', room: roomId });
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  #send(message: { type: 'auth'; token: string } | { type: 'subscribe' | 'unsubscribe'; room: string } | { type: 'ping' }): void {
    if (!this.#socket) return;
    try {
      this.#socket.send(JSON.stringify({ v: 1, ts: this.#env.now(), ...message }));
    } catch (error) {
      // A socket that is closing throws; its close handler takes it from here.
      this.#env.warn?.('realtime: send failed', error);
    }
  }

  #schedulePing(): void {
    this.#setTimer('ping', this.#t.pingIntervalMs, () => {
      this.#ping();
      this.#schedulePing();
    });
  }

  #ping(): void {
    if (!this.#authed) return;
    this.#send({ type: 'ping' });
    if (this.#timers.has('pong')) return;
    const attempt = this.#attempt;
    this.#setTimer('pong', this.#t.pongTimeoutMs, () => {
      if (attempt !== this.#attempt) return;
      this.#env.warn?.('realtime: no answer to ping; reconnecting');
      const socket = this.#socket;
      this.#onClose(1006, 'no answer to ping');
      try {
        socket?.close(1000, 'no answer to ping');
      } catch {
        // already closed
      }
    });
  }

  #dropSocket(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#authed = false;
    this.#pendingSubscribes = [];
    this.#clearAttemptTimers();
    if (socket) {
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  #setTimer(name: Timer, ms: number, fn: () => void): void {
    this.#clearTimer(name);
    const handle = this.#env.setTimeout(() => {
      if (this.#timers.get(name) === handle) this.#timers.delete(name);
      fn();
    }, ms);
    this.#timers.set(name, handle);
  }

  #clearTimer(name: Timer): void {
    const handle = this.#timers.get(name);
    if (handle === undefined) return;
    this.#env.clearTimeout(handle);
    this.#timers.delete(name);
  }

  #clearAttemptTimers(): void {
    this.#clearTimer('deadline');
    this.#clearTimer('ping');
    this.#clearTimer('pong');
  }

  #setState(patch: Partial<ConnectionState>): void {
    let changed = false;
    for (const key of Object.keys(patch) as Array<keyof ConnectionState>) {
      if (this.#state[key] !== patch[key]) changed = true;
    }
    if (!changed) return;
    this.#state = { ...this.#state, ...patch };
    this.#emit();
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

function roomIdOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const roomId = (payload as { roomId?: unknown }).roomId;
  return typeof roomId === 'string' ? roomId : null;
}
