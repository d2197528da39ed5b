import type { DiscordMember, DiscordVoiceState } from './discord-payloads.ts';

/**
 * VOICE_STATE_UPDATE's payload, checked by hand: the one dispatch on the real-time hot path (every
 * mute, deafen and move). The same answer as `voiceStateSchema.safeParse(d)` — the same refusals,
 * the same output object (unknown fields dropped, defaults filled in, optional keys present exactly
 * when zod keeps them) — without zod's generic walk, which was ~4 % of an event's CPU. Null where
 * zod refuses; the caller then asks zod for the issues to log, so zod stays the judge of anything
 * this function does not accept. voice-state-parse.test.ts compares the two on generated payloads.
 */
export function parseVoiceState(d: unknown): DiscordVoiceState | null {
  if (!isObject(d)) return null;
  const guildId = d.guild_id;
  if (guildId !== undefined && !isSnowflake(guildId)) return null;
  const channelId = d.channel_id;
  if (channelId !== null && !isSnowflake(channelId)) return null;
  const userId = d.user_id;
  if (!isSnowflake(userId)) return null;
  let member: DiscordMember | undefined;
  if (d.member !== undefined) {
    const m = parseMember(d.member);
    if (m === null) return null;
    member = m;
  }
  const { deaf, mute, self_deaf: selfDeaf, self_mute: selfMute } = d;
  if (typeof deaf !== 'boolean' || typeof mute !== 'boolean' || typeof selfDeaf !== 'boolean' || typeof selfMute !== 'boolean') return null;
  const selfStream = optionalBoolean(d.self_stream);
  const selfVideo = optionalBoolean(d.self_video);
  const suppress = optionalBoolean(d.suppress);
  if (selfStream === null || selfVideo === null || suppress === null) return null;

  const out = {} as DiscordVoiceState;
  if ('guild_id' in d) out.guild_id = guildId;
  out.channel_id = channelId;
  out.user_id = userId;
  if ('member' in d) out.member = member;
  out.deaf = deaf;
  out.mute = mute;
  out.self_deaf = selfDeaf;
  out.self_mute = selfMute;
  out.self_stream = selfStream;
  out.self_video = selfVideo;
  out.suppress = suppress;
  return out;
}

function parseMember(value: unknown): DiscordMember | null {
  if (!isObject(value)) return null;
  const u = value.user;
  if (!isObject(u)) return null;
  const { id, username, bot } = u;
  if (!isSnowflake(id) || typeof username !== 'string') return null;
  if (bot !== undefined && typeof bot !== 'boolean') return null;
  const globalName = nullishString(u.global_name);
  const userAvatar = nullishString(u.avatar);
  const nick = nullishString(value.nick);
  const avatar = nullishString(value.avatar);
  if (globalName === false || userAvatar === false || nick === false || avatar === false) return null;
  const user: DiscordMember['user'] = { id, username, global_name: globalName, avatar: userAvatar };
  if ('bot' in u) user.bot = bot;
  return { user, nick, avatar };
}

type Fields = Record<string, unknown>;

/** What zod's `z.object` takes: any non-null object but an array. */
function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `z.string().min(1)`. */
function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** `z.boolean().optional().default(false)`: the value, false when absent, null when refused. */
function optionalBoolean(value: unknown): boolean | null {
  if (value === undefined) return false;
  return typeof value === 'boolean' ? value : null;
}

/** `z.string().nullish().transform((v) => v ?? null)`: the string or null, false when refused. */
function nullishString(value: unknown): string | null | false {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : false;
}
