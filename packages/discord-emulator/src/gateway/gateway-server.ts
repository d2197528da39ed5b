import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import { parseConnectionParams } from './connection-params.ts';
import { GatewayConnection, type ConnectionContext } from './connection.ts';
import { payloadForSession } from './dispatch-routing.ts';
import type { GatewayStateSource } from './gateway-state.ts';
import { SessionRegistry } from './session-registry.ts';
import { SessionStartLimit } from './session-start-limit.ts';
import { MAX_GUILDS_PER_SHARD } from './sharding.ts';

export type GatewayFaultKind = 'gateway.drop' | 'gateway.zombie' | 'gateway.reconnect' | 'gateway.invalidSession';

export interface GatewayFault {
  kind: GatewayFaultKind;
  /** Only for `gateway.invalidSession`: the `d` of op 9 (default false: the client must IDENTIFY again). */
  resumable?: boolean;
}

export interface GatewayServerOptions {
  state: GatewayStateSource;
  /** Sent in HELLO. Discord's is 41,250 ms. */
  heartbeatIntervalMs: number;
  /** How long a session without a socket stays resumable. */
  resumeWindowMs: number;
  /** `ws://host:port` of the emulator; the gateway lives at `/gateway` under it (a path given here is kept). */
  publicUrl: string;
  now?: () => number;
  /** Time a socket may take to IDENTIFY or RESUME after HELLO (default 30 s: leaves room for identify throttling). */
  identifyTimeoutMs?: number;
  /** How often deadlines are checked against `now` (default heartbeat/10, within 5–1,000 ms). */
  tickMs?: number;
  /** Per-session replay buffer (default 10,000 dispatches). */
  maxBufferedDispatches?: number;
  /** The identify budget GET /gateway/bot reports (default: Discord's 1000 per 24 h on `now`). */
  sessionStartLimit?: SessionStartLimit;
  /** Guilds one shard may hold before IDENTIFY closes 4011 (default Discord's 2,500; lowered only in tests). */
  maxGuildsPerShard?: number;
}

export interface GatewaySessionStats {
  sessionId: string;
  seq: number;
  connected: boolean;
}

export interface GatewayStats {
  identifies: number;
  /** Successful RESUMEs. */
  resumes: number;
  /** Open sockets. */
  connections: number;
  sessions: GatewaySessionStats[];
  /** ms left of a `startOutage` (0 when the Gateway is reachable). */
  outageRemainingMs: number;
}

export interface GatewayServer {
  /** For the HTTP server's `upgrade` event on the gateway path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Applies a fault to every socket that holds a session; returns how many sessions it hit. */
  injectFault(fault: GatewayFault): number;
  /** Every existing session becomes unresumable: later RESUMEs get INVALID_SESSION d:false. */
  forgetSessions(): void;
  stats(): GatewayStats;
  /** The identify budget: IDENTIFY takes from it, GET /gateway/bot reports it; `set({ remaining: 0 })` to exhaust it. */
  readonly sessionStartLimit: SessionStartLimit;
  /**
   * The bot cannot reach the Gateway for `durationMs` (on `now`): every open socket is cut off
   * (close 1006, sessions stay resumable for the resume window) and upgrades are answered with
   * HTTP 503 until it ends. 0 ends an outage now. Returns how many sockets were cut off.
   */
  startOutage(durationMs: number): number;
  close(): Promise<void>;
}

const DEFAULT_IDENTIFY_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BUFFERED_DISPATCHES = 10_000;
/** How long shutdown waits for clients to finish the close handshake before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000;

export function createGatewayServer(options: GatewayServerOptions): GatewayServer {
  const { state, heartbeatIntervalMs } = options;
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? Math.min(1_000, Math.max(5, Math.floor(heartbeatIntervalMs / 10)));
  const sessions = new SessionRegistry({
    resumeWindowMs: options.resumeWindowMs,
    maxBufferedDispatches: options.maxBufferedDispatches ?? DEFAULT_MAX_BUFFERED_DISPATCHES,
    now,
  });
  const connections = new Set<GatewayConnection>();
  const counters = { identifies: 0, resumes: 0 };
  const sessionStartLimit = options.sessionStartLimit ?? new SessionStartLimit({}, now);
  /** Upgrades before this instant (on `now`) are refused. */
  let outageEndsAt = Number.NEGATIVE_INFINITY;
  // Discord never negotiates permessage-deflate (it has its own zlib-stream); 64 KiB bounds memory,
  // while the protocol's 4,096-byte limit is enforced with Discord's own close code.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  let closed = false;
  /** Resolves shutdown once the last socket is gone. */
  let onLastConnectionClosed: (() => void) | null = null;

  const ctx: ConnectionContext = {
    state,
    sessions,
    heartbeatIntervalMs,
    identifyTimeoutMs: options.identifyTimeoutMs ?? DEFAULT_IDENTIFY_TIMEOUT_MS,
    resumeGatewayUrl: gatewayUrl(options.publicUrl),
    now,
    sessionStartLimit,
    maxGuildsPerShard: options.maxGuildsPerShard ?? MAX_GUILDS_PER_SHARD,
    onIdentify: () => void counters.identifies++,
    onResume: () => void counters.resumes++,
    onClosed: (connection) => {
      connections.delete(connection);
      if (connections.size === 0) onLastConnectionClosed?.();
    },
  };

  const unsubscribe = state.onDispatch((rec) => {
    // A guild the bot is not in, or one in an outage, sends it nothing; GUILD_DELETE is how it
    // learns about either, so that one goes out.
    if (rec.guildId !== null && rec.t !== GatewayDispatchEvents.GuildDelete && !state.botSeesGuild(rec.guildId)) return;
    const botUserId = state.botUser().id;
    for (const session of sessions.all()) {
      const routed = payloadForSession(rec, session, botUserId);
      if (routed) session.dispatch(rec.t, routed.d);
    }
  });

  const ticker = setInterval(() => {
    const t = now();
    for (const connection of connections) connection.tick(t);
    sessions.sweep();
  }, tickMs);
  ticker.unref();

  const affected = (act: (connection: GatewayConnection) => boolean): number => {
    let count = 0;
    for (const connection of [...connections]) if (act(connection)) count++;
    return count;
  };

  return {
    handleUpgrade(req, socket, head) {
      if (closed) {
        socket.destroy();
        return;
      }
      if (now() < outageEndsAt) {
        // What a client sees when Discord's edge is up but the Gateway behind it is not: the
        // upgrade is answered with a 5xx instead of 101, and ws-based clients report
        // "Unexpected server response: 503" and retry with their backoff.
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\nService Unavailable');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const params = parseConnectionParams(req.url);
        if ('code' in params) {
          ws.close(params.code, params.reason);
          return;
        }
        connections.add(new GatewayConnection(ws, params.compression, ctx));
      });
    },

    injectFault(fault) {
      switch (fault.kind) {
        case 'gateway.drop':
          return affected((c) => c.drop());
        case 'gateway.zombie':
          return affected((c) => c.becomeZombie());
        case 'gateway.reconnect':
          return affected((c) => c.requestReconnect());
        case 'gateway.invalidSession':
          return affected((c) => c.invalidateSession(fault.resumable ?? false));
      }
    },

    forgetSessions() {
      sessions.forgetAll();
    },

    sessionStartLimit,

    startOutage(durationMs) {
      if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
        throw new RangeError(`outage durationMs must be a whole number of milliseconds ≥ 0 (got ${durationMs})`);
      }
      outageEndsAt = now() + durationMs;
      if (durationMs === 0) return 0;
      return affected((c) => c.cutOff());
    },

    stats() {
      return {
        ...counters,
        connections: connections.size,
        sessions: [...sessions.all()].map((s) => ({ sessionId: s.id, seq: s.seq, connected: s.connected })),
        outageRemainingMs: Math.max(0, outageEndsAt - now()),
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      unsubscribe();
      const allClosed =
        connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onLastConnectionClosed = resolve));
      for (const connection of [...connections]) connection.shutdown();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
      await Promise.race([allClosed, grace]);
      for (const connection of connections) connection.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * The URL READY advertises as `resume_gateway_url`. Clients append `?v=10&encoding=json` to it,
 * so it must be the bare gateway endpoint: `ws(s)://host:port/gateway`.
 */
export function gatewayUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/gateway';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}
