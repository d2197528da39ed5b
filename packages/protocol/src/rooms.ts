import { z } from 'zod';

/** At most this many players (voice role holders) per room, the creator included (R-ROOM3). */
export const ROOM_PLAYER_LIMIT = 4;
/** Players and spectators together (R-ROOM9). */
export const ROOM_VIEWER_LIMIT = 16;
/** Open rooms one user may have created at a time. */
export const OPEN_ROOMS_PER_USER = 3;

/** Room names: 1–100 characters after trimming, no control characters; emoji and markup are fine (rendered as text). */
export const RoomName = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, 'Give the room a name.')
      .max(100, 'Room names are at most 100 characters.')
      .refine((s) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(s.replace(/\u200d/g, '')), 'Room names cannot contain control characters.'),
  );

export const RoomId = z.string().regex(/^[a-z0-9]{8,16}$/, 'not a room id');

export const UserSummary = z.object({
  userId: z.string(),
  username: z.string(),
  globalName: z.string().nullable(),
  avatarUrl: z.string().nullable(),
});
export type UserSummary = z.infer<typeof UserSummary>;

export const Player = UserSummary.extend({ creator: z.boolean() });
export type Player = z.infer<typeof Player>;

/** Someone in the room's voice channel, as Discord reports them. */
export const VoiceMember = UserSummary.extend({
  selfMute: z.boolean(),
  selfDeaf: z.boolean(),
  mute: z.boolean(),
  deaf: z.boolean(),
  streaming: z.boolean(),
  video: z.boolean(),
  /** False for people who joined the channel from Discord without ever signing in to the site. */
  signedIn: z.boolean(),
});
export type VoiceMember = z.infer<typeof VoiceMember>;

export const RoomInfo = z.object({
  id: RoomId,
  name: z.string(),
  creatorId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  createdAt: z.number(),
  playerLimit: z.number().int(),
  /** A warning that the room will be closed for inactivity is running. */
  closingAt: z.number().nullable(),
  /** The host locked the room: its links seat nobody new (403 `room_locked`); who is seated stays. */
  locked: z.boolean(),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const RoomSnapshot = z.object({
  roomId: RoomId,
  room: RoomInfo,
  players: z.array(Player),
  spectators: z.array(UserSummary),
  voice: z.array(VoiceMember),
  /** The room's event sequence number this snapshot reflects; the next event carries seq + 1. */
  seq: z.number().int().nonnegative(),
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

/** Why a room closed; `bot_removed`: the bot was removed from the room's Discord server (issue 17). */
export const RoomDeletedReason = z.enum(['closed', 'idle', 'channel_deleted', 'bot_removed']);
export type RoomDeletedReason = z.infer<typeof RoomDeletedReason>;

const roomEvent = { roomId: RoomId, seq: z.number().int().positive() };
const voiceEvent = {
  ...roomEvent,
  /**
   * When the server received the Discord dispatch behind this change (ms since the epoch, the
   * server's clock): the start of the delivery latency the server measures (Gateway receive →
   * frames written, `spellrooms_delivery_latency_seconds`). Absent only from events no dispatch caused.
   */
  receivedAt: z.number().nonnegative().optional(),
};

/** Events on a room's stream, each with the room's next sequence number. */
export const RoomEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('voice.joined'), payload: z.object({ ...voiceEvent, member: VoiceMember }) }),
  z.object({ event: z.literal('voice.left'), payload: z.object({ ...voiceEvent, userId: z.string() }) }),
  z.object({ event: z.literal('voice.updated'), payload: z.object({ ...voiceEvent, member: VoiceMember }) }),
  z.object({
    event: z.literal('room.updated'),
    payload: z.object({ ...roomEvent, room: RoomInfo, players: z.array(Player), spectators: z.array(UserSummary) }),
  }),
  z.object({ event: z.literal('room.closing'), payload: z.object({ ...roomEvent, secondsLeft: z.number().int(), closingAt: z.number() }) }),
  z.object({ event: z.literal('room.closing.cancelled'), payload: z.object({ ...roomEvent }) }),
  z.object({ event: z.literal('room.deleted'), payload: z.object({ ...roomEvent, reason: RoomDeletedReason }) }),
]);
export type RoomEvent = z.infer<typeof RoomEvent>;
export type RoomEventName = RoomEvent['event'];

/** Connection-wide events (not tied to one room's sequence). */
export const GatewayStatusPayload = z.object({
  /** False while the server's own Discord connection is down: what the page shows may be stale. */
  live: z.boolean(),
  state: z.string(),
  /**
   * The Discord servers in an outage right now (GUILD_DELETE unavailable: true, issue 17): rooms in
   * them show the delayed banner until the server is back and read back. Absent: unchanged since the
   * last status that carried it (a shard's state change does not repeat it).
   */
  unavailableGuilds: z.array(z.string()).optional(),
  /**
   * Between instances only (each hub replaces it with the list it holds before a browser sees it):
   * the one change a shard's holder published, applied by every instance to its own list, so two
   * holders changing the list at once lose nothing.
   */
  outage: z.object({ guildId: z.string(), unavailable: z.boolean() }).optional(),
});
export type GatewayStatusPayload = z.infer<typeof GatewayStatusPayload>;

/** A room as listed in the lobby. */
export const RoomListing = z.object({
  id: RoomId,
  name: z.string(),
  creatorId: z.string(),
  /** The Discord server the room is in: the lobby groups rooms by server (issue 17). */
  guildId: z.string(),
  players: z.number().int(),
  playerLimit: z.number().int(),
  inVoice: z.number().int(),
  role: z.enum(['creator', 'player', 'spectator']),
});
export type RoomListing = z.infer<typeof RoomListing>;

export const LobbyEventPayload = z.object({ rooms: z.array(RoomListing) });
export type LobbyEventPayload = z.infer<typeof LobbyEventPayload>;
