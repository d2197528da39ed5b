import {
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildHubType,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildVerificationLevel,
  Locale,
  type APIGuild,
  type APIGuildCategoryChannel,
  type APIGuildMember,
  type APIGuildStageVoiceChannel,
  type APIGuildVoiceChannel,
  type APINewsChannel,
  type APIOverwrite,
  type APIRole,
  type APITextChannel,
  type APIUser,
  type APIVoiceState,
  type GatewayChannelModifyDispatchData,
} from 'discord-api-types/v10';

/**
 * Internal records and their Discord v10 JSON shapes. State keeps compact records; these functions
 * are the single place that knows how Discord spells each object, so REST responses and Gateway
 * dispatches always agree.
 */

/** The channel kinds the emulator models (no threads, forums or DMs: the app never uses them). */
export type ModeledChannelType =
  | ChannelType.GuildText
  | ChannelType.GuildVoice
  | ChannelType.GuildCategory
  | ChannelType.GuildAnnouncement
  | ChannelType.GuildStageVoice;

export const MODELED_CHANNEL_TYPES: readonly ModeledChannelType[] = [
  ChannelType.GuildText,
  ChannelType.GuildVoice,
  ChannelType.GuildCategory,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildStageVoice,
];

export function isVoiceType(type: ChannelType): boolean {
  return type === ChannelType.GuildVoice || type === ChannelType.GuildStageVoice;
}

export interface ChannelRecord {
  id: string;
  guildId: string;
  type: ModeledChannelType;
  name: string;
  position: number;
  parentId: string | null;
  overwrites: APIOverwrite[];
  topic: string | null;
  nsfw: boolean;
  bitrate: number;
  userLimit: number;
  rateLimitPerUser: number;
  rtcRegion: string | null;
}

export interface MemberRecord {
  userId: string;
  nick: string | null;
  roles: string[];
  joinedAt: string;
  mute: boolean;
  deaf: boolean;
}

export interface VoiceStateRecord {
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  selfStream: boolean;
  selfVideo: boolean;
  suppress: boolean;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  /** When the bot joined: GUILD_CREATE's `joined_at`. */
  joinedAt: string;
  systemChannelId: string | null;
  /** False during an emulated outage: the bot got GUILD_DELETE `unavailable: true` and sees none of its events. */
  available: boolean;
  roles: Map<string, APIRole>;
  channels: Map<string, ChannelRecord>;
  members: Map<string, MemberRecord>;
  /** Keyed by user id; only users currently connected to a channel of this guild. */
  voice: Map<string, VoiceStateRecord>;
}

export type GuildChannelPayload = GatewayChannelModifyDispatchData;

export function channelPayload(ch: ChannelRecord): GuildChannelPayload {
  const base = {
    id: ch.id,
    guild_id: ch.guildId,
    name: ch.name,
    position: ch.position,
    permission_overwrites: ch.overwrites.map((o) => ({ ...o })),
    nsfw: ch.nsfw,
    flags: 0,
  };
  switch (ch.type) {
    case ChannelType.GuildCategory:
      return { ...base, type: ch.type, parent_id: null } satisfies APIGuildCategoryChannel & { guild_id: string };
    case ChannelType.GuildVoice:
    case ChannelType.GuildStageVoice: {
      const voice = {
        ...base,
        parent_id: ch.parentId,
        bitrate: ch.bitrate,
        user_limit: ch.userLimit,
        rtc_region: ch.rtcRegion,
        rate_limit_per_user: ch.rateLimitPerUser,
        last_message_id: null,
      };
      return ch.type === ChannelType.GuildVoice
        ? ({ ...voice, type: ch.type } satisfies APIGuildVoiceChannel & { guild_id: string })
        : ({ ...voice, type: ch.type } satisfies APIGuildStageVoiceChannel & { guild_id: string });
    }
    case ChannelType.GuildText:
    case ChannelType.GuildAnnouncement: {
      const text = {
        ...base,
        parent_id: ch.parentId,
        topic: ch.topic,
        rate_limit_per_user: ch.rateLimitPerUser,
        last_message_id: null,
      };
      return ch.type === ChannelType.GuildText
        ? ({ ...text, type: ch.type } satisfies APITextChannel & { guild_id: string })
        : ({ ...text, type: ch.type } satisfies APINewsChannel & { guild_id: string });
    }
  }
}

export function memberPayload(member: MemberRecord, user: APIUser): APIGuildMember {
  return {
    user: { ...user },
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: member.deaf,
    mute: member.mute,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  } satisfies APIGuildMember;
}

export function voiceStatePayload(
  guildId: string,
  vs: { userId: string; channelId: string | null; sessionId: string } & Omit<VoiceStateRecord, 'userId' | 'channelId' | 'sessionId'>,
  member: MemberRecord,
  user: APIUser,
): APIVoiceState & { member: APIGuildMember } {
  return {
    guild_id: guildId,
    channel_id: vs.channelId,
    user_id: vs.userId,
    member: memberPayload(member, user),
    session_id: vs.sessionId,
    deaf: member.deaf,
    mute: member.mute,
    self_deaf: vs.selfDeaf,
    self_mute: vs.selfMute,
    self_stream: vs.selfStream,
    self_video: vs.selfVideo,
    suppress: vs.suppress,
    request_to_speak_timestamp: null,
  };
}

/**
 * The guild object as Discord sends it: its OpenAPI description requires `home_header` and the
 * deprecated `nsfw`, which discord-api-types does not type.
 */
export type GuildPayload = APIGuild & { home_header: string | null; nsfw: boolean };

export function guildPayload(g: GuildRecord): GuildPayload {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    home_header: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: [...g.roles.values()].map((r) => ({ ...r })),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: g.systemChannelId,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    max_presences: null,
    max_members: 25_000_000,
    vanity_url_code: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw: false,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null satisfies GuildHubType | null,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}
