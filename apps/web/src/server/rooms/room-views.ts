import type { CachedVoiceState, VoiceStateView } from '@repo/discord-gateway';
import { type Player, ROOM_PLAYER_LIMIT, type RoomListing, type UserSummary, type VoiceMember } from '@repo/protocol';
import { avatarUrl } from '../auth/session.ts';
import { type RoomView, membershipOf } from './room.ts';

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
  voiceMember(room: RoomView, m: CachedVoiceState): VoiceMember {
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
      signedIn: known !== undefined,
    };
  }

  /** Everyone in the room's voice channel right now. */
  inVoice(room: RoomView): VoiceMember[] {
    return [...this.voice.membersIn(room.guildId, room.channelId).values()].map((m) => this.voiceMember(room, m));
  }

  /** The user's lobby, newest room first. */
  listings(rooms: readonly RoomView[], userId: string): RoomListing[] {
    return [...rooms]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((room) => ({
        id: room.id,
        name: room.name,
        creatorId: room.creatorId,
        players: room.players.length,
        playerLimit: ROOM_PLAYER_LIMIT,
        inVoice: this.voice.membersIn(room.guildId, room.channelId).size,
        role: membershipOf(room, userId) ?? 'spectator',
      }));
  }
}
