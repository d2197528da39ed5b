import type { CachedVoiceState, VoiceStateView } from '@repo/discord-gateway';
import { type Player, ROOM_PLAYER_LIMIT, type RoomListing, type UserSummary, type VoiceMember } from '@repo/protocol';
import { avatarUrl } from '../auth/session.ts';
import type { SiteUsers } from '../auth/site-users.ts';
import { type RoomView, membershipOf } from './room.ts';

const NOBODY: ReadonlySet<string> = new Set();

/**
 * A stored room as browsers see it (the protocol's shapes): its people with their avatars, who is
 * in its voice channel, its line in a lobby. Reads only: it changes nothing.
 */
export class RoomViews {
  constructor(
    /** Where avatars are served: Discord's CDN, or the emulator. */
    private readonly cdnUrl: string,
    /** Who is in voice where: the Gateway's cache (or, with several instances, the holder's copy). */
    private readonly voice: VoiceStateView,
    /** Who has signed in to the site at all, in the room or not. */
    private readonly siteUsers: Pick<SiteUsers, 'signedIn' | 'signedInNow'>,
  ) {}

  people(room: RoomView): { players: Player[]; spectators: UserSummary[] } {
    const summary = (userId: string): UserSummary => {
      const p = room.profiles[userId];
      return { userId, username: p?.username ?? 'unknown', globalName: p?.globalName ?? null, avatarUrl: avatarUrl(this.cdnUrl, userId, p?.avatar ?? null) };
    };
    return {
      players: room.players.map((u) => ({ ...summary(u), creator: u === room.creatorId })),
      spectators: room.spectators.map(summary),
    };
  }

  /** Someone in the room's voice channel: Discord's profile first, the one the room remembers next. */
  async voiceMember(room: RoomView, m: CachedVoiceState): Promise<VoiceMember> {
    return this.#member(room, m, room.profiles[m.userId] ? new Set() : await this.siteUsers.signedIn([m.userId]));
  }

  /** The same, at once; undefined when it takes asking a site-user store outside this process. */
  voiceMemberNow(room: RoomView, m: CachedVoiceState): VoiceMember | undefined {
    if (room.profiles[m.userId]) return this.#member(room, m, NOBODY);
    return this.siteUsers.signedInNow ? this.#member(room, m, this.siteUsers.signedInNow([m.userId])) : undefined;
  }

  /**
   * `signedIn`: the room knows them (joining took a sign-in), or they have signed in to the site
   * without joining: "not a player" rather than "in Discord only".
   */
  #member(room: RoomView, m: CachedVoiceState, siteUsers: ReadonlySet<string>): VoiceMember {
    const known = room.profiles[m.userId];
    return {
      userId: m.userId,
      username: m.username ?? known?.username ?? 'unknown',
      globalName: m.displayName ?? m.globalName ?? known?.globalName ?? null,
      avatarUrl: avatarUrl(this.cdnUrl, m.userId, m.avatar ?? known?.avatar ?? null),
      selfMute: m.selfMute,
      selfDeaf: m.selfDeaf,
      mute: m.mute,
      deaf: m.deaf,
      streaming: m.selfStream,
      video: m.selfVideo,
      signedIn: known !== undefined || siteUsers.has(m.userId),
    };
  }

  /** Everyone in the room's voice channel right now. */
  async inVoice(room: RoomView): Promise<VoiceMember[]> {
    const members = [...this.voice.membersIn(room.guildId, room.channelId).values()];
    const strangers = members.map((m) => m.userId).filter((id) => room.profiles[id] === undefined);
    // One question for the whole channel, and none when everyone in it is the room's.
    const siteUsers = strangers.length > 0 ? await this.siteUsers.signedIn(strangers) : new Set<string>();
    return members.map((m) => this.#member(room, m, siteUsers));
  }

  /** The user's lobby, newest room first. */
  listings(rooms: readonly RoomView[], userId: string): RoomListing[] {
    return [...rooms]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((room) => ({
        id: room.id,
        name: room.name,
        creatorId: room.creatorId,
        guildId: room.guildId,
        players: room.players.length,
        playerLimit: ROOM_PLAYER_LIMIT,
        inVoice: this.voice.membersIn(room.guildId, room.channelId).size,
        role: membershipOf(room, userId) ?? 'spectator',
      }));
  }
}
