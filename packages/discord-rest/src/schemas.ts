import { z } from 'zod';

/*
 * The parts of Discord's payloads the app relies on. Loose objects: Discord adds fields all the time
 * and they pass through untouched; a missing field we rely on is a DiscordInvalidResponseError.
 */

const snowflake = z.string().regex(/^\d+$/, 'a snowflake');

export const userSchema = z.looseObject({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish(),
  avatar: z.string().nullish(),
  bot: z.boolean().optional(),
});
export type DiscordUser = z.infer<typeof userSchema>;

export const roleSchema = z.looseObject({
  id: snowflake,
  name: z.string(),
  permissions: z.string(),
  position: z.number(),
});
export type DiscordRole = z.infer<typeof roleSchema>;

export const permissionOverwriteSchema = z.looseObject({
  id: snowflake,
  /** 0 role, 1 member. */
  type: z.number(),
  allow: z.string(),
  deny: z.string(),
});
export type DiscordPermissionOverwrite = z.infer<typeof permissionOverwriteSchema>;

export const channelSchema = z.looseObject({
  id: snowflake,
  /** 2 is a voice channel, 4 a category. */
  type: z.number(),
  name: z.string().nullish(),
  guild_id: snowflake.optional(),
  parent_id: snowflake.nullish(),
  user_limit: z.number().optional(),
  permission_overwrites: z.array(permissionOverwriteSchema).optional(),
});
export type DiscordChannel = z.infer<typeof channelSchema>;

export const guildMemberSchema = z.looseObject({
  user: userSchema.optional(),
  nick: z.string().nullish(),
  roles: z.array(snowflake),
  /** ISO 8601; Discord sends null for a guest member who never joined. */
  joined_at: z.string().nullish(),
});
export type DiscordGuildMember = z.infer<typeof guildMemberSchema>;

/** GET /guilds/:id: who owns it (the owner holds every permission) and its name. */
export const guildSchema = z.looseObject({
  id: snowflake,
  name: z.string(),
  owner_id: snowflake,
});
export type DiscordGuild = z.infer<typeof guildSchema>;

/** GET /users/@me/guilds: a server as the current user's (or bot's) list gives it. */
export const partialGuildSchema = z.looseObject({ id: snowflake, name: z.string(), owner: z.boolean().optional(), permissions: z.string().regex(/^\d{1,20}$/).optional() });
export type DiscordPartialGuild = z.infer<typeof partialGuildSchema>;

/** POST /channels/:id/invites: the invite's code (https://discord.gg/<code>). */
export const inviteSchema = z.looseObject({
  code: z.string().min(1),
  expires_at: z.string().nullish(),
});
export type DiscordInvite = z.infer<typeof inviteSchema>;

/** GET /oauth2/@me: what a user's access token may do. */
export const authorizationSchema = z.looseObject({
  scopes: z.array(z.string()),
  expires: z.string(),
  user: userSchema.optional(),
});
export type DiscordAuthorization = z.infer<typeof authorizationSchema>;
