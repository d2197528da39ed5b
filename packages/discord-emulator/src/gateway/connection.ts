import { GatewayDispatchEvents, GatewayOpcodes, type GatewayGuildMembersChunkDispatchData } from 'discord-api-types/v10';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod';
import { clientCloseEndsSession, Closes, type GatewayClose } from './close-codes.ts';
import type { TransportCompression } from './connection-params.ts';
import { createFrameWriter, type FrameWriter } from './frame-writer.ts';
import type { GatewayStateSource } from './gateway-state.ts';
import { authorizeIdentify, authorizeResume, sendInitialDispatches } from './handshake.ts';
import { InboundRateLimit } from './inbound-rate-limit.ts';
import {
  envelopeSchema,
  heartbeatSchema,
  identifySchema,
  MAX_INBOUND_FRAME_BYTES,
  presenceUpdateSchema,
  requestGuildMembersSchema,
  requestSoundboardSoundsSchema,
  resumeSchema,
  voiceStateUpdateSchema,
  type RequestGuildMembersData,
} from './inbound-frames.ts';
import { OutboundFrames } from './outbound-frames.ts';
import type { DispatchSink, GatewaySession } from './session.ts';
import type { SessionRegistry } from './session-registry.ts';
import type { SessionStartLimit } from './session-start-limit.ts';
import { shardOfGuild } from './sharding.ts';

/** What every connection shares, handed over by the server. */
export interface ConnectionContext {
  state: GatewayStateSource;
  sessions: SessionRegistry;
  heartbeatIntervalMs: number;
  /** How long a fresh socket (or one whose session was invalidated) may stay without IDENTIFY/RESUME. */
  identifyTimeoutMs: number;
  resumeGatewayUrl: string;
  now: () => number;
  /** Each accepted IDENTIFY takes one start; at 0 the IDENTIFY is refused. */
  sessionStartLimit: SessionStartLimit;
  /** More guilds than this on the identified shard → 4011. */
  maxGuildsPerShard: number;
  onIdentify(): void;
  onResume(): void;
  onClosed(connection: GatewayConnection): void;
}

/**
 * Discord closes a connection whose heartbeats stop; the emulator first asks for one (op 1) when a
 * heartbeat is a quarter interval late, then closes with 4009 at one and a half intervals.
 */
const HEARTBEAT_REQUEST_AFTER = 1.25;
const HEARTBEAT_TIMEOUT_AFTER = 1.5;

/** Discord sends at most 1,000 members per GUILD_MEMBERS_CHUNK. */
const MEMBERS_PER_CHUNK = 1000;

/**
 * One WebSocket speaking Gateway v10: HELLO, then IDENTIFY or RESUME, then heartbeats and
 * dispatches. It holds at most one session at a time and hands it back to the registry when the
 * socket goes away, so the session can be resumed from another socket. Deadlines are checked on
 * `tick()` against the injected clock, so tests move time instead of sleeping.
 */
export class GatewayConnection implements DispatchSink {
  readonly #ws: WebSocket;
  readonly #ctx: ConnectionContext;
  readonly #out: FrameWriter;
  readonly #rateLimit = new InboundRateLimit();
  #session: GatewaySession | null = null;
  #authDeadline: number;
  #deadlineClose: GatewayClose = Closes.notAuthenticated('Not authenticated: no IDENTIFY or RESUME in time');
  #lastHeartbeatAt: number;
  #heartbeatRequested = false;
  /** After a `gateway.zombie` fault: the socket stays open but the server never writes to it again. */
  #zombie = false;
  /** Set once the server or the client started closing; nothing is read or written after that. */
  #closing = false;

  constructor(ws: WebSocket, compression: TransportCompression, ctx: ConnectionContext) {
    this.#ws = ws;
    this.#ctx = ctx;
    this.#out = createFrameWriter(ws, compression);
    const now = ctx.now();
    this.#authDeadline = now + ctx.identifyTimeoutMs;
    this.#lastHeartbeatAt = now;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', (code) => this.#onSocketClosed(code));
    // 'error' precedes 'close'; without a listener ws would rethrow it and crash the emulator.
    ws.on('error', () => {});
    this.#out.send(OutboundFrames.hello(ctx.heartbeatIntervalMs));
  }

  deliver(frame: string): void {
    if (this.#closing || this.#zombie) return;
    this.#out.send(frame);
  }

  tick(now: number): void {
    if (this.#closing || this.#zombie) return;
    if (!this.#session && now >= this.#authDeadline) {
      this.#closeWith(this.#deadlineClose);
      return;
    }
    const silence = now - this.#lastHeartbeatAt;
    const interval = this.#ctx.heartbeatIntervalMs;
    if (silence > interval * HEARTBEAT_TIMEOUT_AFTER) {
      this.#closeWith(Closes.sessionTimedOut());
    } else if (silence > interval * HEARTBEAT_REQUEST_AFTER && !this.#heartbeatRequested) {
      this.#heartbeatRequested = true;
      this.#out.send(OutboundFrames.heartbeatRequest());
    }
  }

  // ------------------------------------------------------------------ faults (true if this socket was affected)

  /** `gateway.drop`: the TCP connection vanishes; the client sees 1006 and the session stays resumable. */
  drop(): boolean {
    if (this.#closing || !this.#session) return false;
    this.cutOff();
    return true;
  }

  /** A gateway outage: the TCP connection vanishes whatever phase it is in; a session stays resumable. */
  cutOff(): boolean {
    if (this.#closing) return false;
    // The socket's 'close' event comes a tick later; the session is let go now so a second fault
    // (or a RESUME racing the close) already sees it disconnected.
    this.#closing = true;
    this.#releaseSession(true);
    this.#ws.terminate();
    return true;
  }

  /** `gateway.zombie`: stop writing (no ACKs, no dispatches); dispatches keep buffering for a RESUME. */
  becomeZombie(): boolean {
    if (this.#closing || !this.#session || this.#zombie) return false;
    this.#zombie = true;
    return true;
  }

  /** `gateway.reconnect`: op 7. The session is let go at once so it buffers until the client resumes. */
  requestReconnect(): boolean {
    if (this.#closing || this.#zombie || !this.#session) return false;
    this.#out.send(OutboundFrames.reconnect());
    this.#releaseSession(true);
    // A client that ignores op 7 is cut off after one heartbeat interval, resumably.
    this.#awaitAuthentication(this.#ctx.heartbeatIntervalMs, Closes.unknownError('Reconnect requested'));
    return true;
  }

  /** `gateway.invalidSession`: op 9. Not resumable → the session is gone and the client must IDENTIFY. */
  invalidateSession(resumable: boolean): boolean {
    if (this.#closing || this.#zombie || !this.#session) return false;
    this.#out.send(OutboundFrames.invalidSession(resumable));
    this.#releaseSession(resumable);
    this.#awaitAuthentication(this.#ctx.identifyTimeoutMs);
    return true;
  }

  /** Emulator shutdown: Discord's "going away". */
  shutdown(): void {
    this.#closeWith({ code: 1001, reason: 'Emulator shutting down', keepsSession: true });
  }

  terminate(): void {
    this.#ws.terminate();
  }

  /** Another socket resumed this connection's session: this one loses it and is closed resumably. */
  supersede(): void {
    this.#session = null;
    this.#closeWith(Closes.unknownError('Session resumed on another connection'));
  }

  // ------------------------------------------------------------------ inbound

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    const now = this.#ctx.now();
    if (!this.#rateLimit.take(now)) {
      this.#closeWith(Closes.rateLimited());
      return;
    }
    const text = rawToText(data);
    if (Buffer.byteLength(text) > MAX_INBOUND_FRAME_BYTES) {
      this.#closeWith(Closes.decodeError(`payload larger than ${MAX_INBOUND_FRAME_BYTES} bytes`));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#closeWith(Closes.decodeError(isBinary ? 'binary frame is not JSON' : 'frame is not JSON'));
      return;
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      this.#closeWith(Closes.decodeError('expected an object with a numeric "op"'));
      return;
    }
    const { op, d } = envelope.data;
    if (this.#zombie) {
      // The server still reads (the client's heartbeats keep the socket from timing out); it just never answers.
      if (op === GatewayOpcodes.Heartbeat) this.#lastHeartbeatAt = now;
      return;
    }
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        return this.#onHeartbeat(d, now);
      case GatewayOpcodes.Identify:
        return this.#onIdentify(d);
      case GatewayOpcodes.Resume:
        return this.#onResume(d);
      case GatewayOpcodes.PresenceUpdate:
        // Accepted and dropped: the emulator models no presences.
        return this.#whenAuthenticated(presenceUpdateSchema, d, () => {});
      case GatewayOpcodes.VoiceStateUpdate:
        // Accepted and dropped: the bot never joins voice in this product.
        return this.#whenAuthenticated(voiceStateUpdateSchema, d, () => {});
      case GatewayOpcodes.RequestGuildMembers:
        return this.#whenAuthenticated(requestGuildMembersSchema, d, (session, data) => this.#sendMemberChunks(session, data));
      case GatewayOpcodes.RequestSoundboardSounds:
        return this.#whenAuthenticated(requestSoundboardSoundsSchema, d, (session, data) => {
          for (const guildId of data.guild_ids) {
            if (!this.#ctx.state.guildIds().includes(guildId) || !this.#ctx.state.botSeesGuild(guildId)) continue;
            session.dispatch(GatewayDispatchEvents.SoundboardSounds, { guild_id: guildId, soundboard_sounds: [] });
          }
        });
      default:
        this.#closeWith(Closes.unknownOpcode(op));
    }
  }

  /** Commands other than heartbeat/identify/resume need a session first (4003), then a valid body (4002). */
  #whenAuthenticated<T>(schema: z.ZodType<T>, d: unknown, handle: (session: GatewaySession, data: T) => void): void {
    if (!this.#session) {
      this.#closeWith(Closes.notAuthenticated());
      return;
    }
    const parsed = schema.safeParse(d);
    if (!parsed.success) {
      this.#closeWith(Closes.decodeError('invalid payload for this opcode'));
      return;
    }
    handle(this.#session, parsed.data);
  }

  #onHeartbeat(d: unknown, now: number): void {
    if (!heartbeatSchema.safeParse(d).success) {
      this.#closeWith(Closes.decodeError('heartbeat d must be the last sequence number or null'));
      return;
    }
    this.#lastHeartbeatAt = now;
    this.#heartbeatRequested = false;
    this.#out.send(OutboundFrames.heartbeatAck());
  }

  #onIdentify(d: unknown): void {
    if (this.#session) {
      this.#closeWith(Closes.alreadyAuthenticated());
      return;
    }
    const parsed = identifySchema.safeParse(d);
    if (!parsed.success) {
      this.#closeWith(Closes.decodeError('invalid IDENTIFY payload'));
      return;
    }
    const authorized = authorizeIdentify(parsed.data, this.#ctx.state, this.#ctx.maxGuildsPerShard);
    if ('code' in authorized) {
      this.#closeWith(authorized);
      return;
    }
    if (!this.#ctx.sessionStartLimit.take()) {
      // Discord answers an IDENTIFY it will not start with op 9 INVALID_SESSION d:false (its
      // documented answer to identifying over max_concurrency); the socket may IDENTIFY again.
      this.#out.send(OutboundFrames.invalidSession(false));
      this.#awaitAuthentication(this.#ctx.identifyTimeoutMs);
      return;
    }
    const session = this.#ctx.sessions.create(authorized.intents, authorized.shard);
    this.#attach(session);
    this.#ctx.onIdentify();
    sendInitialDispatches(session, this.#ctx.state, this.#ctx.resumeGatewayUrl);
  }

  #onResume(d: unknown): void {
    if (this.#session) {
      this.#closeWith(Closes.alreadyAuthenticated());
      return;
    }
    const parsed = resumeSchema.safeParse(d);
    if (!parsed.success) {
      this.#closeWith(Closes.decodeError('invalid RESUME payload'));
      return;
    }
    const outcome = authorizeResume(parsed.data, this.#ctx.state, this.#ctx.sessions);
    switch (outcome.kind) {
      case 'close':
        this.#closeWith(outcome.close);
        return;
      case 'invalid-session':
        this.#out.send(OutboundFrames.invalidSession(false));
        this.#awaitAuthentication(this.#ctx.identifyTimeoutMs);
        return;
      case 'resume': {
        const { session, frames } = outcome;
        const previous = session.sink;
        if (previous && previous !== this && previous instanceof GatewayConnection) previous.supersede();
        this.#attach(session);
        // Replay and RESUMED are written synchronously, so no live dispatch can slip in between.
        for (const frame of frames) this.#out.send(frame);
        session.dispatchUnbuffered(GatewayDispatchEvents.Resumed, { _trace: ['discord-emulator'] });
        this.#ctx.onResume();
        return;
      }
    }
  }

  #sendMemberChunks(session: GatewaySession, d: RequestGuildMembersData): void {
    const { state } = this.#ctx;
    const guildIds = Array.isArray(d.guild_id) ? d.guild_id : [d.guild_id];
    for (const guildId of guildIds) {
      if (!state.guildIds().includes(guildId) || !state.botSeesGuild(guildId)) continue;
      if (shardOfGuild(guildId, session.shard[1]) !== session.shard[0]) continue;
      const members = state.guildCreatePayload(guildId).members;
      let matched = members;
      let notFound: string[] | undefined;
      if (d.user_ids !== undefined) {
        const wanted = Array.isArray(d.user_ids) ? d.user_ids : [d.user_ids];
        matched = members.filter((m) => wanted.includes(m.user.id));
        notFound = wanted.filter((id) => !matched.some((m) => m.user.id === id));
      } else {
        const query = (d.query ?? '').toLowerCase();
        matched = members.filter((m) => m.user.username.toLowerCase().startsWith(query));
        // limit 0 means "all" for an empty query; Discord caps a name search at 100.
        const limit = d.limit === undefined || d.limit === 0 ? (query === '' ? Infinity : 100) : Math.min(d.limit, 100);
        matched = matched.slice(0, limit);
      }
      const chunkCount = Math.max(1, Math.ceil(matched.length / MEMBERS_PER_CHUNK));
      for (let i = 0; i < chunkCount; i++) {
        const chunk: GatewayGuildMembersChunkDispatchData = {
          guild_id: guildId,
          members: matched.slice(i * MEMBERS_PER_CHUNK, (i + 1) * MEMBERS_PER_CHUNK),
          chunk_index: i,
          chunk_count: chunkCount,
        };
        if (notFound && notFound.length > 0 && i === 0) chunk.not_found = notFound;
        if (d.presences) chunk.presences = [];
        if (d.nonce !== undefined && Buffer.byteLength(d.nonce) <= 32) chunk.nonce = d.nonce;
        session.dispatch(GatewayDispatchEvents.GuildMembersChunk, chunk);
      }
    }
  }

  // ------------------------------------------------------------------ session bookkeeping

  #attach(session: GatewaySession): void {
    this.#session = session;
    session.attach(this);
  }

  /** Hands the session back to the registry: buffering for the resume window, or discarded. */
  #releaseSession(keep: boolean): void {
    const session = this.#session;
    if (!session) return;
    this.#session = null;
    if (keep) this.#ctx.sessions.release(session, this);
    else this.#ctx.sessions.discard(session);
  }

  #awaitAuthentication(withinMs: number, onTimeout?: GatewayClose): void {
    this.#authDeadline = this.#ctx.now() + withinMs;
    this.#deadlineClose = onTimeout ?? Closes.notAuthenticated('Not authenticated: no IDENTIFY or RESUME in time');
  }

  #closeWith(close: GatewayClose): void {
    if (this.#closing) return;
    this.#closing = true;
    // Decide the session's fate now, not when the close handshake ends, so a RESUME racing the
    // close already sees the right answer.
    this.#releaseSession(close.keepsSession);
    this.#out.close(close.code, close.reason);
  }

  #onSocketClosed(code: number): void {
    this.#closing = true;
    this.#releaseSession(!clientCloseEndsSession(code));
    this.#out.dispose();
    this.#ctx.onClosed(this);
  }
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
