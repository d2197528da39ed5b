// Rooms (R-ROOM1…9): a Discord voice channel and role plus what the store keeps; this file is the façade
// and the one writer of room state. Beside it: creating, seating, views, events (room-*.ts), the stores,
// the Discord side, invites, the idle cleanup, the Gateway router and the read-back after a restart.
import type { VoiceStateView } from '@repo/discord-gateway';
import { DiscordApiError, DiscordErrorCodes } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import type { RoomDeletedReason, RoomListing, RoomSnapshot, VoiceAction } from '@repo/protocol';
import type { Logger } from 'pino';
import type { Session } from '../auth/session.ts';
import { MemorySiteUsers, type SiteUsers } from '../auth/site-users.ts';
import { AppError } from '../errors.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { ViewAccess } from '../realtime/hub.ts';
import { type InviteTarget, openInvite } from './invite-check.ts';
import { type InviteKind, InviteTokens } from './invite-token.ts';
import { type Room, membershipOf, roomInfo } from './room.ts';
import { type CreatedRoom, RoomCreation, parseRoomName } from './room-creation.ts';
import type { RoomDiscord, RoomDiscordOf } from './room-discord.ts';
import { RoomEvents, roomTopic } from './room-events.ts';
import { NOT_HOST_MESSAGE, RoomHostControls } from './room-host-controls.ts';
import type { RoomRestore } from './room-restore.ts';
import { type Admission, RoomSeating } from './room-seating.ts';
import { RoomClosedError, RoomExistsError, type RoomStore } from './room-store.ts';
import { RoomViews } from './room-views.ts';
import { RoomVoice, type VoiceEvent } from './room-voice.ts';

export { CREATE_DEDUPE_WINDOW_MS, type CreatedRoom, newRoomId } from './room-creation.ts';

export interface RoomServiceOptions {
  store: RoomStore;
  /** The home server's Discord side; `discordOf` gives any server's (default: only the home server's). */
  discord: RoomDiscord;
  discordOf?: RoomDiscordOf;
  /** Who is in voice where: the Gateway's cache (or, with several instances, the holder's copy). */
  voice: VoiceStateView;
  bus: EventBus;
  invites: InviteTokens;
  guildId: string;
  /** Before a player seat: in the room's server, or the step that adds them once seated (GuildService.admission); spectators skip it. */
  admission?: Admission;
  publicUrl: URL;
  cdnUrl: string;
  /** Who has signed in to the site: marks the voice channel's non-players (default: nobody known but the room's people). */
  siteUsers?: Pick<SiteUsers, 'signedIn'>;
  clock: Clock;
  log: Logger;
  /**
   * The start-up read-back (reconcile.ts): requests wait for it, never seeing a room missing that is
   * only not read back yet. Without one, the store is taken to hold every room already.
   */
  restore?: RoomRestore;
}

/** A closing warning as the cleanup job gives it: when the room closes, and the seconds viewers are told. */
export interface ClosingWarning {
  closingAt: number;
  secondsLeft: number;
}

/**
 * The rooms part (R-ROOM1…9): rooms live in Discord (channel and role) and in the store (the rest);
 * every change is published for the hubs. RoomService is the one writer of room state: the JSON
 * API, server functions, the Gateway router, the cleanup job and the start-up reconcile all change
 * rooms through its named methods, never through the store or the bus. Its jobs live beside it:
 * creating (room-creation.ts), taking a seat (room-seating.ts), what browsers see
 * (room-views.ts) and what the hubs are told (room-events.ts).
 */
export class RoomService {
  readonly #o: RoomServiceOptions;
  readonly #store: RoomStore;
  readonly #log: Logger;
  readonly #views: RoomViews;
  readonly #events: RoomEvents;
  readonly #voice: RoomVoice;
  readonly #creation: RoomCreation;
  readonly #seating: RoomSeating;
  readonly #host: RoomHostControls;
  /** Per-room single flight for close. */
  readonly #closing = new Map<string, Promise<void>>();
  readonly #discordOf: RoomDiscordOf;

  constructor(options: RoomServiceOptions) {
    this.#o = options;
    this.#store = options.store;
    this.#log = options.log;
    this.#views = new RoomViews(options.cdnUrl, options.voice, options.siteUsers ?? new MemorySiteUsers());
    this.#events = new RoomEvents(options.bus, this.#views, (userId) => this.#listForUser(userId));
    this.#voice = new RoomVoice(options.store, this.#views, this.#events);
    const { store, discord, clock, log } = options;
    const discordOf = (this.#discordOf = options.discordOf ?? (async () => discord));
    this.#creation = new RoomCreation({ store, discordOf, events: this.#events, clock, log, withLinks: (room) => this.#withLinks(room) });
    this.#seating = new RoomSeating(store, discordOf, this.#events, log, options.admission);
    const [roomFor, closeFor] = [(id: string, userId: string) => this.getForMember(id, userId), (id: string, why: RoomDeletedReason) => this.closeFor(id, why)];
    this.#host = new RoomHostControls({ store, discordOf, events: this.#events, voice: options.voice, clock, log, roomFor, closeFor });
  }

  get guildId(): string {
    return this.#o.guildId;
  }

  /** Every door (HTTP, server functions) waits here for the read-back; 503 after a bound (room-restore.ts). */
  async #restored(): Promise<void> {
    await this.#o.restore?.awaitReady();
  }

  // ---- create and join --------------------------------------------------------------------------

  /** In `guildId` (default: the home server); the caller checked the user may (GuildService.assertCanCreate). */
  async create(session: Session, rawName: unknown, guildId: string = this.#o.guildId): Promise<CreatedRoom> {
    const name = parseRoomName(rawName);
    // The open-rooms limit counts rooms that may not be read back yet.
    await this.#restored();
    return this.#creation.create(session, name, guildId);
  }

  async #withLinks(room: Room): Promise<CreatedRoom> {
    return { room, inviteUrl: await this.inviteUrl(room, 'player'), spectatorUrl: await this.inviteUrl(room, 'spectator') };
  }

  async inviteUrl(room: Room, kind: InviteKind): Promise<string> {
    const { token } = await this.#o.invites.issue(
      { roomId: room.id, guildId: room.guildId, channelId: room.channelId, roleId: room.roleId, creatorId: room.creatorId, kind, gen: room.linkGeneration },
      this.#o.clock.now(),
    );
    return new URL(`/invite/${token}`, this.#o.publicUrl).toString();
  }

  /** Redeems an invite (R-ROOM3), verified on every use (room-seating.ts). */
  async redeem(session: Session, token: string): Promise<Room> {
    const target = await this.openInvite(token, session.userId);
    try {
      return await this.#seating.redeem(session, target);
    } catch (error) {
      throw await this.#refusedByDiscord(error, target.room.id);
    }
  }

  /** The invite's room, checked as redeem checks it (invite-check.ts) for `viewerId` when signed in; changes nothing (the invite page's preview). */
  async openInvite(token: string, viewerId?: string): Promise<InviteTarget> {
    await this.#restored();
    return openInvite(token, { invites: this.#o.invites, store: this.#store }, this.#o.clock.now(), viewerId);
  }

  // ---- host controls and leaving (room-host-controls.ts) ----------------------------------------

  rename(session: Session, roomId: string, name: unknown): Promise<Room> {
    return this.#host.rename(session, roomId, name);
  }

  setLocked(session: Session, roomId: string, locked: boolean): Promise<Room> {
    return this.#host.setLocked(session, roomId, locked);
  }

  /** New player and spectator links; every earlier one answers 410 `invite_replaced`. */
  async rotateLinks(session: Session, roomId: string): Promise<{ inviteUrl: string; spectatorUrl: string }> {
    const room = await this.#host.rotateLinks(session, roomId);
    return { inviteUrl: await this.inviteUrl(room, 'player'), spectatorUrl: await this.inviteUrl(room, 'spectator') };
  }

  remove(session: Session, roomId: string, userId: string): Promise<void> {
    return this.#host.remove(session, roomId, userId);
  }

  leave(session: Session, roomId: string): Promise<void> {
    return this.#host.leave(session, roomId);
  }

  handOver(session: Session, roomId: string, userId: string): Promise<Room> {
    return this.#host.handOver(session, roomId, userId);
  }

  // ---- read -------------------------------------------------------------------------------------

  /** The room for someone allowed to see it: 404 when unknown or closed, 403 for others. */
  async getForMember(roomId: string, userId: string): Promise<Room> {
    await this.#restored();
    const room = await this.#store.get(roomId);
    if (!room) {
      const closed = await this.#store.closedAt(roomId);
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
    const room = await this.#store.get(roomId);
    if (room) return membershipOf(room, userId) !== null ? 'allowed' : 'denied';
    return (await this.#store.closedAt(roomId)) !== null ? 'closed' : 'denied';
  }

  /** Room, players, spectators and who is in voice right now, at the room's current sequence. */
  async snapshot(roomId: string): Promise<RoomSnapshot | null> {
    await this.#o.restore?.whenReady();
    const seq = await this.#o.bus.currentSeq(roomTopic(roomId));
    const room = await this.#store.get(roomId);
    if (!room) return null;
    return { roomId, room: roomInfo(room), ...this.#views.people(room), voice: await this.#views.inVoice(room), seq };
  }

  async listForUser(userId: string): Promise<RoomListing[]> {
    await this.#restored();
    return this.#listForUser(userId);
  }

  async #listForUser(userId: string): Promise<RoomListing[]> {
    return this.#views.listings(await this.#store.listForUser(userId), userId);
  }

  /** Every open room (the cleanup pass, the start-up reconcile). */
  list(): Promise<Room[]> {
    return this.#store.list();
  }

  get(roomId: string): Promise<Room | null> {
    return this.#store.get(roomId);
  }

  /** How many rooms are open, without reading them (health, metrics). */
  count(): Promise<number> {
    return this.#store.count();
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
    try {
      await (await this.#discordOf(room.guildId)).move(session.userId, room.channelId);
    } catch (error) {
      throw await this.#refusedByDiscord(error, room.id);
    }
    return { action: 'moved', channelId: room.channelId };
  }

  /**
   * What Discord's "unknown" answers to a seat or a move mean for the user (R-AUTH4), instead of a
   * 502: Discord did not fail, the world changed. Unknown Member: they left the server since
   * signing in; being a member is what allows a seat, so 403, and retrying will not help until they
   * join again. Unknown Role or Channel: the room's own role or channel was deleted by hand; the
   * room cannot work any more, so it is closed (everyone told) and the answer is 410 room_closed.
   * Anything else is left as it was (a 502 from toAppError).
   */
  async #refusedByDiscord(error: unknown, roomId: string): Promise<unknown> {
    if (!(error instanceof DiscordApiError)) return error;
    if (error.code === DiscordErrorCodes.UnknownMember) {
      return new AppError('forbidden', 'You are no longer a member of the Discord server. Join it again, then try once more.', {
        cause: error,
        reason: 'not_a_member',
        retryable: false,
      });
    }
    if (error.code === DiscordErrorCodes.UnknownRole || error.code === DiscordErrorCodes.UnknownChannel) {
      this.#log.warn({ err: error, roomId }, 'the room’s role or channel is gone from Discord: closing the room');
      // The user's answer is the same should the close fail (Discord down); the next start's read-back finishes it.
      await this.closeFor(roomId, 'channel_deleted').catch((closing: unknown) => this.#log.error({ err: closing, roomId }, 'could not close a room whose role or channel is gone'));
      return new AppError('gone', 'This room has been closed.', { cause: error, reason: 'room_closed' });
    }
    return error;
  }

  /**
   * A voice change in a Discord channel (the Gateway router): when the channel is a room's, its
   * viewers are told. The room's id, or null when the channel is no room's (room-voice.ts).
   */
  voiceChanged(event: VoiceEvent): Promise<string | null> {
    return this.#voice.changed(event);
  }

  /** The same, done before it returns when every part is in this process; else undefined, nothing done. */
  voiceChangedNow(event: VoiceEvent): string | null | undefined {
    return this.#voice.changedNow(event);
  }

  // ---- activity (the cleanup job) ---------------------------------------------------------------

  /** Someone is in the room's voice channel or viewing it: it is not idle. */
  async markActive(roomId: string, at: number = this.#o.clock.now()): Promise<void> {
    await this.#store.update(roomId, { lastActiveAt: at });
  }

  /** An idle room is about to close (R-ROOM7): stored, so a restart honours it, and told to its viewers. */
  async warnClosing(roomId: string, warning: ClosingWarning): Promise<void> {
    await this.#store.update(roomId, { closingAt: warning.closingAt });
    await this.#events.closing(roomId, warning.secondsLeft, warning.closingAt);
  }

  /** Activity during a warning: the room stays, active now, and its viewers are told. False when the room is gone. */
  async cancelClosing(roomId: string): Promise<boolean> {
    const room = await this.#store.update(roomId, { closingAt: null, lastActiveAt: this.#o.clock.now() });
    if (!room) return false;
    await this.#events.closingCancelled(roomId);
    return true;
  }

  // ---- close ------------------------------------------------------------------------------------

  /** Creator only (R-ROOM6). Idempotent: closing a closed room is a no-op that succeeds. */
  async closeByUser(session: Session, roomId: string): Promise<void> {
    await this.#restored();
    const room = await this.#store.get(roomId);
    if (!room) {
      if (await this.#store.closedAt(roomId)) return;
      throw new AppError('not_found', 'There is no such room.');
    }
    if (room.creatorId !== session.userId) throw new AppError('forbidden', NOT_HOST_MESSAGE, { reason: 'not_host' });
    await this.closeFor(roomId, 'closed');
  }

  /** Closes a room for a reason: channel and role deleted, the room forgotten, everyone told. Safe to call twice or at once. */
  closeFor(roomId: string, reason: RoomDeletedReason): Promise<void> {
    const existing = this.#closing.get(roomId);
    if (existing) return existing;
    const promise = this.#close(roomId, reason).finally(() => this.#closing.delete(roomId));
    this.#closing.set(roomId, promise);
    return promise;
  }

  async #close(roomId: string, reason: RoomDeletedReason): Promise<void> {
    const room = await this.#store.get(roomId);
    if (!room) return;
    // The bot removed from the server: nothing of it can (or needs to) be deleted there.
    if (reason !== 'bot_removed') await (await this.#discordOf(room.guildId)).destroy({ roleId: room.roleId, channelId: room.channelId });
    const removed = await this.#store.delete(roomId, this.#o.clock.now());
    if (!removed) return;
    this.#log.info({ roomId, reason }, 'room closed');
    await this.#events.deleted(roomId, reason);
    await this.#events.lobbies(removed);
  }

  /** The room's channel was deleted by hand in Discord: finish the job (role, store, viewers). */
  async onChannelDeleted(channelId: string): Promise<void> {
    // Events queue behind the read-back: a room not read back yet would miss its own deletion.
    await this.#o.restore?.whenReady();
    const room = await this.#store.findByChannel(channelId);
    if (room) await this.closeFor(room.id, 'channel_deleted');
  }

  /** Someone left the guild: out of every room; a host's rooms pass on or close (room-host-controls.ts). */
  async onMemberRemoved(userId: string, guildId?: string): Promise<void> {
    await this.#o.restore?.whenReady();
    await this.#host.onMemberRemoved(userId, guildId);
  }

  // ---- the start-up read-back (reconcile.ts) ----------------------------------------------------

  /**
   * Takes in a room read back from Discord at start, stored as found. When its host changed hands
   * while the app was down, the former host loses the room and everyone is told, as a live change
   * would tell them. False when the store already had it (another instance got there first) or it was closed
   * meanwhile (its tombstone refuses it).
   */
  async adopt(room: Room, formerHosts: readonly string[]): Promise<boolean> {
    try {
      await this.#store.insert(room);
    } catch (error) {
      if (error instanceof RoomExistsError) return false;
      if (error instanceof RoomClosedError) {
        // Closed by another instance while this one read Discord; that instance removes its role and channel.
        this.#log.info({ roomId: room.id }, 'room read back from Discord was closed meanwhile; not restored');
        return false;
      }
      throw error;
    }
    if (formerHosts.length === 0) return true;
    this.#log.info({ roomId: room.id, hostId: room.creatorId, formerHosts }, 'room read back with a new host: the host left while the server was down');
    for (const userId of formerHosts) await this.#events.revoke(room.id, userId);
    await this.#events.updated(room);
    await this.#events.lobbies(room);
    for (const userId of formerHosts) await this.#events.lobby(userId);
    return true;
  }

  /**
   * Closes a room found only in Discord (nobody holds its role any more, or its channel is gone):
   * what is left of it goes, and a tombstone makes its links say "closed" rather than "no such room".
   */
  async closeUnstored(room: { id: string; roleId: string; channelId: string | undefined }, reason: RoomDeletedReason): Promise<void> {
    await this.#o.discord.destroy({ roleId: room.roleId, channelId: room.channelId });
    await this.#store.delete(room.id, this.#o.clock.now());
    this.#log.info({ roomId: room.id, reason }, 'room closed at start: found half-gone in Discord');
    await this.#events.deleted(room.id, reason);
  }
}
