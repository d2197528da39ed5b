import type { RoomSnapshot } from '@repo/protocol';
import { createServerFn, createServerOnlyFn } from '@tanstack/react-start';
import { z } from 'zod';
import { requireSession } from './auth/request-session.ts';
import { errorBody, logAppError } from './http/errors.ts';
import { moduleLogger } from './log.ts';
import { parseRoomId, redeemInvite, roomDetails, roomInvites } from './rooms/room-api.ts';
import { type Services, getServices } from './services.ts';

/**
 * The room and invite pages' server side: the same services and room-api helpers as the JSON API,
 * answering with values instead of throwing, so a page can show a clear message for each failure
 * (and send the browser to sign-in, coming back to the same page, on 401).
 */
export interface PageError {
  status: number;
  kind: string;
  message: string;
  /** 401: where to sign in, returning to the page. */
  loginUrl?: string;
  retryable?: boolean;
  /** Stable code where `kind` is not precise enough (`invite_expired`, `room_closed`, `room_full`, …). */
  reason?: string;
}

export type InviteFailure = 'expired' | 'invalid' | 'full' | 'closed' | 'other';

const pageError = createServerOnlyFn((services: Services, thrown: unknown): PageError => {
  const error = logAppError(thrown, moduleLogger(services.log, 'Room'));
  const { kind, message, loginUrl, retryable, reason } = errorBody(error).error;
  return {
    status: error.status,
    kind,
    message,
    ...(loginUrl ? { loginUrl } : {}),
    ...(retryable !== undefined ? { retryable } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
});

export type RoomRole = 'creator' | 'player' | 'spectator';

export type RoomPageData =
  | { ok: true; me: string; role: RoomRole; snapshot: RoomSnapshot; invites: { inviteUrl: string; spectatorUrl: string | null } | null }
  | { ok: false; error: PageError };

/** `/rooms/$roomId`: the snapshot the page renders with, the viewer's role and (for players) invite links. */
export const getRoomPage = createServerFn({ method: 'GET' })
  .validator((input: unknown) => z.object({ roomId: z.string().max(64) }).parse(input))
  .handler(async ({ data }): Promise<RoomPageData> => {
    const services = await getServices();
    try {
      const me = await requireSession(services, `/rooms/${encodeURIComponent(data.roomId)}`);
      const roomId = parseRoomId(data.roomId);
      const snapshot = await roomDetails(services, me, roomId);
      const role: RoomRole =
        snapshot.room.creatorId === me.userId ? 'creator' : snapshot.players.some((p) => p.userId === me.userId) ? 'player' : 'spectator';
      const invites = role === 'spectator' ? null : await roomInvites(services, me, roomId);
      return { ok: true, me: me.userId, role, snapshot, invites };
    } catch (error) {
      return { ok: false, error: pageError(services, error) };
    }
  });

export type RedeemResult = { ok: true; roomId: string } | { ok: false; error: PageError; failure: InviteFailure };

/** `/invite/$token`: join the room the link points to (signing in first, and coming back). */
export const redeemInvitePage = createServerFn({ method: 'POST' })
  .validator((input: unknown) => z.object({ token: z.string().min(1).max(4096) }).parse(input))
  .handler(async ({ data }): Promise<RedeemResult> => {
    const services = await getServices();
    try {
      const me = await requireSession(services, `/invite/${encodeURIComponent(data.token)}`);
      const { room } = await redeemInvite(services, me, data.token);
      return { ok: true, roomId: room.id };
    } catch (error) {
      const page = pageError(services, error);
      return { ok: false, error: page, failure: inviteFailure(page) };
    }
  });

/** Which invite page to show, from the service's stable reason codes. */
function inviteFailure(error: PageError): InviteFailure {
  switch (error.reason) {
    case 'invite_invalid':
      return 'invalid';
    case 'room_full':
      return 'full';
    case 'invite_expired':
      return 'expired';
    case 'room_closed':
      return 'closed';
    default:
      return error.status === 400 ? 'invalid' : 'other';
  }
}
