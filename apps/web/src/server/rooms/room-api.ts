import { RoomId } from '@repo/protocol';
import { z } from 'zod';
import type { Session } from '../auth/session.ts';
import { AppError } from '../errors.ts';
import { INVITE_TOKEN_MAX_LENGTH } from './invite-token.ts';
import { roomInfo } from './room.ts';
import type { RoomService } from './room-service.ts';

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

export async function createRoom(rooms: RoomService, session: Session, name: unknown) {
  const created = await rooms.create(session, name);
  return { room: roomInfo(created.room), inviteUrl: created.inviteUrl, spectatorUrl: created.spectatorUrl };
}

export async function roomDetails(rooms: RoomService, session: Session, roomId: string) {
  await rooms.getForMember(roomId, session.userId);
  const snapshot = await rooms.snapshot(roomId);
  if (!snapshot) throw new AppError('not_found', 'This room has been closed.');
  return snapshot;
}

/** Invite links for a room: players may share the player link; only the creator gets the spectator link. */
export async function roomInvites(rooms: RoomService, session: Session, roomId: string) {
  const room = await rooms.getForMember(roomId, session.userId);
  if (room.creatorId !== session.userId && !room.players.includes(session.userId)) {
    throw new AppError('forbidden', 'Spectators cannot invite players.');
  }
  return {
    inviteUrl: await rooms.inviteUrl(room, 'player'),
    spectatorUrl: room.creatorId === session.userId ? await rooms.inviteUrl(room, 'spectator') : null,
  };
}

export async function redeemInvite(rooms: RoomService, session: Session, token: string) {
  const room = await rooms.redeem(session, token);
  return { room: roomInfo(room) };
}
