import { RoomEvent, RoomSnapshot, type ServerMessage } from '@repo/protocol';
import type { OutgoingMessage } from './realtime-connection.ts';
import { type RoomAction, type RoomChannel, emptyChannel, reduceRoom, seededChannel } from './room-state.ts';

/** What the subscriptions need of the connection under them. */
export interface SubscriptionLink {
  /** Only an authenticated socket carries a subscribe to the server. */
  readonly authenticated: boolean;
  send(message: OutgoingMessage): void;
}

type ErrorFrame = Extract<ServerMessage, { type: 'error' }>;

interface Watched {
  channel: RoomChannel;
  watchers: number;
}

/**
 * The rooms this tab follows, over whatever socket is current: refcounted watching, one subscribe
 * per room, its snapshot then its ordered events through the pure reducer in room-state.ts (which
 * says when a gap needs a resubscribe), and the server refusing or ending a subscription.
 * Each room's channel is replaced, never mutated, so React sees a change by identity.
 */
export class RoomSubscriptions {
  readonly #link: SubscriptionLink;
  readonly #changed: () => void;
  readonly #warn: (message: string, detail?: unknown) => void;
  readonly #rooms = new Map<string, Watched>();
  /** Rooms with a subscribe in flight, oldest first (an error from an older server names no room). */
  #pending: string[] = [];

  constructor(link: SubscriptionLink, changed: () => void, warn: (message: string, detail?: unknown) => void) {
    this.#link = link;
    this.#changed = changed;
    this.#warn = warn;
  }

  room(roomId: string): RoomChannel | undefined {
    return this.#rooms.get(roomId)?.channel;
  }

  /**
   * Starts following a room (refcounted: several components may watch one room on one socket).
   * `seed` is the snapshot the page was rendered with, shown until the socket's own arrives.
   */
  watch(roomId: string, seed?: RoomSnapshot): () => void {
    let entry = this.#rooms.get(roomId);
    if (!entry) {
      entry = { channel: seed ? seededChannel(seed) : emptyChannel(roomId), watchers: 0 };
      this.#rooms.set(roomId, entry);
      if (this.#link.authenticated) this.#subscribe(roomId);
      this.#changed();
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
      this.#pending = this.#pending.filter((r) => r !== roomId);
      // A room that was deleted or revoked has no subscription left on the server.
      const ended = watched.channel.sync === 'deleted' || watched.channel.sync === 'revoked';
      if (this.#link.authenticated && !ended) this.#link.send({ type: 'unsubscribe', room: roomId });
      this.#changed();
    };
  }

  /** Asks for a fresh snapshot of one room now. */
  resync(roomId: string): void {
    if (this.#rooms.has(roomId) && this.#link.authenticated) this.#subscribe(roomId);
  }

  /** The connection says what we hold may be stale (a new socket, Discord back): every room gets a fresh snapshot. */
  resyncAll(): void {
    for (const roomId of this.#rooms.keys()) this.#subscribe(roomId);
  }

  /** The socket is gone, and with it every subscribe in flight. */
  lost(): void {
    this.#pending = [];
  }

  /** `ack subscribed`: the server took the subscribe; its snapshot follows. */
  subscribed(roomId: string): void {
    this.#pending = this.#pending.filter((r) => r !== roomId);
  }

  /** An `event` frame that is not the lobby's: a room's snapshot or one of its events. */
  onEvent(event: string, payload: unknown): void {
    if (event === 'room.snapshot') {
      const parsed = RoomSnapshot.safeParse(payload);
      if (!parsed.success) {
        this.#warn('realtime: a room snapshot did not parse', parsed.error.issues);
        return;
      }
      this.#pending = this.#pending.filter((r) => r !== parsed.data.roomId);
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
      this.#warn(`realtime: "${event}" for room ${roomId} did not parse; resyncing`);
      this.#dispatch(roomId, { type: 'unreadable' });
    }
  }

  /**
   * An `error` frame; false when it is not about a room this tab watches. An error naming a room
   * refuses its subscribe, or ends its live subscription (a revocation: the same frame). One naming
   * none answers the oldest subscribe in flight (a server from before `room` existed).
   */
  refused(msg: ErrorFrame): boolean {
    if (msg.code !== 'forbidden' && msg.code !== 'not_found' && msg.code !== 'rate_limited') return false;
    const roomId = msg.room ?? this.#pending[0];
    if (roomId === undefined || !this.#rooms.has(roomId)) return false;
    this.#pending = this.#pending.filter((r) => r !== roomId);
    this.#dispatch(roomId, { type: 'failed', code: msg.code, message: msg.error, ...(msg.reason !== undefined ? { reason: msg.reason } : {}) });
    return true;
  }

  #dispatch(roomId: string, action: RoomAction): void {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    const step = reduceRoom(entry.channel, action);
    if (step.channel !== entry.channel) {
      entry.channel = step.channel;
      this.#changed();
    }
    if (step.resubscribe) this.#subscribe(roomId);
  }

  #subscribe(roomId: string): void {
    if (!this.#link.authenticated) return;
    if (!this.#pending.includes(roomId)) this.#pending.push(roomId);
    this.#dispatch(roomId, { type: 'subscribing' });
    this.#link.send({ type: 'subscribe', room: roomId });
  }
}

function roomIdOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const roomId = (payload as { roomId?: unknown }).roomId;
  return typeof roomId === 'string' ? roomId : null;
}
