import type { RoomSnapshot } from '@repo/protocol';
import { createServerFn, createServerOnlyFn } from '@tanstack/react-start';
import { z } from 'zod';
import { loginUrl } from './auth/auth-service.ts';
import { optionalSession, requireSession } from './auth/request-session.ts';
import { errorBody, logAppError } from './errors.ts';
import { moduleLogger } from './log.ts';
import { type InvitePreview, alreadyJoined, invitePreview } from './rooms/invite-preview.ts';
import { parseRoomId, roomDetails, roomInvites } from './rooms/room-api.ts';
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
  .validator(input(z.object({ roomId: z.string() })))
  .handler(async ({ data }): Promise<RoomPageData> => {
    const services = await getServices();
    try {
      const me = await requireSession(services.auth, `/rooms/${encodeURIComponent(data.roomId)}`);
      const roomId = parseRoomId(data.roomId);
      const snapshot = await roomDetails(services.rooms, me, roomId);
      const role: RoomRole =
        snapshot.room.creatorId === me.userId ? 'creator' : snapshot.players.some((p) => p.userId === me.userId) ? 'player' : 'spectator';
      const invites = role === 'spectator' ? null : await roomInvites(services.rooms, me, roomId);
      return { ok: true, me: me.userId, role, snapshot, invites };
    } catch (error) {
      return { ok: false, error: pageError(services, error) };
    }
  });

export type InviteViewer = { signedIn: false; loginUrl: string } | { signedIn: true; joined: boolean };

export type InvitePageData = { ok: true; preview: InvitePreview; viewer: InviteViewer } | { ok: false; error: PageError };

/**
 * `/invite/$token`: the preview (invite-preview.ts) and what the viewer can do. A GET that changes
 * nothing: joining is the page's "Join room" button, a POST to /api/invites/redeem.
 */
export const getInvitePage = createServerFn({ method: 'GET' })
  .validator(input(z.object({ token: z.string() })))
  .handler(async ({ data }): Promise<InvitePageData> => {
    const services = await getServices();
    try {
      // Who looks matters: a removed user's link says so, and a lock lets the seated through.
      const session = await optionalSession(services.auth);
      const target = await services.rooms.openInvite(data.token, session?.userId);
      const viewer: InviteViewer = session
        ? { signedIn: true, joined: alreadyJoined(target, session.userId) }
        : { signedIn: false, loginUrl: loginUrl(`/invite/${data.token}`) };
      return { ok: true, preview: invitePreview(target, services.discord.cdnUrl), viewer };
    } catch (error) {
      return { ok: false, error: pageError(services, error) };
    }
  });

/**
 * A validator that refuses bad input with 400: Start answers a thrown error with its `status`, and
 * with 500 without one (a bare ZodError). Validators run in the browser bundle's code too, so this
 * stays free of server modules.
 */
function input<T>(schema: z.ZodType<T>): (value: unknown) => T {
  return (value) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw Object.assign(new Error('The input is not valid.'), { status: 400 });
    return parsed.data;
  };
}
