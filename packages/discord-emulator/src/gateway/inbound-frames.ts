import { z } from 'zod';

/**
 * Schemas of what a client may send (Discord's "Gateway Commands"). Every inbound frame goes
 * through the envelope first and then through the schema of its opcode; a frame that fails either
 * is what Discord calls a decode error (close 4002). Checks whose failure has its own close code
 * (token → 4004, intents → 4013/4014, shard → 4010) are left to the handler, so these schemas
 * accept any value of the right JSON type for those fields.
 */

/** Discord: "payloads sent by apps must not exceed 4096 bytes" (close 4002 beyond that). */
export const MAX_INBOUND_FRAME_BYTES = 4096;

export const envelopeSchema = z.object({
  op: z.number().int(),
  d: z.unknown(),
});

/** `d` is the last sequence number the client received, or null before the first dispatch. */
export const heartbeatSchema = z.number().int().nonnegative().nullish();

const presenceSchema = z.object({
  since: z.number().nullish(),
  // Some clients send `activities: null` for "no activity" in IDENTIFY's presence; Discord accepts it.
  activities: z.array(z.unknown()).nullish(),
  status: z.string().optional(),
  afk: z.boolean().optional(),
});

export const identifySchema = z.object({
  token: z.string().min(1),
  properties: z.object({ os: z.string(), browser: z.string(), device: z.string() }),
  compress: z.boolean().optional(),
  large_threshold: z.number().int().optional(),
  shard: z.array(z.number()).optional(),
  presence: presenceSchema.optional(),
  // Required by v10, but its absence is answered with 4013 rather than a decode error: that close
  // tells a developer what is wrong.
  intents: z.number().optional(),
  capabilities: z.number().int().optional(),
});
export type IdentifyData = z.infer<typeof identifySchema>;

export const resumeSchema = z.object({
  token: z.string().min(1),
  session_id: z.string().min(1),
  seq: z.number().int().nonnegative(),
});
export type ResumeData = z.infer<typeof resumeSchema>;

export const presenceUpdateSchema = presenceSchema;

export const voiceStateUpdateSchema = z.object({
  guild_id: z.string(),
  channel_id: z.string().nullable(),
  self_mute: z.boolean(),
  self_deaf: z.boolean(),
});

export const requestGuildMembersSchema = z
  .object({
    guild_id: z.union([z.string(), z.array(z.string())]),
    query: z.string().optional(),
    limit: z.number().int().nonnegative().optional(),
    presences: z.boolean().optional(),
    user_ids: z.union([z.string(), z.array(z.string())]).optional(),
    // Discord rejects nonces longer than 32 bytes; the reply simply omits such a nonce.
    nonce: z.string().optional(),
  })
  .refine((d) => d.query !== undefined || d.user_ids !== undefined, {
    message: 'either query or user_ids is required',
  });
export type RequestGuildMembersData = z.infer<typeof requestGuildMembersSchema>;

export const requestSoundboardSoundsSchema = z.object({
  guild_ids: z.array(z.string()),
});
