import { z } from 'zod';

/**
 * Request body schemas for the REST routes, with Discord's limits. Unknown keys are stripped
 * (Discord ignores fields it does not know); `null` is accepted wherever Discord treats it as
 * "unset", because discord.js sends explicit nulls.
 */

/**
 * Snowflakes are strings on the wire, but Discord also accepts JSON integers (some clients send
 * them). Integers beyond 2^53 arrive as exact strings (http/json-body.ts); safe ones become strings here.
 */
export const snowflake = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  z.string().regex(/^\d{15,21}$/),
);

/** Permission bitfields travel as decimal strings; numbers are tolerated for small values. */
export const permissionBits = z
  .union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()])
  .transform((v) => BigInt(v));

export function discordString(min: number, max: number) {
  const error = `Must be between ${min} and ${max} in length.`;
  return z.string().min(min, { error }).max(max, { error });
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const overwriteSchema = z.object({
  id: snowflake,
  type: z.literal([0, 1]),
  allow: permissionBits.nullish(),
  deny: permissionBits.nullish(),
});

/** The channel kinds the emulator models: text, voice, category, announcement, stage. */
const channelType = z.literal([0, 2, 4, 5, 13]);

export const createChannelSchema = z.object({
  name: discordString(1, 100),
  type: channelType.nullish(),
  topic: z.string().max(1024).nullish(),
  bitrate: int(8_000, 384_000).nullish(),
  user_limit: int(0, 99).nullish(),
  rate_limit_per_user: int(0, 21_600).nullish(),
  position: z.number().int().nullish(),
  permission_overwrites: z.array(overwriteSchema).max(100).nullish(),
  parent_id: snowflake.nullish(),
  nsfw: z.boolean().nullish(),
  rtc_region: z.string().nullish(),
});

export const modifyChannelSchema = createChannelSchema.omit({ type: true }).partial().extend({
  name: discordString(1, 100).optional(),
});

export const roleSchema = z.object({
  name: z.string().max(100, { error: 'Must be 100 or fewer in length.' }).nullish(),
  permissions: permissionBits.nullish(),
  color: int(0, 0xffffff).nullish(),
  hoist: z.boolean().nullish(),
  mentionable: z.boolean().nullish(),
});

export const addMemberSchema = z.object({
  access_token: z.string().min(1),
  nick: z.string().max(32).nullish(),
  roles: z.array(snowflake).nullish(),
  mute: z.boolean().nullish(),
  deaf: z.boolean().nullish(),
});

export const modifyMemberSchema = z.object({
  nick: z.string().max(32).nullish(),
  roles: z.array(snowflake).nullish(),
  mute: z.boolean().nullish(),
  deaf: z.boolean().nullish(),
  channel_id: snowflake.nullish(),
});

export const overwriteEditSchema = z.object({
  type: z.literal([0, 1]),
  allow: permissionBits.nullish(),
  deny: permissionBits.nullish(),
});

export const listMembersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1),
  after: snowflake.or(z.literal('0')).default('0'),
});

/** GET /users/@me/guilds: `limit` 1–200 (default 200), `before` / `after` a guild id, `with_counts`. */
export const listMyGuildsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(200),
  before: snowflake.optional(),
  after: snowflake.or(z.literal('0')).optional(),
  with_counts: z.enum(['true', 'false']).optional(),
});
