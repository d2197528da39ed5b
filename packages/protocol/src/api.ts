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

/**
 * A server as the signed-in user sees it (GET /api/me's `guilds`, the lobby's loader): one the bot
 * is in and the user is a member of. `capacity` is null when it is not known right now (Discord did
 * not answer, or rooms are off there).
 */
export const UserServer = z.object({
  id: z.string(),
  name: z.string(),
  /** The deployment's home server (DISCORD_GUILD_ID, or the bot's oldest). */
  home: z.boolean(),
  /** Rooms are on there, the server is available, and at least one more room fits. */
  canCreateRooms: z.boolean(),
  roomsEnabled: z.boolean(),
  /** The user may open the server's settings page. */
  canManage: z.boolean(),
  capacity: z.object({ roomsAvailable: z.number().int(), roomsInUse: z.number().int() }).nullable(),
});
export type UserServer = z.infer<typeof UserServer>;

export const WsTokenResponse = z.object({ token: z.string().min(1), expiresAt: z.number() });
export type WsTokenResponse = z.infer<typeof WsTokenResponse>;
