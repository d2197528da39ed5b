import { ApiErrorBody as ErrorBody, CreatedRoom, RoomInfo, VoiceAction, WsTokenResponse as WsToken } from '@repo/protocol';
import { z } from 'zod';
import type { TokenResult } from './realtime-client.ts';

/**
 * The browser's door to the rooms JSON API (specs/rooms-api.md). Every answer is parsed; every
 * failure becomes an `ApiError` the page can show. A 401 sends the browser to sign-in, which
 * brings the user back to this page (R-AUTH3).
 */
export type ApiError = z.infer<typeof ErrorBody>['error'] & {
  /** HTTP status; 0 when the server could not be reached. */
  status: number;
};

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

const UNREACHABLE: ApiError = {
  status: 0,
  kind: 'network',
  message: 'The server could not be reached. Check your connection and try again.',
  retryable: true,
};

/** Same-origin only: a login URL from anywhere else (or no URL at all) is not followed. */
export function goToSignIn(loginUrl: string): void {
  let url: URL;
  try {
    url = new URL(loginUrl, window.location.href);
  } catch {
    return; // `http://our-host:3000.evil.com/…` is not even a URL
  }
  if (url.origin !== window.location.origin) return;
  window.location.assign(url.pathname + url.search);
}

export async function callApi<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, schema: z.ZodType<T> | null, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: UNREACHABLE };
  }
  const json: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.ok) {
    if (schema === null) return { ok: true, data: undefined as T };
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, data: parsed.data };
    return { ok: false, error: { status: response.status, kind: 'internal', message: 'The server sent an answer this page does not understand. Reload the page.' } };
  }
  const parsed = ErrorBody.safeParse(json);
  const error: ApiError = parsed.success
    ? { ...parsed.data.error, status: response.status }
    : { status: response.status, kind: 'internal', message: 'Something went wrong on our side. Please try again.', retryable: true };
  if (response.status === 401 && error.loginUrl) goToSignIn(error.loginUrl);
  return { ok: false, error };
}

const RedeemedInvite = z.object({ room: RoomInfo });
const UpdatedRoom = z.object({ room: RoomInfo });
/** The room's current links; `spectatorUrl` only for its host. */
export const RoomLinks = z.object({ inviteUrl: z.string(), spectatorUrl: z.string().nullable() });
export type RoomLinks = z.infer<typeof RoomLinks>;
const NewLinks = z.object({ inviteUrl: z.string(), spectatorUrl: z.string() });

const roomPath = (roomId: string, rest = '') => `/api/rooms/${encodeURIComponent(roomId)}${rest}`;

export const api = {
  /** In `guildId`'s server, or the home server when none is given (issue 17). */
  createRoom: (name: string, guildId?: string) => callApi('POST', '/api/rooms', CreatedRoom, guildId === undefined ? { name } : { name, guildId }),
  redeemInvite: (token: string) => callApi('POST', '/api/invites/redeem', RedeemedInvite, { token }),
  joinVoice: (roomId: string) => callApi('POST', roomPath(roomId, '/voice'), VoiceAction, {}),
  closeRoom: (roomId: string) => callApi('DELETE', roomPath(roomId), null),
  invites: (roomId: string) => callApi('GET', roomPath(roomId, '/invites'), RoomLinks),
  // Host controls (issue 19): each answers 403 `not_host` for anyone but the room's host.
  renameRoom: (roomId: string, name: string) => callApi('PATCH', roomPath(roomId), UpdatedRoom, { name }),
  setRoomLocked: (roomId: string, locked: boolean) => callApi('PATCH', roomPath(roomId), UpdatedRoom, { locked }),
  rotateLinks: (roomId: string) => callApi('POST', roomPath(roomId, '/links'), NewLinks, {}),
  removePerson: (roomId: string, userId: string) => callApi('DELETE', roomPath(roomId, `/people/${encodeURIComponent(userId)}`), null),
  handOver: (roomId: string, userId: string) => callApi('PUT', roomPath(roomId, '/host'), UpdatedRoom, { userId }),
  /** Any seated member gives their seat back; the host's leaving hands hosting on (or closes the room). */
  leaveRoom: (roomId: string) => callApi('POST', roomPath(roomId, '/leave'), null, {}),
};

/** For the realtime client: a fresh WebSocket token, or why there is none. */
export async function fetchWsToken(): Promise<TokenResult> {
  let response: Response;
  try {
    response = await fetch('/api/ws-token', { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch {
    return { kind: 'failed', message: 'network error' };
  }
  const json: unknown = await response.json().catch(() => null);
  if (response.status === 401) {
    const parsed = ErrorBody.safeParse(json);
    const loginUrl = parsed.success ? parsed.data.error.loginUrl : undefined;
    return { kind: 'signed-out', loginUrl: loginUrl ?? `/auth/discord/login?returnTo=${encodeURIComponent(window.location.pathname + window.location.search)}` };
  }
  const parsed = WsToken.safeParse(json);
  if (!response.ok || !parsed.success) return { kind: 'failed', message: `token endpoint answered ${response.status}` };
  return { kind: 'token', token: parsed.data.token };
}
