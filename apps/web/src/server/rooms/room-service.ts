import { randomInt } from 'node:crypto';
import type { CachedVoiceState, VoiceStateView } from '@repo/discord-gateway';
import {
  OPEN_ROOMS_PER_USER,
  ROOM_PLAYER_LIMIT,
  ROOM_VIEWER_LIMIT,
  type Player,
  type RoomDeletedReason,
  type RoomListing,
  RoomName,
  type RoomSnapshot,
  type UserSummary,
  type VoiceAction,
  type VoiceMember,
} from '@repo/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { avatarUrl, type Session } from '../auth/session.ts';
import type { Clock } from '@repo/platform';
import { AppError, validationError } from '../errors.ts';
import { type EventBus, roomTopic, userTopic } from '../realtime/event-bus.ts';
import type { ViewAccess } from '../realtime/hub.ts';
import { type InviteTarget, openInvite } from './invite-check.ts';
import { type InviteKind, InviteTokens } from './invite-token.ts';
import { type Profile, type Room, type RoomView, membershipOf, roomInfo } from './room.ts';
import { ROOMS_FULL_MESSAGE, ROOMS_FULL_RETRY_AFTER_SECONDS, RoomCapacityError } from './guild-capacity.ts';
import type { RoomDiscord, RoomResources } from './room-discord.ts';
import { snowflakeTime } from './room-in-discord.ts';
import type { RoomRestore } from './room-restore.ts';
import { RoomExistsError, type RoomStore } from './room-store.ts';

export interface RoomServiceOptions {
  store: RoomStore;
  discord: RoomDiscord;
  /** Who is in voice where: the Gateway's cache (or, with several instances, the holder's copy). */
  voice: VoiceStateView;
  bus: EventBus;
  invites: InviteTokens;
  guildId: string;
  publicUrl: URL;
  cdnUrl: string;
  clock: Clock;
  log: Logger;
  /**
   * The start-up read-back (reconcile.ts): requests wait for it, never seeing a room missing that is
   * only not read back yet. Without one, the store is taken to hold every room already.
   */
  restore?: RoomRestore;
}

// Validated as an object so field errors are keyed `name`, as the form's field is.
const CreateRoomInput = z.object({ name: RoomName });

/** A double click on "Create room" within this window returns the room the first click made. */
export const CREATE_DEDUPE_WINDOW_MS = 10_000;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 10 characters of [a-z0-9]: 51 bits, short enough for a URL, unguessable enough to not matter. */
export function newRoomId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export interface CreatedRoom {
  room: Room;
  inviteUrl: string;
  spectatorUrl: string;
}


/**
 * Rooms (R-ROOM1…8): one service behind the server functions and the JSON API. Discord holds the
 * channel and the role; the store holds the rest; every change is published for the hubs.
 */
export class RoomService {
  readonly #o: RoomServiceOptions;
  readonly #log: Logger;
  /** Per-user queue for create: a second click waits for the first and gets its room. */
  readonly #creating = new Map<string, Promise<CreatedRoom | undefined>>();
  readonly #recent = new Map<string, { roomId: string; at: number }>();
  /** Per-room single flight for close. */
  readonly #closing = new Map<string, Promise<void>>();

  constructor(options: RoomServiceOptions) {
    this.#o = options;
    this.#log = options.log;
  }

  /** Every door (HTTP, server functions) waits here for the read-back; 503 after a bound (room-restore.ts). */
  async #restored(): Promise<void> {
    await this.#o.restore?.awaitReady();
  }

  // ---- create -----------------------------------------------------------------------------------

  async create(session: Session, rawName: unknown): Promise<CreatedRoom> {
    const parsed = CreateRoomInput.safeParse({ name: rawName });
    if (!parsed.success) throw validationError(parsed.error, 'The room name is not valid.');
    // The open-rooms limit counts rooms that may not be read back yet.
    await this.#restored();
    const name = parsed.data.name;
    // One create at a time per user: the open-rooms limit check and the double-click check below
    // both need to see the previous create's result.
    const previous = this.#creating.get(session.userId) ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.#createOrReuse(session, name));
    this.#creating.set(session.userId, run);
    try {
      return await run;
    } finally {
      if (this.#creating.get(session.userId) === run) this.#creating.delete(session.userId);
    }
  }

  async #createOrReuse(session: Session, name: string): Promise<CreatedRoom> {
    const now = this.#o.clock.now();
    for (const [k, v] of this.#recent) if (now - v.at > CREATE_DEDUPE_WINDOW_MS) this.#recent.delete(k);
    const key = `${session.userId}\n${name}`;
    const recent = this.#recent.get(key);
    if (recent) {
      const room = await this.#o.store.get(recent.roomId);
      if (room) return this.#withLinks(room);
    }
    const created = await this.#create(session, name);
    this.#recent.set(key, { roomId: created.room.id, at: this.#o.clock.now() });
    return created;
  }

  async #create(session: Session, name: string): Promise<CreatedRoom> {
    const open = (await this.#o.store.listForUser(session.userId)).filter((r) => r.creatorId === session.userId);
    if (open.length >= OPEN_ROOMS_PER_USER) {
      throw new AppError('conflict', `You already have ${OPEN_ROOMS_PER_USER} open rooms. Close one to create another.`);
    }
    const id = newRoomId();
    const { roleId, channelId } = await this.#discordCreate(id, name, session.userId);
    const now = this.#o.clock.now();
    let room: Room = {
      id,
      name,
      guildId: this.#o.guildId,
      channelId,
      roleId,
      creatorId: session.userId,
      players: [session.userId],
      spectators: [],
      profiles: { [session.userId]: profileOf(session) },
      // When Discord made the channel: what a read-back after a restart finds (room-in-discord.ts).
      createdAt: snowflakeTime(channelId),
      lastActiveAt: now,
      closingAt: null,
    };
    try {
      await this.#o.store.insert(room);
    } catch (error) {
      // Another instance, starting up, may have read this very room back from Discord between our
      // last Discord call and this insert (REDIS_URL): then it is stored, and it is ours.
      const adopted = error instanceof RoomExistsError ? await this.#o.store.get(id) : null;
      if (adopted?.channelId === channelId && adopted.roleId === roleId) room = adopted;
      else return this.#undoUnstored(error, roleId, channelId);
    }
    this.#log.info({ roomId: id, channelId, roleId, creatorId: session.userId }, 'room created');
    await this.#publishLobby(room);
    return this.#withLinks(room);
  }

  /** The room is not stored, so nothing would ever close it: Discord's side goes now. */
  async #undoUnstored(error: unknown, roleId: string, channelId: string): Promise<never> {
    await this.#o.discord.destroy({ roleId, channelId }).catch((undoError: unknown) => {
      this.#log.error({ err: undoError, roleId, channelId }, 'could not undo a room the store refused; it is left in Discord until the next start reconciles it');
    });
    throw error;
  }

  /** The Discord side; a server with no room left is a 503 the create form shows, never a 502. */
  async #discordCreate(id: string, name: string, creatorId: string): Promise<RoomResources> {
    try {
      return await this.#o.discord.create(id, name, creatorId);
    } catch (error) {
      if (!(error instanceof RoomCapacityError)) throw error;
      this.#log.warn({ limit: error.limit, detail: error.message, creatorId }, 'room refused: the Discord server is full');
      throw new AppError('unavailable', ROOMS_FULL_MESSAGE, { retryAfterSeconds: ROOMS_FULL_RETRY_AFTER_SECONDS, retryable: true, reason: 'rooms_full', cause: error });
    }
  }

  async #withLinks(room: Room): Promise<CreatedRoom> {
    return { room, inviteUrl: await this.inviteUrl(room, 'player'), spectatorUrl: await this.inviteUrl(room, 'spectator') };
  }

  async inviteUrl(room: Room, kind: InviteKind): Promise<string> {
    const { token } = await this.#o.invites.issue(
      { roomId: room.id, guildId: room.guildId, channelId: room.channelId, roleId: room.roleId, creatorId: room.creatorId, kind },
      this.#o.clock.now(),
    );
    return new URL(`/invite/${token}`, this.#o.publicUrl).toString();
  }

  // ---- read -------------------------------------------------------------------------------------

  /** The room for someone allowed to see it: 404 when unknown or closed, 403 for others. */
  async getForMember(roomId: string, userId: string): Promise<Room> {
    await this.#restored();
    const room = await this.#o.store.get(roomId);
    if (!room) {
      const closed = await this.#o.store.closedAt(roomId);
      throw new AppError('not_found', closed ? 'This room has been closed.' : 'There is no such room.');
    }
    if (!membershipOf(room, userId)) throw new AppError('forbidden', 'You are not in this room. Ask its creator for an invite link.');
    return room;
  }

  /** Whether a user may watch a room's live stream (the hub's subscribe check). */
  async canView(roomId: string, userId: string): Promise<boolean> {
    return (await this.viewAccess(roomId, userId)) === 'allowed';
  }

  /** canView, telling a closed room (its tombstone) apart from one that never was or is not theirs. */
  async viewAccess(roomId: string, userId: string): Promise<ViewAccess> {
    // A tab resubscribing while the rooms are read back waits for them, however long (a socket has
    // no deadline), and then gets its room as if nothing happened.
    await this.#o.restore?.whenReady();
    const room = await this.#o.store.get(roomId);
    if (room) return membershipOf(room, userId) !== null ? 'allowed' : 'denied';
    return (await this.#o.store.closedAt(roomId)) !== null ? 'closed' : 'denied';
  }

  /** Room, players, spectators and who is in voice right now, at the room's current sequence. */
  async snapshot(roomId: string): Promise<RoomSnapshot | null> {
    await this.#o.restore?.whenReady();
    const seq = await this.#o.bus.currentSeq(roomTopic(roomId));
    const room = await this.#o.store.get(roomId);
    if (!room) return null;
    const { players, spectators } = this.#people(room);
    const voice = [...this.#o.voice.membersIn(room.guildId, room.channelId).values()].map((m) => this.voiceMember(room, m));
    return { roomId, room: roomInfo(room), players, spectators, voice, seq };
  }

  voiceMember(room: RoomView, m: CachedVoiceState): VoiceMember {
    const known = room.profiles[m.userId];
    return {
      userId: m.userId,
      username: m.username ?? known?.username ?? 'unknown',
      globalName: m.displayName ?? m.globalName ?? known?.globalName ?? null,
      avatarUrl: avatarUrl(this.#o.cdnUrl, m.userId, m.avatar ?? known?.avatar ?? null),
      selfMute: m.selfMute,
      selfDeaf: m.selfDeaf,
      mute: m.mute,
      deaf: m.deaf,
      streaming: m.selfStream,
      video: m.selfVideo,
      signedIn: known !== undefined,
    };
  }

  #people(room: Room): { players: Player[]; spectators: UserSummary[] } {
    const summary = (userId: string): UserSummary => {
      const p = room.profiles[userId];
      return { userId, username: p?.username ?? 'unknown', globalName: p?.globalName ?? null, avatarUrl: avatarUrl(this.#o.cdnUrl, userId, p?.avatar ?? null) };
    };
    return {
      players: room.players.map((u) => ({ ...summary(u), creator: u === room.creatorId })),
      spectators: room.spectators.map(summary),
    };
  }

  async listForUser(userId: string): Promise<RoomListing[]> {
    await this.#restored();
    return this.#listForUser(userId);
  }

  async #listForUser(userId: string): Promise<RoomListing[]> {
    const rooms = await this.#o.store.listForUser(userId);
    return rooms
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((room) => ({
        id: room.id,
        name: room.name,
        creatorId: room.creatorId,
        players: room.players.length,
        playerLimit: ROOM_PLAYER_LIMIT,
        inVoice: this.#o.voice.membersIn(room.guildId, room.channelId).size,
        role: membershipOf(room, userId) ?? 'spectator',
      }));
  }

  // ---- join -------------------------------------------------------------------------------------

  /**
   * Redeems an invite (R-ROOM3): verified on every use; players get the voice role, at most 4; a
   * spectator gets nothing in Discord. The fifth player gets 409 and Discord is not touched.
   */
  async redeem(session: Session, token: string): Promise<Room> {
    await this.#restored();
    const { claims, room } = await this.openInvite(token);
    const membership = membershipOf(room, session.userId);
    if (membership === 'creator' || membership === 'player') return room;
    if (claims.kind === 'spectator' && membership === 'spectator') return room;

    const result = await this.#o.store.addParticipant(room.id, session.userId, claims.kind, profileOf(session), {
      players: ROOM_PLAYER_LIMIT,
      viewers: ROOM_VIEWER_LIMIT,
    });
    if (result === 'missing') throw new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
    if (result === 'full') {
      throw new AppError(
        'conflict',
        claims.kind === 'player' ? `Room full: ${ROOM_PLAYER_LIMIT} of ${ROOM_PLAYER_LIMIT} players are in.` : 'This room has as many viewers as it can take.',
        { reason: 'room_full' },
      );
    }
    if (claims.kind === 'player' && result === 'added') {
      try {
        await this.#o.discord.addPlayer(session.userId, room.roleId);
      } catch (error) {
        // The seat was reserved first (so two people cannot take the last one); give it back. The
        // user's own error is the one to report; a failed undo is for the operator.
        await this.#giveBackSeat(room.id, session, membership).catch((undo: unknown) =>
          this.#log.error({ err: undo, roomId: room.id, userId: session.userId }, 'could not give back the seat of a failed join'),
        );
        throw error;
      }
    }
    this.#log.info({ roomId: room.id, userId: session.userId, kind: claims.kind }, 'joined room');
    const updated = (await this.#o.store.get(room.id)) ?? room;
    await this.#publishRoomUpdated(updated);
    await this.#publishLobby(updated);
    return updated;
  }

  /**
   * Undoes a player seat whose role grant failed: a spectator is a spectator again, anyone else is
   * out. A tab of theirs may have subscribed while the seat was held (the seat is stored before the
   * role is granted), so the access it gave ends with it.
   */
  async #giveBackSeat(roomId: string, session: Session, before: 'spectator' | null): Promise<void> {
    await this.#o.store.removeParticipant(roomId, session.userId);
    if (before === 'spectator') {
      // Not atomic with the removal: should the freed viewer place be taken in between, they are out.
      const restored = await this.#o.store.addParticipant(roomId, session.userId, 'spectator', profileOf(session), {
        players: ROOM_PLAYER_LIMIT,
        viewers: ROOM_VIEWER_LIMIT,
      });
      if (restored === 'added') return;
    }
    await this.#revoke(roomId, session.userId);
  }

  /** The invite's room, checked as redeem checks it (invite-check.ts); changes nothing (the invite page's preview). */
  async openInvite(token: string): Promise<InviteTarget> {
    await this.#restored();
    return openInvite(token, { invites: this.#o.invites, store: this.#o.store, guildId: this.#o.guildId }, this.#o.clock.now());
  }

  // ---- voice ------------------------------------------------------------------------------------

  /** Moves a player who is in voice anywhere in the guild; otherwise a link that opens the channel (R-ROOM4). */
  async joinVoice(session: Session, roomId: string): Promise<VoiceAction> {
    const room = await this.getForMember(roomId, session.userId);
    const membership = membershipOf(room, session.userId);
    if (membership === 'spectator') throw new AppError('forbidden', 'Spectators watch without joining voice.');
    const openInDiscord: VoiceAction = { action: 'open-in-discord', url: `https://discord.com/channels/${room.guildId}/${room.channelId}` };
    const current = this.#o.voice.channelOf(room.guildId, session.userId);
    if (current === room.channelId) return { action: 'moved', channelId: room.channelId };
    if (!current) return openInDiscord;
    await this.#o.discord.move(session.userId, room.channelId);
    return { action: 'moved', channelId: room.channelId };
  }

  // ---- close ------------------------------------------------------------------------------------

  /** Creator only (R-ROOM6). Idempotent: closing a closed room is a no-op that succeeds. */
  async closeByUser(session: Session, roomId: string): Promise<void> {
    await this.#restored();
    const room = await this.#o.store.get(roomId);
    if (!room) {
      if (await this.#o.store.closedAt(roomId)) return;
      throw new AppError('not_found', 'There is no such room.');
    }
    if (room.creatorId !== session.userId) throw new AppError('forbidden', 'Only the room’s creator can close it.');
    await this.close(roomId, 'closed');
  }

  /** Deletes channel and role, forgets the room, tells everyone. Safe to call twice or at once. */
  close(roomId: string, reason: RoomDeletedReason): Promise<void> {
    const existing = this.#closing.get(roomId);
    if (existing) return existing;
    const promise = this.#close(roomId, reason).finally(() => this.#closing.delete(roomId));
    this.#closing.set(roomId, promise);
    return promise;
  }

  async #close(roomId: string, reason: RoomDeletedReason): Promise<void> {
    const room = await this.#o.store.get(roomId);
    if (!room) return;
    await this.#o.discord.destroy({ roleId: room.roleId, channelId: room.channelId });
    const removed = await this.#o.store.delete(roomId, this.#o.clock.now());
    if (!removed) return;
    this.#log.info({ roomId, reason }, 'room closed');
    await this.#o.bus.publish(roomTopic(roomId), 'room.deleted', { roomId, reason });
    // Every subscription ends right after room.deleted in the room's stream (the hub knows no room events).
    await this.#o.bus.revoke({ topic: roomTopic(roomId), userId: null, access: 'closed' });
    await this.#publishLobby(removed);
  }

  /**
   * A room read back from Discord at start (reconcile.ts), stored as found. When its host changed
   * hands while the app was down, the former host loses the room and everyone is told, as a live
   * change would tell them. False when the store already had it (another instance got there first).
   */
  async restore(room: Room, formerHosts: readonly string[]): Promise<boolean> {
    try {
      await this.#o.store.insert(room);
    } catch (error) {
      if (error instanceof RoomExistsError) return false;
      throw error;
    }
    if (formerHosts.length === 0) return true;
    this.#log.info({ roomId: room.id, hostId: room.creatorId, formerHosts }, 'room read back with a new host: the host left while the server was down');
    for (const userId of formerHosts) await this.#revoke(room.id, userId);
    await this.#publishRoomUpdated(room);
    await this.#publishLobby(room);
    for (const userId of formerHosts) await this.#o.bus.publish(userTopic(userId), 'lobby.rooms', { rooms: await this.#listForUser(userId) });
    return true;
  }

  /**
   * Closes a room found only in Discord (nobody holds its role any more, or its channel is gone):
   * what is left of it goes, and a tombstone makes its links say "closed" rather than "no such room".
   */
  async closeUnstored(room: { id: string; roleId: string; channelId: string | undefined }, reason: RoomDeletedReason): Promise<void> {
    await this.#o.discord.destroy({ roleId: room.roleId, channelId: room.channelId });
    await this.#o.store.delete(room.id, this.#o.clock.now());
    this.#log.info({ roomId: room.id, reason }, 'room closed at start: found half-gone in Discord');
    await this.#o.bus.publish(roomTopic(room.id), 'room.deleted', { roomId: room.id, reason });
    await this.#o.bus.revoke({ topic: roomTopic(room.id), userId: null, access: 'closed' });
  }

  /** The room's channel was deleted by hand in Discord: finish the job (role, store, viewers). */
  async onChannelDeleted(channelId: string): Promise<void> {
    // Events queue behind the read-back: a room not read back yet would miss its own deletion.
    await this.#o.restore?.whenReady();
    const room = await this.#o.store.findByChannel(channelId);
    if (room) await this.close(room.id, 'channel_deleted');
  }

  /** Someone left the guild: they are no longer a player or spectator anywhere. */
  async onMemberRemoved(userId: string): Promise<void> {
    await this.#o.restore?.whenReady();
    for (const room of await this.#o.store.listForUser(userId)) {
      if (room.creatorId === userId) continue;
      await this.#o.store.removeParticipant(room.id, userId);
      // Before the update goes out: nothing of the room published from here on reaches them.
      await this.#revoke(room.id, userId);
      const updated = await this.#o.store.get(room.id);
      if (updated) await this.#publishRoomUpdated(updated);
    }
  }

  // ---- events -----------------------------------------------------------------------------------

  /** Ends a user's live view of a room on every instance: their tabs get the answer a subscribe would get now. */
  async #revoke(roomId: string, userId: string): Promise<void> {
    await this.#o.bus.revoke({ topic: roomTopic(roomId), userId, access: 'denied' });
  }

  async #publishRoomUpdated(room: Room): Promise<void> {
    await this.#o.bus.publish(roomTopic(room.id), 'room.updated', { roomId: room.id, room: roomInfo(room), ...this.#people(room) });
  }

  /** Everyone who has the room in their lobby list gets their fresh list. */
  async #publishLobby(room: Room): Promise<void> {
    const users = new Set([room.creatorId, ...room.players, ...room.spectators]);
    for (const userId of users) {
      await this.#o.bus.publish(userTopic(userId), 'lobby.rooms', { rooms: await this.#listForUser(userId) });
    }
  }

  /** Publishes on a room's stream (used by the gateway router and the cleanup job). */
  publish(roomId: string, event: string, payload: Record<string, unknown>): Promise<unknown> {
    return this.#o.bus.publish(roomTopic(roomId), event, { roomId, ...payload });
  }

  get store(): RoomStore {
    return this.#o.store;
  }

  get guildId(): string {
    return this.#o.guildId;
  }
}

function profileOf(session: Session): Profile {
  return { username: session.username, globalName: session.globalName, avatar: session.avatar };
}
