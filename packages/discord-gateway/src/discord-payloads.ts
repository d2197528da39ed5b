import { z } from 'zod';

/**
 * The parts of Discord's dispatch payloads the cache relies on, parsed at the boundary. Unknown
 * fields are dropped; fields Discord documents as optional default to what their absence means.
 */

const snowflake = z.string().min(1);

export const userSchema = z.object({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish().transform((v) => v ?? null),
  avatar: z.string().nullish().transform((v) => v ?? null),
  bot: z.boolean().optional(),
});

export const memberSchema = z.object({
  user: userSchema,
  nick: z.string().nullish().transform((v) => v ?? null),
  avatar: z.string().nullish().transform((v) => v ?? null),
});
export type DiscordMember = z.infer<typeof memberSchema>;

export const voiceStateSchema = z.object({
  guild_id: snowflake.optional(),
  channel_id: snowflake.nullable(),
  user_id: snowflake,
  member: memberSchema.optional(),
  deaf: z.boolean(),
  mute: z.boolean(),
  self_deaf: z.boolean(),
  self_mute: z.boolean(),
  self_stream: z.boolean().optional().default(false),
  self_video: z.boolean().optional().default(false),
  suppress: z.boolean().optional().default(false),
});
export type DiscordVoiceState = z.infer<typeof voiceStateSchema>;

export const channelSchema = z.object({
  id: snowflake,
  type: z.number().int(),
  guild_id: snowflake.optional(),
  name: z.string().nullish().transform((v) => v ?? null),
  parent_id: snowflake.nullish().transform((v) => v ?? null),
});
export type DiscordChannel = z.infer<typeof channelSchema>;

/** Only the id: the cache counts roles (Discord allows 250 per guild), it does not keep them. */
export const roleRefSchema = z.object({ id: snowflake });

export const guildCreateSchema = z.object({
  id: snowflake,
  unavailable: z.boolean().optional(),
  name: z.string().default(''),
  owner_id: snowflake.nullish().transform((v) => v ?? null),
  channels: z.array(channelSchema).default([]),
  roles: z.array(roleRefSchema).default([]),
  members: z.array(memberSchema).default([]),
  voice_states: z.array(voiceStateSchema).default([]),
});
export type DiscordGuildCreate = z.infer<typeof guildCreateSchema>;

export const guildDeleteSchema = z.object({
  id: snowflake,
  unavailable: z.boolean().optional(),
});

/** READY: the fields this package reads (the bot's guilds of the session's shard, all unavailable at first). */
export const readySchema = z.object({ guilds: z.array(z.object({ id: snowflake })) });

export const guildMemberAddSchema = memberSchema.extend({ guild_id: snowflake });

/** GUILD_MEMBER_UPDATE sends the whole member too, but only `user` is guaranteed. */
export const guildMemberUpdateSchema = z.object({
  guild_id: snowflake,
  user: userSchema,
  nick: z.string().nullish(),
  avatar: z.string().nullish(),
});
export type DiscordMemberUpdate = z.infer<typeof guildMemberUpdateSchema>;

export const guildMemberRemoveSchema = z.object({
  guild_id: snowflake,
  user: z.object({ id: snowflake, username: z.string().optional() }),
});

/** GUILD_ROLE_CREATE and GUILD_ROLE_UPDATE. */
export const guildRoleSchema = z.object({ guild_id: snowflake, role: roleRefSchema });

export const guildRoleDeleteSchema = z.object({ guild_id: snowflake, role_id: snowflake });
