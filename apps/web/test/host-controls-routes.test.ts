import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Route as HostRoute } from '../src/routes/api/rooms/$roomId/host.ts';
import { Route as RoomRoute } from '../src/routes/api/rooms/$roomId/index.ts';
import { Route as LeaveRoute } from '../src/routes/api/rooms/$roomId/leave.ts';
import { Route as LinksRoute } from '../src/routes/api/rooms/$roomId/links.ts';
import { Route as PersonRoute } from '../src/routes/api/rooms/$roomId/people/$userId.ts';
import { AuthService } from '../src/server/auth/auth-service.ts';
import { DiscordOAuth } from '../src/server/auth/discord-oauth.ts';
import { discordUserDirectory } from '../src/server/auth/discord-users.ts';
import { SessionCookies } from '../src/server/auth/session.ts';
import type { Services } from '../src/server/services.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * The host controls' JSON routes as the server runs them (the /api door: session cookie, CSRF
 * rule, body parsing, errors mapped to HTTP), in-process over the rooms harness: the route files'
 * own handlers, called with a Request. The production build's HTTP tests reach the same code only
 * through a build.
 */
const APP = 'http://127.0.0.1:3998';
const SERVICES_KEY = Symbol.for('spell-rooms.services');
let h: RoomsHarness;
let auth: AuthService;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  h = await roomsHarness();
  const log = pino({ level: 'silent' });
  auth = new AuthService({
    cookies: new SessionCookies('host-routes-test-secret-0123456789abcdef', { secure: false }),
    oauth: new DiscordOAuth({ clientId: h.emulator.clientId, clientSecret: h.emulator.clientSecret, redirectUri: `${APP}/auth/discord/callback`, apiUrl: h.emulator.apiUrl }),
    users: discordUserDirectory(h.rest, h.emulator.guildId),
    log,
    now: () => Date.now(),
  });
  const services = { config: { http: { publicUrl: new URL(APP) } }, auth, log, rooms: h.rooms } as unknown as Services;
  (globalThis as Record<symbol, unknown>)[SERVICES_KEY] = Promise.resolve(services);
  for (const user of ['alice', 'bob', 'carol']) cookies[user] = await signIn(user);
});
afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[SERVICES_KEY];
  await h?.close();
});

async function signIn(user: string): Promise<string> {
  const { location, setCookie } = await auth.beginLogin('/');
  const res = await fetch(location, { method: 'POST', body: new URLSearchParams({ user }), redirect: 'manual' });
  const result = await auth.completeLogin(new URL(res.headers.get('location') ?? ''), setCookie.split(';')[0]!);
  return result.setCookies.find((c) => c.startsWith('sr_session=') && !c.includes('Max-Age=0'))!.split(';')[0]!;
}

type Handler = (ctx: { request: Request; params: Record<string, string> }) => Promise<Response>;
function handler(route: { options: unknown }, method: string): Handler {
  const handlers = (route.options as { server: { handlers: Record<string, Handler> } }).server.handlers;
  const found = handlers[method];
  if (!found) throw new Error(`no ${method} handler`);
  return found;
}

/** A same-origin call from the app's pages as `user`. */
function call(route: { options: unknown }, method: string, user: string, params: Record<string, string>, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const request = new Request(`${APP}/api/rooms/${params.roomId ?? ''}`, {
    method,
    headers: { cookie: cookies[user]!, origin: APP, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return handler(route, method)({ request, params });
}

const id = (name: string) => h.session(name).userId;

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { kind: string; reason?: string; fields?: Record<string, string[]> } }).error;
}

describe('host control routes', () => {
  it('answer 403 not_host to a player and a spectator on every control, refuse a foreign origin, and take bad bodies as 400', async () => {
    const created = await h.rooms.create(h.session('alice'), 'Route room');
    const roomId = created.room.id;
    await h.rooms.redeem(h.session('bob'), created.inviteUrl.split('/invite/')[1]!);
    await h.rooms.redeem(h.session('carol'), (await h.rooms.inviteUrl(created.room, 'spectator')).split('/invite/')[1]!);
    for (const who of ['bob', 'carol']) {
      const answers = [
        await call(RoomRoute, 'PATCH', who, { roomId }, { locked: true }),
        await call(LinksRoute, 'POST', who, { roomId }),
        await call(PersonRoute, 'DELETE', who, { roomId, userId: id('alice') }),
        await call(HostRoute, 'PUT', who, { roomId }, { userId: id(who) }),
        await call(RoomRoute, 'DELETE', who, { roomId }),
      ];
      for (const res of answers) {
        expect(res.status).toBe(403);
        expect(await errorOf(res)).toMatchObject({ kind: 'forbidden', reason: 'not_host' });
      }
    }
    const foreign = await call(RoomRoute, 'PATCH', 'alice', { roomId }, { locked: true }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await errorOf(foreign)).toMatchObject({ reason: 'foreign_origin' });
    for (const body of [{}, { locked: true, color: 'red' }, { locked: 'yes' }, '{nope']) {
      expect((await call(RoomRoute, 'PATCH', 'alice', { roomId }, body)).status).toBe(400);
    }
    expect(await errorOf(await call(RoomRoute, 'PATCH', 'alice', { roomId }, { name: '' }))).toMatchObject({ kind: 'validation', fields: { name: ['Give the room a name.'] } });
    expect((await call(HostRoute, 'PUT', 'alice', { roomId }, { userId: 'bob' })).status).toBe(400);
    expect((await call(PersonRoute, 'DELETE', 'alice', { roomId, userId: 'nobody' })).status).toBe(404);
    expect((await call(RoomRoute, 'PATCH', 'alice', { roomId: 'NOT_AN_ID' }, { locked: true })).status).toBe(404);
    expect((await h.store.get(roomId))?.locked).toBe(false);
  });

  it('lock, new links, remove, hand over and leave answer as the contract says', async () => {
    const created = await h.rooms.create(h.session('alice'), 'Second room');
    const roomId = created.room.id;
    await h.rooms.redeem(h.session('bob'), created.inviteUrl.split('/invite/')[1]!);
    await h.rooms.redeem(h.session('carol'), created.inviteUrl.split('/invite/')[1]!);

    const locked = await call(RoomRoute, 'PATCH', 'alice', { roomId }, { locked: true });
    expect(locked.status).toBe(200);
    expect(((await locked.json()) as { room: { locked: boolean } }).room.locked).toBe(true);
    const links = await call(LinksRoute, 'POST', 'alice', { roomId });
    expect(links.status).toBe(200);
    expect(await links.json()).toEqual({ inviteUrl: expect.stringContaining('/invite/'), spectatorUrl: expect.stringContaining('/invite/') });
    const removed = await call(PersonRoute, 'DELETE', 'alice', { roomId, userId: id('carol') });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe('');
    const handed = await call(HostRoute, 'PUT', 'alice', { roomId }, { userId: id('bob') });
    expect(handed.status).toBe(200);
    expect(((await handed.json()) as { room: { creatorId: string } }).room.creatorId).toBe(id('bob'));
    expect((await call(LeaveRoute, 'POST', 'alice', { roomId })).status).toBe(204);
    expect((await call(LeaveRoute, 'POST', 'bob', { roomId })).status).toBe(204);
    // The host alone left: the room is closed.
    expect((await call(RoomRoute, 'GET', 'bob', { roomId })).status).toBe(404);
  });

  it('rename: 200 twice, then Discord’s limit as 429 rename_rate_limited with Retry-After, the name kept', async () => {
    const created = await h.rooms.create(h.session('alice'), 'Named');
    const roomId = created.room.id;
    for (const name of ['Named 2', 'Named 3']) {
      const res = await call(RoomRoute, 'PATCH', 'alice', { roomId }, { name });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { room: { name: string } }).room.name).toBe(name);
    }
    const limited = await call(RoomRoute, 'PATCH', 'alice', { roomId }, { name: 'Named 4' });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    // Discord's window runs on real time here: a few seconds of it may have passed.
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(await errorOf(limited)).toMatchObject({ kind: 'rate_limited', reason: 'rename_rate_limited', message: 'Discord lets a channel be renamed twice every 10 minutes. Try again in 10 minutes.' });
    expect((await h.store.get(roomId))?.name).toBe('Named 3');
  });
});
