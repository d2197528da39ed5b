import { CloseCodes, type ErrorCode, PROTOCOL_VERSION, type RoomSnapshot, parseClientFrame, serverMessage, type ServerMessage } from '@repo/protocol';
import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import { ALL_TOPIC, type BusMessage, type LostAccess, type Revocation, roomTopic, userTopic } from './event-bus.ts';
import { PreparedFrame } from './prepared-frame.ts';

/** What the hub needs from a socket; crossws peers are adapted to this in ws-hooks.ts. */
export interface Connection {
  readonly id: string;
  send(frame: string): void;
  /**
   * Writes a frame shared by every target of an event. Optional: a connection without it gets
   * `frame.text` through `send`. ws-hooks.ts writes `frame.wire` straight to the socket.
   */
  sendPrepared?(frame: PreparedFrame): void;
  close(code: number, reason: string): void;
  /** Bytes queued in the socket, not yet written to the network. */
  bufferedAmount(): number;
  ping(): void;
  terminate(): void;
}

export const HubDefaults = {
  authDeadlineMs: 5_000,
  heartbeatIntervalMs: 15_000,
  /**
   * The heartbeat pings a slice of the connections every this many ms, so that each is pinged once
   * per interval without 10k pings (10k socket writes) in one event-loop turn every 15 s.
   */
  heartbeatSliceMs: 100,
  /** Missed pongs before a connection is dropped (R-RT5). */
  maxMissedPongs: 2,
  /** A socket with more than this queued is a slow consumer: closed, never waited for (R-RT6). */
  maxBufferedBytes: 1024 * 1024,
  maxConnectionsPerUser: 10,
  maxSubscriptionsPerConnection: 20,
  /** Inbound frames: a burst of this many, refilled at `framesPerSecond` (R-RT7). */
  frameBurst: 40,
  framesPerSecond: 20,
} as const;

export type HubTuning = { -readonly [K in keyof typeof HubDefaults]: number };

const CLOSED_MESSAGE = 'This room has been closed.';
const FORBIDDEN_MESSAGE = 'You cannot watch this room.';

export type ViewAccess = 'allowed' | LostAccess;

export interface HubOptions {
  log: Logger;
  clock: Clock;
  /** The user id in a valid WS token, or null. */
  verifyToken(token: string): Promise<string | null>;
  /** May the user watch the room? `closed`: the room existed and was closed (the answer tells the tab it is gone). */
  viewAccess(roomId: string, userId: string): Promise<ViewAccess>;
  snapshot(roomId: string): Promise<RoomSnapshot | null>;
  /** The Discord connection's status, sent to every new connection (R-RT9). */
  gatewayStatus(): { live: boolean; state: string };
  /** Viewer counts per room, for room activity (cleanup). */
  onViewersChanged?(roomId: string, viewers: number, arrived: boolean): void;
  /** Counters for metrics. */
  onStat?(stat: HubStat): void;
  tuning?: Partial<HubTuning>;
}

export type HubStat =
  | { kind: 'delivered'; event: string; frames: number; latencyMs: number | null }
  | { kind: 'slow-consumer' }
  | { kind: 'protocol-violation' }
  | { kind: 'auth-failed' };

interface ConnState {
  conn: Connection;
  userId: string | null;
  rooms: Set<string>;
  /**
   * Room subscriptions waiting for their snapshot: events are held here, then filtered by seq.
   * Null between subscribes, so an idle connection does not carry an empty Map.
   */
  pending: Map<string, BusMessage[]> | null;
  authTimer: (() => void) | undefined;
  missedPongs: number;
  tokens: number;
  tokensAt: number;
  closed: boolean;
  /** Frames are handled one after another: a client may send auth and subscribe back to back. */
  inbox: Promise<void>;
  /** A revocation arrived while this connection's subscribe was checking access: check again. */
  recheck: boolean;
}

/**
 * Connections, subscriptions and fan-out (R-RT1…R-RT7). It knows nothing of Discord: envelopes go
 * from the event bus to the connections subscribed to a topic. Each event is serialized once and the
 * same string is written to every target.
 */
export class Hub {
  readonly #o: HubOptions;
  readonly #t: HubTuning;
  readonly #conns = new Map<string, ConnState>();
  readonly #byUser = new Map<string, Set<ConnState>>();
  readonly #byRoom = new Map<string, Set<ConnState>>();
  /** Connections whose subscribe to a room is waiting for its access check (not in #byRoom yet). */
  readonly #checking = new Map<string, Set<ConnState>>();
  #stopHeartbeat: (() => void) | undefined;
  /** The heartbeat round in progress: a live iterator over the connections, and how far it got. */
  #round: { connections: Iterator<ConnState>; size: number; done: number; slice: number } | undefined;

  constructor(options: HubOptions) {
    this.#o = options;
    this.#t = { ...HubDefaults, ...options.tuning };
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const set of this.#byRoom.values()) n += set.size;
    return n;
  }

  viewers(roomId: string): number {
    return this.#byRoom.get(roomId)?.size ?? 0;
  }

  start(): void {
    const sliceMs = Math.min(this.#t.heartbeatSliceMs, this.#t.heartbeatIntervalMs);
    this.#stopHeartbeat ??= this.#o.clock.setInterval(() => this.#heartbeatSlice(), sliceMs);
  }

  open(conn: Connection): void {
    const state: ConnState = {
      conn,
      userId: null,
      rooms: new Set(),
      pending: null,
      authTimer: undefined,
      missedPongs: 0,
      tokens: this.#t.frameBurst,
      tokensAt: this.#o.clock.now(),
      closed: false,
      inbox: Promise.resolve(),
      recheck: false,
    };
    state.authTimer = this.#o.clock.setTimeout(() => {
      if (state.userId === null) this.#closeWith(state, CloseCodes.AuthTimeout, 'no auth message in time');
    }, this.#t.authDeadlineMs);
    this.#conns.set(conn.id, state);
  }

  pong(connectionId: string): void {
    const state = this.#conns.get(connectionId);
    if (state) state.missedPongs = 0;
  }

  /** The socket closed (either side): forget it everywhere. */
  close(connectionId: string): void {
    const state = this.#conns.get(connectionId);
    if (!state) return;
    state.closed = true;
    state.authTimer?.();
    this.#conns.delete(connectionId);
    if (state.userId) {
      const set = this.#byUser.get(state.userId);
      set?.delete(state);
      if (set?.size === 0) this.#byUser.delete(state.userId);
    }
    for (const roomId of state.rooms) this.#leaveRoom(state, roomId);
  }

  message(connectionId: string, raw: string): Promise<void> {
    const state = this.#conns.get(connectionId);
    if (!state || state.closed) return Promise.resolve();
    // Flooding is judged on arrival, not after the queue.
    if (!this.#takeToken(state)) {
      this.#violation(state, 'more than 20 frames per second');
      return Promise.resolve();
    }
    state.inbox = state.inbox.then(() => this.#handle(state, raw)).catch((error: unknown) => {
      this.#o.log.error({ err: error, connectionId }, 'handling a frame failed');
    });
    return state.inbox;
  }

  async #handle(state: ConnState, raw: string): Promise<void> {
    if (state.closed) return;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.#violation(state, parsed.error);
      return;
    }
    const msg = parsed.message;
    if (msg.type === 'ping') {
      this.#send(state, serverMessage({ type: 'pong' }, this.#o.clock.now()));
      return;
    }
    if (msg.type === 'auth') {
      await this.#auth(state, msg.token);
      return;
    }
    if (state.userId === null) {
      this.#violation(state, `"${msg.type}" before "auth"`);
      return;
    }
    if (msg.type === 'subscribe') await this.#subscribe(state, msg.room);
    else this.#unsubscribe(state, msg.room);
  }

  /** Delivers one bus message to the connections on its topic. */
  deliver(message: BusMessage): void {
    const topic = message.topic;
    const all = topic === ALL_TOPIC;
    const roomId = topic.startsWith('room:') ? topic.slice(5) : null;
    const targets: Iterable<ConnState> | undefined = all
      ? this.#conns.values()
      : roomId !== null
        ? this.#byRoom.get(roomId)
        : topic.startsWith('user:')
          ? this.#byUser.get(topic.slice(5))
          : undefined;
    if (!targets || (!all && (targets as Set<ConnState>).size === 0)) return;

    // Serialized once, framed at most once, whatever the number of targets (R-RT6).
    const frame = serializeEvent(message, this.#o.clock.now());
    let frames = 0;
    // A slow consumer cut mid-loop is deleted from these collections; JS iteration allows that.
    for (const state of targets) {
      if (roomId !== null && state.pending !== null && state.pending.size !== 0) {
        const pending = state.pending.get(roomId);
        if (pending) {
          pending.push(message);
          continue;
        }
      }
      if (state.userId === null && !all) continue;
      if (this.#write(state, frame)) frames++;
    }
    const receivedAt = typeof message.payload.receivedAt === 'number' ? message.payload.receivedAt : null;
    this.#o.onStat?.({ kind: 'delivered', event: message.event, frames, latencyMs: receivedAt === null ? null : this.#o.clock.now() - receivedAt });
  }

  /**
   * Ends access to a room topic (R-RT3), at its place in the topic's stream: the user's connections
   * (everyone's when `userId` is null) leave the room and get the frame a subscribe would get now.
   * Held events of a subscription still waiting for its snapshot go with it, so nothing published
   * after the revocation reaches them.
   */
  revoke(revocation: Revocation): void {
    const { topic, userId, access } = revocation;
    if (!topic.startsWith('room:')) return;
    const roomId = topic.slice(5);
    // A subscribe may have read the access before the change that caused this: it reads it again.
    for (const state of this.#checking.get(roomId) ?? []) if (userId === null || state.userId === userId) state.recheck = true;
    const candidates = userId === null ? this.#byRoom.get(roomId) : this.#byUser.get(userId);
    if (!candidates) return;
    for (const state of [...candidates]) {
      if (!state.rooms.has(roomId)) continue;
      this.#leaveRoom(state, roomId);
      this.#refuse(state, roomId, access);
    }
  }

  /** Close everything, telling clients to come back (deploys, SIGTERM). */
  closeAll(): void {
    this.#stopHeartbeat?.();
    this.#stopHeartbeat = undefined;
    this.#round = undefined;
    for (const state of [...this.#conns.values()]) this.#closeWith(state, CloseCodes.GoingAway, 'server going away');
  }

  // ---- internals --------------------------------------------------------------------------------

  async #auth(state: ConnState, token: string): Promise<void> {
    if (state.userId !== null) {
      this.#violation(state, 'already authenticated');
      return;
    }
    const userId = await this.#o.verifyToken(token);
    if (state.closed) return;
    if (userId === null) {
      this.#o.onStat?.({ kind: 'auth-failed' });
      this.#sendError(state, 'unauthenticated', 'The token is invalid or expired. Fetch a new one and reconnect.');
      this.#closeWith(state, CloseCodes.BadToken, 'bad token');
      return;
    }
    const mine = this.#byUser.get(userId) ?? new Set<ConnState>();
    if (mine.size >= this.#t.maxConnectionsPerUser) {
      this.#sendError(state, 'rate_limited', `At most ${this.#t.maxConnectionsPerUser} open tabs per user.`);
      this.#closeWith(state, CloseCodes.TooManyConnections, 'too many connections');
      return;
    }
    state.authTimer?.();
    state.authTimer = undefined;
    state.userId = userId;
    mine.add(state);
    this.#byUser.set(userId, mine);
    const now = this.#o.clock.now();
    this.#send(state, serverMessage({ type: 'ack', event: 'auth.ok', userId }, now));
    this.#send(state, serverMessage({ type: 'event', event: 'gateway.status', payload: this.#o.gatewayStatus() }, now));
  }

  async #subscribe(state: ConnState, roomId: string): Promise<void> {
    const userId = state.userId!;
    if (state.rooms.has(roomId)) {
      // A resubscribe (the client saw a gap): a fresh snapshot, same subscription.
      this.#leaveRoom(state, roomId);
    } else if (state.rooms.size >= this.#t.maxSubscriptionsPerConnection) {
      this.#sendError(state, 'rate_limited', `At most ${this.#t.maxSubscriptionsPerConnection} rooms per connection.`, roomId);
      return;
    }
    const access = await this.#checkAccess(state, roomId, userId);
    if (state.closed) return;
    if (access !== 'allowed') {
      // Same answer for "does not exist" and "not yours": nothing about the room leaks. A closed
      // room gets the answer a subscribe racing its closing gets below: a tab that subscribes
      // after the room.deleted went out must still learn that the room is gone.
      this.#refuse(state, roomId, access);
      return;
    }
    // Join first and hold events until the snapshot is out, so none falls between the two.
    state.rooms.add(roomId);
    (state.pending ??= new Map()).set(roomId, []);
    const set = this.#byRoom.get(roomId) ?? new Set<ConnState>();
    set.add(state);
    this.#byRoom.set(roomId, set);
    this.#o.onViewersChanged?.(roomId, set.size, true);

    const snapshot = await this.#o.snapshot(roomId);
    // Revoked while the snapshot was built: the revocation already told the client and dropped the held events.
    if (state.closed || !state.rooms.has(roomId)) return;
    const held = state.pending?.get(roomId) ?? [];
    state.pending?.delete(roomId);
    if (state.pending?.size === 0) state.pending = null;
    if (!snapshot) {
      this.#leaveRoom(state, roomId);
      this.#sendError(state, 'not_found', CLOSED_MESSAGE, roomId);
      return;
    }
    const now = this.#o.clock.now();
    this.#send(state, serverMessage({ type: 'ack', event: 'subscribed', room: roomId }, now));
    this.#send(state, serverMessage({ type: 'event', event: 'room.snapshot', payload: snapshot }, now));
    for (const message of held) {
      if (message.seq !== null && message.seq <= snapshot.seq) continue;
      this.#write(state, serializeEvent(message, now));
    }
  }

  /**
   * The access check of a subscribe. A revocation for this room and user that arrives while it
   * runs means the answer may predate the change (the store was read before it was written), so
   * the check runs again; the join that follows it is synchronous, so later revocations find the
   * connection in the room.
   */
  async #checkAccess(state: ConnState, roomId: string, userId: string): Promise<ViewAccess> {
    const checking = this.#checking.get(roomId) ?? new Set<ConnState>();
    checking.add(state);
    this.#checking.set(roomId, checking);
    try {
      let access: ViewAccess;
      do {
        state.recheck = false;
        access = await this.#o.viewAccess(roomId, userId);
      } while (state.recheck && access === 'allowed' && !state.closed);
      return access;
    } finally {
      state.recheck = false;
      checking.delete(state);
      if (checking.size === 0 && this.#checking.get(roomId) === checking) this.#checking.delete(roomId);
    }
  }

  /** The frame for a room this connection may not (or no longer) watch: the same for a refused subscribe and a revocation. */
  #refuse(state: ConnState, roomId: string, access: LostAccess): void {
    if (access === 'closed') this.#sendError(state, 'not_found', CLOSED_MESSAGE, roomId);
    else this.#sendError(state, 'forbidden', FORBIDDEN_MESSAGE, roomId);
  }

  #unsubscribe(state: ConnState, roomId: string): void {
    if (state.rooms.has(roomId)) this.#leaveRoom(state, roomId);
  }

  #leaveRoom(state: ConnState, roomId: string): void {
    state.rooms.delete(roomId);
    state.pending?.delete(roomId);
    if (state.pending?.size === 0) state.pending = null;
    const set = this.#byRoom.get(roomId);
    if (!set?.delete(state)) return;
    if (set.size === 0) this.#byRoom.delete(roomId);
    this.#o.onViewersChanged?.(roomId, set.size, false);
  }

  /** Writes a prepared frame unless the socket is backed up; a slow consumer is cut, not waited for. */
  #write(state: ConnState, frame: PreparedFrame): boolean {
    if (state.closed) return false;
    if (state.conn.bufferedAmount() > this.#t.maxBufferedBytes) {
      this.#o.onStat?.({ kind: 'slow-consumer' });
      // warn: an operator wants to see clients being cut (rare by nature: once per connection).
      this.#o.log.warn({ connectionId: state.conn.id, userId: state.userId, buffered: state.conn.bufferedAmount() }, 'slow consumer closed');
      this.#closeWith(state, CloseCodes.SlowConsumer, 'send buffer over 1 MB', true);
      return false;
    }
    const conn = state.conn;
    if (conn.sendPrepared) conn.sendPrepared(frame);
    else conn.send(frame.text);
    return true;
  }

  #send(state: ConnState, message: ServerMessage): void {
    this.#write(state, new PreparedFrame(JSON.stringify(message)));
  }

  /** `room`: the subscribe this error refuses. */
  #sendError(state: ConnState, code: ErrorCode, error: string, room?: string): void {
    this.#send(state, serverMessage({ type: 'error', code, error, ...(room === undefined ? {} : { room }) }, this.#o.clock.now()));
  }

  #violation(state: ConnState, reason: string): void {
    this.#o.onStat?.({ kind: 'protocol-violation' });
    this.#o.log.info({ connectionId: state.conn.id, userId: state.userId, reason }, 'protocol violation, closing');
    this.#sendError(state, 'bad_request', reason);
    this.#closeWith(state, CloseCodes.ProtocolViolation, reason);
  }

  #closeWith(state: ConnState, code: { code: number; reason: string }, detail: string, terminate = false): void {
    if (state.closed) return;
    this.#o.log.debug({ connectionId: state.conn.id, code: code.code, detail }, 'closing connection');
    this.close(state.conn.id);
    state.conn.close(code.code, code.reason);
    // A slow consumer's backlog would hold the close frame too: drop the socket now.
    if (terminate) state.conn.terminate();
  }

  #takeToken(state: ConnState): boolean {
    const now = this.#o.clock.now();
    state.tokens = Math.min(this.#t.frameBurst, state.tokens + ((now - state.tokensAt) / 1000) * this.#t.framesPerSecond);
    state.tokensAt = now;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  /**
   * One slice of a heartbeat round (R-RT5). A round visits every connection once per
   * `heartbeatIntervalMs`, a proportional share per slice: a connection whose two previous pings
   * went unanswered is dropped, the others are pinged. Its pong resets the count before its turn
   * comes round again, one interval later.
   */
  #heartbeatSlice(): void {
    const slices = Math.max(1, Math.round(this.#t.heartbeatIntervalMs / Math.min(this.#t.heartbeatSliceMs, this.#t.heartbeatIntervalMs)));
    let round = this.#round;
    if (!round || round.slice >= slices) {
      // Map iterators are live: connections opened during the round are visited too, closed ones skipped.
      round = this.#round = { connections: this.#conns.values(), size: this.#conns.size, done: 0, slice: 0 };
    }
    round.slice++;
    const due = Math.ceil((round.size * round.slice) / slices);
    while (round.done < due) {
      const next = round.connections.next();
      if (next.done) {
        round.done = due;
        break;
      }
      round.done++;
      const state = next.value;
      if (state.closed) continue;
      if (state.missedPongs >= this.#t.maxMissedPongs) {
        this.#o.log.debug({ connectionId: state.conn.id }, 'missed heartbeats, dropping');
        this.close(state.conn.id);
        state.conn.terminate();
        continue;
      }
      state.missedPongs++;
      state.conn.ping();
    }
  }
}

/** The one serialization of a bus message, written as-is to every target. */
function serializeEvent(message: BusMessage, now: number): PreparedFrame {
  const payload = message.seq === null ? message.payload : { ...message.payload, seq: message.seq };
  return new PreparedFrame(JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event: message.event, payload, ts: now }));
}

export { roomTopic, userTopic };
