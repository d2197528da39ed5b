import { z } from 'zod';

/**
 * Bodies of the control API (`/_emulator/*`). Objects are strict so a typo ("chanelId") is a
 * clear 400 instead of a silent no-op.
 */

const method = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));

const route = z.string().startsWith('/', { error: 'route must start with "/" (e.g. "/guilds/:id/channels")' });

export const voiceCommandSchema = z.strictObject({
  userId: z.string().min(1),
  channelId: z.string().min(1).nullable().optional(),
  guildId: z.string().optional(),
  selfMute: z.boolean().optional(),
  selfDeaf: z.boolean().optional(),
  mute: z.boolean().optional(),
  deaf: z.boolean().optional(),
  selfStream: z.boolean().optional(),
  selfVideo: z.boolean().optional(),
  force: z.boolean().optional(),
});

export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.enum(['gateway.drop', 'gateway.zombie', 'gateway.reconnect', 'gateway.invalidSession']),
    resumable: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('gateway.forgetSessions') }),
  z.strictObject({
    kind: z.literal('rest.status'),
    method: method.optional(),
    route,
    status: z.number().int().min(200).max(599),
    count: z.number().int().min(1).default(1),
    retryAfter: z.number().positive().max(3600).optional(),
    global: z.boolean().optional(),
    scope: z.enum(['user', 'shared']).optional(),
  }),
  z.strictObject({
    kind: z.literal('rest.hang'),
    method: method.optional(),
    route,
    count: z.number().int().min(1).default(1),
  }),
  z.strictObject({ kind: z.literal('latency'), ms: z.number().int().min(0).max(60_000) }),
  z.strictObject({ kind: z.literal('oauth.expireTokens'), userId: z.string().min(1).optional() }),
]);

export type FaultCommand = z.output<typeof faultSchema>;

/** `POST /_emulator/session-start-limit`: set the identify budget (e.g. `{ remaining: 0 }`). */
export const sessionStartLimitSchema = z
  .strictObject({
    remaining: z.number().int().min(0).optional(),
    resetAfterMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((b) => b.remaining !== undefined || b.resetAfterMs !== undefined, { error: 'give remaining and/or resetAfterMs' });

/** `POST /_emulator/faults/gateway-outage`: keep the bot off the Gateway for `durationMs` (0 ends an outage). */
export const gatewayOutageSchema = z.strictObject({
  durationMs: z.number().int().min(0).max(86_400_000),
});

export const createUserSchema = z.strictObject({
  username: z.string().regex(/^[a-z0-9_.]{2,32}$/, { error: 'username: 2–32 of a-z, 0-9, "_" and "."' }),
  globalName: z.string().min(1).max(32).nullable().optional(),
  avatar: z.string().regex(/^[0-9a-f]{32}$/).nullable().optional(),
  member: z.boolean().default(true),
});

const guildId = z.string().regex(/^\d{1,20}$/, { error: 'guildId must be a guild id (a snowflake)' });

/** `POST /_emulator/bot-membership`: remove the bot from a guild (`member: false`) or add it back. */
export const botMembershipSchema = z.strictObject({ guildId, member: z.boolean() });

/** `POST /_emulator/guild-availability`: a guild outage (`available: false`) or its end. */
export const guildAvailabilitySchema = z.strictObject({ guildId, available: z.boolean() });

/** `POST /_emulator/guild-membership`: a user joins or leaves a guild; `manageGuild` gives or takes its "Admin" role. */
export const guildMembershipSchema = z.strictObject({
  guildId,
  userId: z.string().min(1),
  member: z.boolean(),
  manageGuild: z.boolean().optional(),
});
