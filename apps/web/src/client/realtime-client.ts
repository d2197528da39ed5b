// src/client/: the browser's side of the app without React (hooks/ and components/ hold the React
// side): the realtime connection and its room subscriptions, the room reducer, the JSON API calls.
import { LobbyEventPayload, type RoomListing, type RoomSnapshot } from '@repo/protocol';
import {
  type ConnectionState,
  type ForwardedFrame,
  RealtimeConnection,
  RealtimeDefaults,
  type RealtimeTuning,
} from './realtime-connection.ts';
import type { RealtimeEnvironment } from './realtime-environment.ts';
import { RoomSubscriptions } from './room-subscriptions.ts';
import type { RoomChannel } from './room-state.ts';

export { type ConnectionState, type ConnectionStatus, type OfflineReason, RealtimeDefaults, type RealtimeTuning } from './realtime-connection.ts';
export type { NetworkSignals, RealtimeEnvironment, SocketHandle, SocketHandlers, TokenResult } from './realtime-environment.ts';

export interface LobbyState {
  rooms: RoomListing[];
  /** Bumped on every change, so a fetch can tell whether an event overtook it. */
  version: number;
}

/**
 * The tab's one WebSocket (R-RT8), as the pages see it: token → auth → subscriptions, snapshots
 * then ordered events, a resubscribe on any gap, reconnects with full-jitter backoff and a fresh
 * token every time. Framework-free; React reads it through `subscribe` + the getters
 * (useSyncExternalStore). Two parts do the work: `RealtimeConnection` (the socket's lifecycle) and
 * `RoomSubscriptions` (each room's stream); this class wires them, routes the frames and keeps the
 * lobby list.
 */
export class RealtimeClient {
  readonly #env: RealtimeEnvironment;
  readonly #connection: RealtimeConnection;
  readonly #rooms: RoomSubscriptions;
  #lobby: LobbyState | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(env: RealtimeEnvironment, tuning: Partial<RealtimeTuning> = {}) {
    this.#env = env;
    const changed = () => this.#emit();
    // The connection calls back only once started, by which time both parts exist.
    this.#connection = new RealtimeConnection(env, { ...RealtimeDefaults, ...tuning }, {
      changed,
      stale: () => this.#rooms.resyncAll(),
      lost: () => this.#rooms.lost(),
      frame: (message) => this.#route(message),
    });
    this.#rooms = new RoomSubscriptions(this.#connection, changed, (message, detail) => env.warn?.(message, detail));
  }

  // ---- reading ------------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): ConnectionState => this.#connection.getState();

  room(roomId: string): RoomChannel | undefined {
    return this.#rooms.room(roomId);
  }

  lobby(): LobbyState | null {
    return this.#lobby;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  start(): void {
    this.#connection.start();
  }

  stop(): void {
    this.#connection.stop();
  }

  /** The Retry button: try now, whatever the schedule or the last close said. */
  retry(): void {
    this.#connection.retry();
  }

  // ---- rooms and lobby ----------------------------------------------------------------------------

  /**
   * Starts following a room (refcounted: several components may watch one room on one socket).
   * `seed` is the snapshot the page was rendered with, shown until the socket's own arrives.
   */
  watchRoom(roomId: string, seed?: RoomSnapshot): () => void {
    return this.#rooms.watch(roomId, seed);
  }

  /** Asks for a fresh snapshot now (also counts as activity on the server, which cancels idle closing). */
  resync(roomId: string): void {
    this.#rooms.resync(roomId);
  }

  /** A lobby list fetched over HTTP; ignored if a live event arrived since `sinceVersion`. */
  offerLobby(rooms: RoomListing[], sinceVersion: number): void {
    if ((this.#lobby?.version ?? 0) !== sinceVersion) return;
    this.#lobby = { rooms, version: sinceVersion + 1 };
    this.#emit();
  }

  // ---- frames the connection hands on -------------------------------------------------------------

  #route(message: ForwardedFrame): void {
    switch (message.type) {
      case 'ack':
        if (message.event === 'subscribed' && message.room) this.#rooms.subscribed(message.room);
        return;
      case 'event':
        if (message.event === 'lobby.rooms') this.#onLobby(message.payload);
        else this.#rooms.onEvent(message.event, message.payload);
        return;
      case 'error':
        if (!this.#rooms.refused(message)) this.#env.warn?.(`realtime: server error ${message.code}: ${message.error}`);
        return;
    }
  }

  #onLobby(payload: unknown): void {
    const parsed = LobbyEventPayload.safeParse(payload);
    if (!parsed.success) return;
    this.#lobby = { rooms: parsed.data.rooms, version: (this.#lobby?.version ?? 0) + 1 };
    this.#emit();
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
