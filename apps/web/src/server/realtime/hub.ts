import { CloseCodes, type ErrorCode, PROTOCOL_VERSION, type RevocationReason, SubscribeRefusals, eventMessage, parseClientFrame, serverMessage, type ServerMessage } from '@repo/protocol';
import { ALL_TOPIC, type BusMessage, type LostAccess, type Revocation, userTopic } from './event-bus.ts';
import { HeartbeatRounds } from './heartbeat.ts';
import { type Connection, HubDefaults, type HubOptions, type HubTuning, type ViewAccess } from './hub-options.ts';
import { PreparedFrame } from './prepared-frame.ts';
import { TopicMembers } from './topic-members.ts';

export { HubDefaults, type Connection, type HubOptions, type HubStat, type HubTuning, type ViewAccess } from './hub-options.ts';

interface ConnState {
  conn: Connection;
  userId: string | null;
  /** Subscriptions: the topic → the name the client subscribed by (its frames name it). */
  streams: Map<string, string>;
  /**
   * Subscriptions waiting for their snapshot, by topic: events are held here, then filtered by seq.
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
 * Connections, subscriptions and fan-out (R-RT1…R-RT7): the server end of the wire protocol. It
 * knows nothing of Discord, and reads no topic: envelopes go from the event bus to the connections
 * on their topic, which a connection joins by signing in (its user's topic) or by subscribing (the
 * topic `streamTopic` names); every connection is on the connection-wide topic. Each event is
 * serialized once and the same string is written to every target.
 */
export class Hub {
  readonly #o: HubOptions;
  readonly #t: HubTuning;
  readonly #conns = new Map<string, ConnState>();
  /** Connections on each topic: a user's connections on their user topic, subscribers on a stream's. */
  readonly #byTopic = new TopicMembers<ConnState>();
  /** Connections whose subscribe is waiting for its access check (not on the topic yet), by topic. */
  readonly #checking = new TopicMembers<ConnState>();
  readonly #heartbeat: HeartbeatRounds<ConnState>;
  #subscriptions = 0;
  #stopHeartbeat: (() => void) | undefined;

  constructor(options: HubOptions) {
    this.#o = options;
    this.#t = { ...HubDefaults, ...options.tuning };
    this.#heartbeat = new HeartbeatRounds({
      intervalMs: this.#t.heartbeatIntervalMs,
      sliceMs: this.#t.heartbeatSliceMs,
      members: this.#conns,
      visit: (state) => this.#heartbeatVisit(state),
    });
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  get subscriptionCount(): number {
    return this.#subscriptions;
  }

  /** Connections subscribed by this name (a room's viewers). */
  viewers(name: string): number {
    return this.#byTopic.get(this.#o.streamTopic(name))?.size ?? 0;
  }

  start(): void {
    const sliceMs = HeartbeatRounds.sliceMs(this.#t.heartbeatIntervalMs, this.#t.heartbeatSliceMs);
    this.#stopHeartbeat ??= this.#o.clock.setInterval(() => this.#heartbeat.slice(), sliceMs);
  }

  open(conn: Connection): void {
    const state: ConnState = {
      conn,
      userId: null,
      streams: new Map(),
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
    if (state.userId) this.#byTopic.remove(userTopic(state.userId), state);
    for (const topic of state.streams.keys()) this.#leave(state, topic);
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
    const all = message.topic === ALL_TOPIC;
    const targets: Iterable<ConnState> | undefined = all ? this.#conns.values() : this.#byTopic.get(message.topic);
    if (!targets) return;

    // Serialized once, framed at most once, whatever the number of targets (R-RT6).
    const frame = serializeEvent(message, this.#o.clock.now());
    let frames = 0;
    // A slow consumer cut mid-loop is deleted from these collections; JS iteration allows that.
    for (const state of targets) {
      if (state.pending !== null && state.pending.size !== 0) {
        const pending = state.pending.get(message.topic);
        if (pending) {
          pending.push(message);
          continue;
        }
      }
      if (state.userId === null && !all) continue;
      if (this.#write(state, frame)) frames++;
    }
    const receivedAt = 'receivedAt' in message.payload ? (message.payload.receivedAt ?? null) : null;
    this.#o.onStat?.({ kind: 'delivered', event: message.event, frames, latencyMs: receivedAt === null ? null : this.#o.clock.now() - receivedAt });
  }

  /**
   * Ends access to a topic (R-RT3), at its place in the topic's stream: the user's subscriptions on
   * it (everyone's when `userId` is null) end, each with the frame a subscribe would get now. Held
   * events of a subscription still waiting for its snapshot go with it, so nothing published after
   * the revocation reaches them. A topic nobody subscribes to (a user's own) is left as it is.
   */
  revoke(revocation: Revocation): void {
    const { topic, userId, access, reason } = revocation;
    // A subscribe may have read the access before the change that caused this: it reads it again.
    for (const state of this.#checking.get(topic) ?? []) if (userId === null || state.userId === userId) state.recheck = true;
    const subscribers = this.#byTopic.get(topic);
    if (!subscribers) return;
    for (const state of [...subscribers]) {
      if (userId !== null && state.userId !== userId) continue;
      const name = state.streams.get(topic);
      if (name === undefined) continue;
      this.#leave(state, topic);
      this.#refuse(state, name, access, reason);
    }
  }

  /** Close everything, telling clients to come back (deploys, SIGTERM). */
  closeAll(): void {
    this.#stopHeartbeat?.();
    this.#stopHeartbeat = undefined;
    this.#heartbeat.reset();
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
    const mine = userTopic(userId);
    if ((this.#byTopic.get(mine)?.size ?? 0) >= this.#t.maxConnectionsPerUser) {
      this.#sendError(state, 'rate_limited', `At most ${this.#t.maxConnectionsPerUser} open tabs per user.`);
      this.#closeWith(state, CloseCodes.TooManyConnections, 'too many connections');
      return;
    }
    state.authTimer?.();
    state.authTimer = undefined;
    state.userId = userId;
    this.#byTopic.add(mine, state);
    const now = this.#o.clock.now();
    this.#send(state, serverMessage({ type: 'ack', event: 'auth.ok', userId }, now));
    this.#send(state, eventMessage({ event: 'gateway.status', payload: this.#o.gatewayStatus() }, now));
  }

  async #subscribe(state: ConnState, name: string): Promise<void> {
    const userId = state.userId!;
    const topic = this.#o.streamTopic(name);
    if (state.streams.has(topic)) {
      // A resubscribe (the client saw a gap): a fresh snapshot, same subscription.
      this.#leave(state, topic);
    } else if (state.streams.size >= this.#t.maxSubscriptionsPerConnection) {
      this.#sendError(state, 'rate_limited', `At most ${this.#t.maxSubscriptionsPerConnection} rooms per connection.`, name);
      return;
    }
    const access = await this.#checkAccess(state, topic, name, userId);
    if (state.closed) return;
    if (access !== 'allowed') {
      // Same answer for "does not exist" and "not yours": nothing leaks. A closed one gets the answer
      // a subscribe racing its closing gets below: a tab that subscribes after the last event went
      // out must still learn that it is gone.
      this.#refuse(state, name, access);
      return;
    }
    // Join first and hold events until the snapshot is out, so none falls between the two.
    state.streams.set(topic, name);
    (state.pending ??= new Map()).set(topic, []);
    const viewers = this.#byTopic.add(topic, state);
    this.#subscriptions++;
    this.#o.onViewersChanged?.(name, viewers, true);

    const snapshot = await this.#o.snapshot(name);
    // Revoked while the snapshot was built: the revocation already told the client and dropped the held events.
    if (state.closed || !state.streams.has(topic)) return;
    const held = state.pending?.get(topic) ?? [];
    state.pending?.delete(topic);
    if (state.pending?.size === 0) state.pending = null;
    if (!snapshot) {
      this.#leave(state, topic);
      this.#refuse(state, name, 'closed');
      return;
    }
    const now = this.#o.clock.now();
    this.#send(state, serverMessage({ type: 'ack', event: 'subscribed', room: name }, now));
    this.#send(state, eventMessage({ event: 'room.snapshot', payload: snapshot }, now));
    for (const message of held) {
      if (message.seq !== null && message.seq <= snapshot.seq) continue;
      this.#write(state, serializeEvent(message, now));
    }
  }

  /**
   * The access check of a subscribe. A revocation for this topic and user that arrives while it
   * runs means the answer may predate the change (the store was read before it was written), so
   * the check runs again; the join that follows it is synchronous, so later revocations find the
   * connection on the topic.
   */
  async #checkAccess(state: ConnState, topic: string, name: string, userId: string): Promise<ViewAccess> {
    this.#checking.add(topic, state);
    try {
      let access: ViewAccess;
      do {
        state.recheck = false;
        access = await this.#o.viewAccess(name, userId);
      } while (state.recheck && access === 'allowed' && !state.closed);
      return access;
    } finally {
      state.recheck = false;
      this.#checking.remove(topic, state);
    }
  }

  /** The frame for what this connection may not (or no longer) watch: the same for a refused subscribe and a revocation. */
  #refuse(state: ConnState, name: string, access: LostAccess, reason?: RevocationReason): void {
    this.#sendError(state, SubscribeRefusals[access].code, SubscribeRefusals[access].error, name, reason);
  }

  #unsubscribe(state: ConnState, name: string): void {
    const topic = this.#o.streamTopic(name);
    if (state.streams.has(topic)) this.#leave(state, topic);
  }

  /** Ends one subscription of a connection. */
  #leave(state: ConnState, topic: string): void {
    const name = state.streams.get(topic);
    if (name === undefined) return;
    state.streams.delete(topic);
    state.pending?.delete(topic);
    if (state.pending?.size === 0) state.pending = null;
    const viewers = this.#byTopic.remove(topic, state);
    if (viewers === null) return;
    this.#subscriptions--;
    this.#o.onViewersChanged?.(name, viewers, false);
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

  /** `room`: the subscribe this error refuses. `reason`: why access ended (removed, left); only a revocation knows it. */
  #sendError(state: ConnState, code: ErrorCode, error: string, room?: string, reason?: RevocationReason): void {
    const extra = { ...(room === undefined ? {} : { room }), ...(reason === undefined ? {} : { reason }) };
    this.#send(state, serverMessage({ type: 'error', code, error, ...extra }, this.#o.clock.now()));
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
   * A connection's turn in a heartbeat round (R-RT5): one whose two previous pings went unanswered
   * is dropped, the others are pinged. Its pong resets the count before its turn comes round
   * again, one interval later.
   */
  #heartbeatVisit(state: ConnState): void {
    if (state.closed) return;
    if (state.missedPongs >= this.#t.maxMissedPongs) {
      this.#o.log.debug({ connectionId: state.conn.id }, 'missed heartbeats, dropping');
      this.close(state.conn.id);
      state.conn.terminate();
      return;
    }
    state.missedPongs++;
    state.conn.ping();
  }
}

/** The one serialization of a bus message, written as-is to every target: a room event gets its seq in its payload. */
function serializeEvent(message: BusMessage, now: number): PreparedFrame {
  const payload = message.seq === null ? message.payload : { ...message.payload, seq: message.seq };
  return new PreparedFrame(JSON.stringify({ v: PROTOCOL_VERSION, type: 'event', event: message.event, payload, ts: now }));
}
