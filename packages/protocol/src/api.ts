import { z } from 'zod';
import { RoomInfo } from './rooms.ts';

/** Shapes of the JSON API (specs/rooms-api.md), parsed by the browser and produced by the server. */

/** Every error answer: `message` is safe to show; `reason` is a stable code where `kind` is too coarse. */
export const ApiErrorBody = z.object({
  error: z.object({
    kind: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    loginUrl: z.string().optional(),
    retryAfterSeconds: z.number().optional(),
    retryable: z.boolean().optional(),
    reason: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const CreatedRoom = z.object({ room: RoomInfo, inviteUrl: z.string(), spectatorUrl: z.string() });
export type CreatedRoom = z.infer<typeof CreatedRoom>;

export const VoiceAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('moved'), channelId: z.string() }),
  z.object({ action: z.literal('open-in-discord'), url: z.string() }),
]);
export type VoiceAction = z.infer<typeof VoiceAction>;

export const WsTokenResponse = z.object({ token: z.string().min(1), expiresAt: z.number() });
export type WsTokenResponse = z.infer<typeof WsTokenResponse>;
