import { type BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from '@repo/platform';
import {
  type ClientMessage,
  type GatewayStatusPayload as GatewayStatus,
  GatewayStatusPayload,
  PROTOCOL_VERSION,
  type ServerMessage,
  parseServerFrame,
  shouldReconnect,
} from '@repo/protocol';
import { NamedTimers } from './named-timers.ts';
import type { RealtimeEnvironment, SocketHandle, TokenResult } from './realtime-environment.ts';

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
  /** The last close code the server sent, for the status text. */
  lastCloseCode: number | null;
  /** The server's Discord connection as last reported; null until the first report. */
  gateway: GatewayStatus | null;
  /** Server clock minus ours, from the last frame's `ts` (countdowns use it). */
  clockSkewMs: number;
  /** Bumped whenever what this tab holds may be stale and was resynced (each auth, Discord back). */
  resyncs: number;
}

type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'ts'> : never;
/** A frame this tab sends, as the protocol types it; the connection adds the envelope's `v` and `ts`. */
export type OutgoingMessage = WithoutEnvelope<ClientMessage>;

/** A server frame that is not the connection's own business: subscribe answers, room and lobby events, errors. */
export type ForwardedFrame = Exclude<ServerMessage, { type: 'pong' }>;

/** What the connection tells the parts built on it (the façade wires them). */
export interface ConnectionEvents {
  /** `getState()` returns a new object. */
  changed(): void;
  /** Authenticated on a new socket, or Discord came back: whatever the tab holds may be stale. */
  stale(): void;
  /** The socket is gone (or being dropped): the server holds no subscription of this tab any more. */
  lost(): void;
  frame(message: ForwardedFrame): void;
}

type Timer = 'retry' | 'deadline' | 'ping' | 'pong';
/** The timers of one attempt's socket; the retry timer runs between sockets. */
const ATTEMPT_TIMERS = ['deadline', 'ping', 'pong'] as const;

const INITIAL_STATE: ConnectionState = {
  status: 'idle',
  offlineReason: null,
  failures: 0,
  lastCloseCode: null,
  gateway: null,
  clockSkewMs: 0,
  resyncs: 0,
};

/**
 * The tab's one WebSocket (R-RT8) as a state machine: token → auth → live, reconnects with
 * full-jitter backoff and a fresh token every time, a ping while live, the browser's network and
 * visibility signals, and the server's reports about Discord. It knows nothing of rooms: frames
 * that are not its own go to `events.frame`.
 * State objects are replaced, never mutated, so React sees a change by identity.
 */
export class RealtimeConnection {
  readonly #env: RealtimeEnvironment;
  readonly #t: RealtimeTuning;
  readonly #events: ConnectionEvents;
  #state: ConnectionState = INITIAL_STATE;

  #started = false;
  #everLive = false;
  #unwatchNetwork: (() => void) | undefined;
  /** Identifies the current attempt; callbacks of older sockets compare and bail out. */
  #attempt = 0;
  #socket: SocketHandle | null = null;
  #authed = false;
  readonly #timers: NamedTimers<Timer>;

  constructor(env: RealtimeEnvironment, tuning: RealtimeTuning, events: ConnectionEvents) {
    this.#env = env;
    this.#t = tuning;
    this.#events = events;
    this.#timers = new NamedTimers(env.clock);
  }

  getState(): ConnectionState {
    return this.#state;
  }

  /**
   * The server accepted this socket's token, so a subscribe sent now reaches it. Not the same as
   * `status === 'live'`: while a close is being handled the status still says live for a moment.
   */
  get authenticated(): boolean {
    return this.#authed;
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
    this.#timers.clear('retry');
    this.#setState({ ...INITIAL_STATE, gateway: this.#state.gateway, resyncs: this.#state.resyncs });
  }

  /** The Retry button: try now, whatever the schedule or the last close said. */
  retry(): void {
    if (!this.#started || this.#state.status === 'live') return;
    void this.#connect(true);
  }

  send(message: OutgoingMessage): void {
    if (!this.#socket) return;
    try {
      this.#socket.send(JSON.stringify({ v: PROTOCOL_VERSION, ts: this.#env.clock.now(), ...message }));
    } catch (error) {
      // A socket that is closing throws; its close handler takes it from here.
      this.#env.warn?.('realtime: send failed', error);
    }
  }

  // ---- connecting ---------------------------------------------------------------------------------

  async #connect(manual = false): Promise<void> {
    const attempt = ++this.#attempt;
    this.#timers.clear('retry');
    this.#dropSocket(1000, 'reconnecting');
    const stillFailing = this.#state.failures >= this.#t.attemptsBeforeOffline && !manual;
    this.#setState({
      status: stillFailing ? 'offline' : this.#everLive || this.#state.failures > 0 ? 'reconnecting' : 'connecting',
      offlineReason: stillFailing ? 'unreachable' : null,
    });
    // The whole attempt, token included, must finish in time.
    this.#timers.set('deadline', this.#t.connectTimeoutMs, () => this.#attemptFailed(attempt, 'timed out'));

    let token: TokenResult;
    try {
      token = await this.#env.fetchToken();
    } catch (error) {
      token = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (attempt !== this.#attempt || !this.#started) return;
    if (token.kind === 'signed-out') {
      this.#timers.clear('deadline');
      this.#setState({ status: 'offline', offlineReason: 'signed-out' });
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
        if (attempt === this.#attempt) this.send({ type: 'auth', token: jwt });
      },
      message: (data) => {
        if (attempt === this.#attempt) this.#onFrame(data);
      },
      close: (code, reason) => {
        if (attempt === this.#attempt) this.#onClose(code, reason);
      },
    });
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
    this.#timers.clear(...ATTEMPT_TIMERS);
    if (!this.#env.isOnline()) {
      this.#setState({ status: 'offline', offlineReason: 'network' });
      return;
    }
    const failures = this.#state.failures;
    const delay = backoffDelay(failures, this.#env.random, this.#t.backoff);
    const offline = failures + 1 >= this.#t.attemptsBeforeOffline;
    this.#setState({
      status: offline ? 'offline' : 'reconnecting',
      offlineReason: offline ? 'unreachable' : null,
      failures: failures + 1,
    });
    this.#timers.set('retry', delay, () => void this.#connect());
  }

  #onClose(code: number, reason: string): void {
    const wasAuthed = this.#authed;
    this.#socket = null;
    this.#authed = false;
    this.#attempt++;
    this.#events.lost();
    this.#timers.clear(...ATTEMPT_TIMERS);
    this.#setState({ lastCloseCode: code });
    if (!this.#started) return;
    if (!shouldReconnect(code)) {
      this.#env.warn?.(`realtime: the server closed the connection (${code} ${reason}); not reconnecting on our own`);
      this.#setState({ status: 'offline', offlineReason: 'refused' });
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
    void this.#connect();
  }

  #onOffline(): void {
    if (!this.#started) return;
    // The socket is dead or about to be; do not wait for TCP to notice.
    this.#attempt++;
    this.#dropSocket(1000, 'browser offline');
    this.#timers.clear('retry');
    this.#setState({ status: 'offline', offlineReason: 'network' });
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
    if (this.#timers.has('retry') || status === 'offline') void this.#connect();
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
    this.#timers.clear('pong');
    const skew = msg.ts - this.#env.clock.now();
    if (Math.abs(skew - this.#state.clockSkewMs) > 250) this.#setState({ clockSkewMs: skew });

    if (msg.type === 'pong') return;
    if (msg.type === 'ack' && msg.event === 'auth.ok') this.#onAuthenticated();
    else if (msg.type === 'event' && msg.event === 'gateway.status') this.#onGatewayStatus(msg.payload);
    else this.#events.frame(msg);
  }

  #onAuthenticated(): void {
    this.#authed = true;
    this.#everLive = true;
    this.#timers.clear('deadline');
    this.#setState({ status: 'live', offlineReason: null, failures: 0, resyncs: this.#state.resyncs + 1 });
    this.#schedulePing();
    this.#events.stale();
  }

  #onGatewayStatus(payload: unknown): void {
    const parsed = GatewayStatusPayload.safeParse(payload);
    if (!parsed.success) return;
    const wasDown = this.#state.gateway?.live === false;
    // A status without the outage list (a shard's state change) keeps the last one (issue 17).
    const before = this.#state.gateway?.unavailableGuilds ?? [];
    const unavailableGuilds = parsed.data.unavailableGuilds ?? before;
    this.#setState({ gateway: parsed.data.unavailableGuilds !== undefined || before.length === 0 ? parsed.data : { ...parsed.data, unavailableGuilds } });
    const serverBack = before.some((id) => !unavailableGuilds.includes(id));
    if ((wasDown && parsed.data.live) || serverBack) {
      // Discord is back (R-RT9): what we show may have missed changes.
      this.#setState({ resyncs: this.#state.resyncs + 1 });
      this.#events.stale();
    }
  }

  // ---- heartbeat and plumbing ---------------------------------------------------------------------

  #schedulePing(): void {
    this.#timers.set('ping', this.#t.pingIntervalMs, () => {
      this.#ping();
      this.#schedulePing();
    });
  }

  #ping(): void {
    if (!this.#authed) return;
    this.send({ type: 'ping' });
    if (this.#timers.has('pong')) return;
    const attempt = this.#attempt;
    this.#timers.set('pong', this.#t.pongTimeoutMs, () => {
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
    this.#events.lost();
    this.#timers.clear(...ATTEMPT_TIMERS);
    if (socket) {
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  #setState(patch: Partial<ConnectionState>): void {
    let changed = false;
    for (const key of Object.keys(patch) as Array<keyof ConnectionState>) {
      if (this.#state[key] !== patch[key]) changed = true;
    }
    if (!changed) return;
    this.#state = { ...this.#state, ...patch };
    this.#events.changed();
  }
}
