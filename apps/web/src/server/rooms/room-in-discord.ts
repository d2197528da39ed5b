import type { DiscordChannel, DiscordGuildMember, DiscordRole, PermissionOverwriteInput } from '@repo/discord-rest';
import { ROOM_PLAYER_LIMIT, RoomId, RoomName } from '@repo/protocol';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Profile } from './room.ts';

/*
 * What Discord holds of a room, and how a room is read back from it after a restart (R-ROOM8).
 * specs/rooms-api.md ("What Discord holds") is the contract; this module is pure, so every rule is
 * tested on plain objects (room-in-discord.test.ts).
 *
 *   room id   the role's name: `room-<id>` (the id a room URL carries)
 *   links     the role's name: `room-<id>~<generation>` once the host made new links (none: 0)
 *   locked    the role's name ends in `~locked`
 *   name      the voice channel's name (Discord keeps voice channel names as given)
 *   created   the voice channel's snowflake (Discord stamps every id with its creation time)
 *   players   the members holding the role (but the barred)
 *   host      the member with a PRIORITY_SPEAKER overwrite on the channel
 *   barred    members with an overwrite denying VIEW_CHANNEL and CONNECT (removed by the host)
 */

const VOICE = 2;
const ROLE_OVERWRITE = 0;
const MEMBER_OVERWRITE = 1;

/**
 * The host's mark: Priority Speaker in a member overwrite. Nothing else in a room grants it, and it
 * is useful to a host in voice (they are heard over the table when they hold the key).
 */
export const HOST_MARK = PermissionFlagsBits.PrioritySpeaker;

const ROLE_PREFIX = 'room-';
/**
 * `room-<id>[~<generation>][~locked]`: the generation a positive whole number without leading
 * zeros (0 is written as nothing, so a room that never changed keeps its first name), at most 15
 * digits (below 2^53). The longest name is 45 characters; Discord allows 100.
 */
const ROLE_NAME = /^room-([^~]*)(?:~([1-9][0-9]{0,14}))?(~locked)?$/;

/**
 * What a barred (removed) user's member overwrite denies: they cannot see the channel nor join its
 * voice by hand, whatever role they get. Both bits together mark it; either alone is someone else's.
 */
export const BAR_DENY = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect;

/** The room state its role's name carries. */
export interface RoomRoleState {
  roomId: string;
  linkGeneration: number;
  locked: boolean;
}

/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from it in their top 42 bits. */
const DISCORD_EPOCH_MS = 1_420_070_400_000;

export function roomRoleName(roomId: string, state: { linkGeneration?: number; locked?: boolean } = {}): string {
  const generation = state.linkGeneration ?? 0;
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > 999_999_999_999_999) throw new RangeError(`link generation ${generation} out of range`);
  return `${ROLE_PREFIX}${roomId}${generation > 0 ? `~${generation}` : ''}${state.locked ? '~locked' : ''}`;
}

/** The room state a role's name carries, or null when the name is not exactly of that form. */
export function parseRoomRoleName(name: string): RoomRoleState | null {
  const match = ROLE_NAME.exec(name);
  if (!match) return null;
  const roomId = RoomId.safeParse(match[1]);
  if (!roomId.success) return null;
  return { roomId: roomId.data, linkGeneration: match[2] === undefined ? 0 : Number(match[2]), locked: match[3] !== undefined };
}

/** The room id a role's name carries, or null when the name is not exactly of that form. */
export function roomIdOfRoleName(name: string): string | null {
  return parseRoomRoleName(name)?.roomId ?? null;
}

/** A removed user's mark on the room's channel (BAR_DENY). */
export function barOverwrite(userId: string): PermissionOverwriteInput {
  return { id: userId, type: 'member', deny: BAR_DENY };
}

export function hostOverwrite(userId: string): PermissionOverwriteInput {
  return { id: userId, type: 'member', allow: HOST_MARK };
}

/** When Discord made the object with this id. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}

/** The guild as Discord lists it: everything a read-back needs, fetched once. */
export interface GuildListing {
  guildId: string;
  botUserId: string;
  channels: readonly DiscordChannel[];
  roles: readonly DiscordRole[];
  members: readonly DiscordGuildMember[];
  /** Whether a category is one of ours (room-placement.ts decides). */
  isManagedCategory(category: DiscordChannel): boolean;
}

/** A room as Discord holds it. */
export interface RoomInDiscord {
  id: string;
  name: string;
  channelId: string;
  roleId: string;
  createdAt: number;
  /** Members holding the role: the host first, then by when they joined the server (see seatOrder); at most ROOM_PLAYER_LIMIT. */
  players: string[];
  /**
   * Members holding the role past the player limit, in seat order (an admin granted it by hand, or
   * two instances both granted the last seat), then barred members holding it: they lose the role,
   * so the room has 4 players again and the removed stay out.
   */
  extraPlayers: string[];
  profiles: Record<string, Profile>;
  /** The first player; null when nobody holds the role any more (the room is over). */
  hostId: string | null;
  /** From the role's name. */
  locked: boolean;
  linkGeneration: number;
  /** Members whose overwrite bars them (BAR_DENY), in overwrite order. */
  barred: string[];
  /**
   * Members marked as host on the channel who are no longer players (they left the server, or lost
   * the role while the app was down): the host changed hands.
   */
  formerHosts: string[];
  /**
   * What makes hostId the only marked member, in order: hostId's mark first (when it lacks one), then
   * every other mark removed. Other bits of those overwrites (an admin's) are kept.
   */
  markChanges: OverwriteChange[];
}

/** One member overwrite to write whole, or to delete (nothing but the mark was in it). */
export type OverwriteChange = { put: PermissionOverwriteInput } | { remove: string };

export interface ReadBack {
  rooms: RoomInDiscord[];
  /** `room-<id>` roles no managed voice channel is opened to. */
  loneRoles: Array<{ roleId: string; roomId: string }>;
  /** Our voice channels (by the bot's and @everyone's overwrites) with no room role of their own. */
  loneChannels: Array<{ channelId: string; parentId: string | null }>;
  /** Voice channels in a managed category that are not rooms and not ours either: left alone. */
  foreignChannels: string[];
}

/**
 * Rebuilds every room from the guild's channels, roles and members. A room is a voice channel in a
 * managed category that its `room-<id>` role is allowed to CONNECT to. Anything ambiguous is
 * settled by age (snowflake order), so two read-backs of the same guild always agree:
 * - a channel opened to two room roles belongs to the older role;
 * - a role (or a room id) claimed by two channels belongs to the older channel; the other channel is
 *   lone (it would let the room's players into a second channel);
 * - two members marked as host: the host is the one seated first, and the other mark is stale.
 */
export function readRoomsFromDiscord(listing: GuildListing): ReadBack {
  const managed = new Set(listing.channels.filter((c) => listing.isManagedCategory(c)).map((c) => c.id));
  const roomRoles = new Map<string, string>();
  const roleStates = new Map<string, RoomRoleState>();
  for (const role of listing.roles) {
    const state = parseRoomRoleName(role.name);
    if (state === null || role.id === listing.guildId) continue;
    roomRoles.set(role.id, state.roomId);
    roleStates.set(role.id, state);
  }
  const holders = holdersOf(listing.members, listing.botUserId, roomRoles);

  const result: ReadBack = { rooms: [], loneRoles: [], loneChannels: [], foreignChannels: [] };
  const claimedRoles = new Set<string>();
  const claimedRoomIds = new Set<string>();
  const voiceChannels = listing.channels.filter((c) => c.type === VOICE && c.parent_id && managed.has(c.parent_id)).sort((a, b) => compareSnowflakes(a.id, b.id));
  for (const channel of voiceChannels) {
    const overwrites = channel.permission_overwrites ?? [];
    const roleId = overwrites
      .filter((o) => o.type === ROLE_OVERWRITE && roomRoles.has(o.id) && (BigInt(o.allow) & PermissionFlagsBits.Connect) !== 0n)
      .map((o) => o.id)
      .sort(compareSnowflakes)[0];
    const roomId = roleId === undefined ? undefined : roomRoles.get(roleId);
    // One role names one room id, so a claimed room id also covers a role claimed twice.
    if (roleId === undefined || roomId === undefined || claimedRoomIds.has(roomId)) {
      if (isOurChannel(channel, listing)) result.loneChannels.push({ channelId: channel.id, parentId: channel.parent_id ?? null });
      else result.foreignChannels.push(channel.id);
      continue;
    }
    claimedRoles.add(roleId);
    claimedRoomIds.add(roomId);
    result.rooms.push(roomOf(channel, roleStates.get(roleId)!, roleId, holders.get(roleId) ?? [], listing.botUserId));
  }
  for (const [roleId, roomId] of roomRoles) if (!claimedRoles.has(roleId)) result.loneRoles.push({ roleId, roomId });
  return result;
}

/**
 * Seat order as Discord can tell it. Discord does not say when a role was granted, so after a
 * restart the players (after the host) are ordered by when they joined the server, then by user id:
 * the order in which they were seated is known only while the process that seated them runs.
 */
function seatOrder(a: DiscordGuildMember & { user: { id: string } }, b: DiscordGuildMember & { user: { id: string } }): number {
  const at = joinedAt(a);
  const bt = joinedAt(b);
  if (at !== bt) return at - bt;
  return compareSnowflakes(a.user.id, b.user.id);
}

function joinedAt(member: DiscordGuildMember): number {
  const at = member.joined_at ? Date.parse(member.joined_at) : Number.NaN;
  // A member with no join time sorts last: every real member has one.
  return Number.isNaN(at) ? Number.MAX_SAFE_INTEGER : at;
}

type ListedMember = DiscordGuildMember & { user: NonNullable<DiscordGuildMember['user']> };

function holdersOf(members: readonly DiscordGuildMember[], botUserId: string, roomRoles: ReadonlyMap<string, string>): Map<string, ListedMember[]> {
  const byRole = new Map<string, ListedMember[]>();
  for (const member of members) {
    const user = member.user;
    if (!user || user.id === botUserId) continue;
    for (const roleId of member.roles) {
      if (!roomRoles.has(roleId)) continue;
      const list = byRole.get(roleId) ?? [];
      list.push({ ...member, user });
      byRole.set(roleId, list);
    }
  }
  for (const list of byRole.values()) list.sort(seatOrder);
  return byRole;
}

function roomOf(channel: DiscordChannel, state: RoomRoleState, roleId: string, holders: ListedMember[], botUserId: string): RoomInDiscord {
  const members = (channel.permission_overwrites ?? []).filter((o) => o.type === MEMBER_OVERWRITE && o.id !== botUserId);
  const barred = members.filter((o) => (BigInt(o.deny) & BAR_DENY) === BAR_DENY).map((o) => o.id);
  const marks = members.filter((o) => (BigInt(o.allow) & HOST_MARK) !== 0n && !barred.includes(o.id));
  const marked = marks.map((o) => o.id);
  // A barred member holding the role (a crash between the bar and the role's removal, or an
  // admin's grant) is not seated: the bar is the host's word, and they lose the role below.
  const seated = holders.map((m) => m.user.id).filter((id) => !barred.includes(id));
  const barredHolders = holders.map((m) => m.user.id).filter((id) => barred.includes(id));
  const hostId = seated.find((id) => marked.includes(id)) ?? seated[0] ?? null;
  const inOrder = hostId === null ? [] : [hostId, ...seated.filter((id) => id !== hostId)];
  const players = inOrder.slice(0, ROOM_PLAYER_LIMIT);
  const markChanges: OverwriteChange[] = [];
  if (hostId !== null && !marked.includes(hostId)) {
    const own = members.find((o) => o.id === hostId);
    markChanges.push({ put: { id: hostId, type: 'member', allow: (own ? BigInt(own.allow) : 0n) | HOST_MARK, deny: own ? BigInt(own.deny) & ~HOST_MARK : 0n } });
  }
  for (const o of marks) {
    if (o.id === hostId) continue;
    const allow = BigInt(o.allow) & ~HOST_MARK;
    const deny = BigInt(o.deny);
    markChanges.push(allow === 0n && deny === 0n ? { remove: o.id } : { put: { id: o.id, type: 'member', allow, deny } });
  }
  const profiles: Record<string, Profile> = {};
  for (const m of holders) if (players.includes(m.user.id)) profiles[m.user.id] = { username: m.user.username, globalName: m.user.global_name ?? null, avatar: m.user.avatar ?? null };
  const name = RoomName.safeParse(channel.name ?? '');
  return {
    id: state.roomId,
    // Discord allows voice channel names our form does not (an admin's rename): show something sane.
    name: name.success ? name.data : 'Room',
    channelId: channel.id,
    roleId,
    createdAt: snowflakeTime(channel.id),
    players,
    extraPlayers: [...inOrder.slice(ROOM_PLAYER_LIMIT), ...barredHolders],
    profiles,
    hostId,
    locked: state.locked,
    linkGeneration: state.linkGeneration,
    barred,
    formerHosts: marked.filter((id) => !seated.includes(id)),
    markChanges,
  };
}

/**
 * A channel we made, by the overwrites every room channel gets: @everyone denied CONNECT and the bot
 * allowed MOVE_MEMBERS. An admin's own voice channel in a rooms category lacks them and is left alone.
 */
function isOurChannel(channel: DiscordChannel, listing: GuildListing): boolean {
  const overwrites = channel.permission_overwrites ?? [];
  const everyone = overwrites.find((o) => o.id === listing.guildId && o.type === ROLE_OVERWRITE);
  const bot = overwrites.find((o) => o.id === listing.botUserId && o.type === MEMBER_OVERWRITE);
  return (
    everyone !== undefined &&
    (BigInt(everyone.deny) & PermissionFlagsBits.Connect) !== 0n &&
    bot !== undefined &&
    (BigInt(bot.allow) & PermissionFlagsBits.MoveMembers) !== 0n
  );
}

/** Snowflakes by age (numeric order): strings of different lengths compare wrongly. */
function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
