import { RoomId } from '@repo/protocol';
import { z } from 'zod';
import type { Session } from '../auth/session.ts';
import { readJsonBody } from '../http/body.ts';
import { AppError, validationError } from '../http/errors.ts';
import type { Services } from '../services.ts';
import { INVITE_TOKEN_MAX_LENGTH } from './invite-token.ts';
import { roomInfo } from './room.ts';

/**
 * The shapes of the rooms JSON API (documented in specs/rooms-api.md), shared by the /api routes
 * and the server functions the pages use: one service, two thin doors.
 */
export const CreateRoomBody = z.object({ name: z.unknown() });
export const RedeemBody = z.object({ token: z.string().min(1).max(INVITE_TOKEN_MAX_LENGTH) });

export function parseRoomId(value: string): string {
  const parsed = RoomId.safeParse(value);
  if (!parsed.success) throw new AppError('not_found', 'There is no such room.');
  return parsed.data;
}

/** JSON bodies of the rooms API: a name or a token, far below this. */
export const API_BODY_MAX_BYTES = 16 * 1024;

/** The body, bounded (413), strictly UTF-8 and JSON (400), then parsed with `schema` (400 with field errors). */
export async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  const json = (await readJsonBody(request, API_BODY_MAX_BYTES)) ?? {};
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export async function createRoom(services: Services, session: Session, name: unknown) {
  const created = await services.rooms.create(session, name);
  return { room: roomInfo(created.room), inviteUrl: created.inviteUrl, spectatorUrl: created.spectatorUrl };
}

export async function roomDetails(services: Services, session: Session, roomId: string) {
  await services.rooms.getForMember(roomId, session.userId);
  const snapshot = await services.rooms.snapshot(roomId);
  if (!snapshot) throw new AppError('not_found', 'This room has been closed.');
  return snapshot;
}

/** Invite links for a room: players may share the player link; only the creator gets the spectator link. */
export async function roomInvites(services: Services, session: Session, roomId: string) {
  const room = await services.rooms.getForMember(roomId, session.userId);
  if (room.creatorId !== session.userId && !room.players.includes(session.userId)) {
    throw new AppError('forbidden', 'Spectators cannot invite players.');
  }
  return {
    inviteUrl: await services.rooms.inviteUrl(room, 'player'),
    spectatorUrl: room.creatorId === session.userId ? await services.rooms.inviteUrl(room, 'spectator') : null,
  };
}

export async function redeemInvite(services: Services, session: Session, token: string) {
  const room = await services.rooms.redeem(session, token);
  return { room: roomInfo(room) };
}
