import { Writable } from 'node:stream';
import { DiscordRestClient } from '@repo/discord-rest';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthService, REFRESH_MARGIN_MS } from '../auth/auth-service.ts';
import { DiscordOAuth } from '../auth/discord-oauth.ts';
import { discordUserDirectory } from '../auth/discord-users.ts';
import { SessionCookies } from '../auth/session.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { API_BODY_MAX_BYTES, apiRoute, assertSameOriginWrite, authedApiRoute, json, pageOf, readJson } from './api.ts';

/**
 * The /api door in-process: a real AuthService (sealed cookies, the emulator's OAuth2) behind the
 * same global door getServices() reads, so the auth gate, the CSRF rule and the error mapping run
 * as a route runs them. Process-level tests reach the same code only through the build, which
 * never holds a mutant.
 */
const APP = 'http://127.0.0.1:3999';
const REDIRECT = `${APP}/auth/discord/callback`;
const TOKEN_TTL_S = 3_600;
const SERVICES_KEY = Symbol.for('spell-rooms.services');

let emulator: EmulatorHandle;
let rest: DiscordRestClient;
let auth: AuthService;
let now = Date.UTC(2026, 10, 25, 12);
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, tokenTtlSeconds: TOKEN_TTL_S, now: () => now });
  rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  auth = new AuthService({
    cookies: new SessionCookies('api-door-test-secret-0123456789abcdef', { secure: false }),
    oauth: new DiscordOAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, redirectUri: REDIRECT, apiUrl: emulator.apiUrl }),
    users: discordUserDirectory(rest, emulator.guildId),
    log,
    now: () => now,
  });
  // Only the parts the door reads; each of them real.
  const services = { config: { http: { publicUrl: new URL(APP) } }, auth, log } as unknown as Services;
  (globalThis as Record<symbol, unknown>)[SERVICES_KEY] = Promise.resolve(services);
});
afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[SERVICES_KEY];
  rest?.close();
  await emulator?.close();
});
beforeEach(() => {
  logged.length = 0;
});

async function signIn(user: string): Promise<string> {
  const { location, setCookie } = await auth.beginLogin('/');
  const res = await fetch(location, { method: 'POST', body: new URLSearchParams({ user }), redirect: 'manual' });
  const callback = new URL(res.headers.get('location') ?? '');
  const result = await auth.completeLogin(callback, setCookie.split(';')[0]!);
  return result.setCookies.find((c) => c.startsWith('sr_session=') && !c.includes('Max-Age=0'))!.split(';')[0]!;
}

function request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Request {
  return new Request(`${APP}${path}`, init);
}

const ok = () => Promise.resolve(json({ ok: true }));

describe('authedApiRoute', () => {
  it('lets a signed-in GET through with its session, and sets no cookie when none was refreshed', async () => {
    const cookie = await signIn('alice');
    let seen: string | undefined;
    const res = await authedApiRoute(request('/api/rooms', { headers: { cookie } }), 'Room', ({ session }) => {
      seen = session.username;
      return ok();
    });
    expect(res.status).toBe(200);
    expect(seen).toBe('alice');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers 401 with a login URL back to the same-origin page the call came from; the handler never runs', async () => {
    let ran = false;
    const res = await authedApiRoute(request('/api/rooms', { headers: { referer: `${APP}/rooms/r1?tab=players` } }), 'Room', () => {
      ran = true;
      return ok();
    });
    expect(res.status).toBe(401);
    expect(ran).toBe(false);
    expect(await res.json()).toEqual({
      error: { kind: 'unauthenticated', message: 'Please sign in with Discord.', loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fr1%3Ftab%3Dplayers' },
    });
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('appends the re-sealed session cookie after a silent refresh, beside the handler’s own cookies', async () => {
    const cookie = await signIn('carol');
    now += TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS + 1_000;
    const res = await authedApiRoute(request('/api/rooms', { headers: { cookie } }), 'Room', () => {
      const response = json({ ok: true });
      response.headers.append('set-cookie', 'other=1; Path=/');
      return Promise.resolve(response);
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe('other=1; Path=/');
    expect(cookies[1]).toMatch(/^sr_session=/);
    expect(cookies[1]!.split(';')[0]).not.toBe(cookie);
  });

  it('refuses a cross-site write with 403 before reading the session; a same-origin write passes', async () => {
    const cookie = await signIn('bob');
    let ran = 0;
    const handle = () => {
      ran += 1;
      return ok();
    };
    const cases: Array<[Record<string, string>, string]> = [
      [{ origin: 'https://evil.example' }, 'foreign_origin'],
      [{ origin: APP, 'sec-fetch-site': 'cross-site' }, 'cross_site'],
      [{}, 'no_origin'],
    ];
    for (const [headers, reason] of cases) {
      const res = await authedApiRoute(request('/api/rooms', { method: 'POST', headers: { cookie, ...headers } }), 'Room', handle);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { kind: 'forbidden', message: 'Cross-site requests are not allowed.', reason } });
    }
    // Without a cookie too: the refusal is the CSRF rule's, not a 401.
    expect((await authedApiRoute(request('/api/rooms', { method: 'DELETE', headers: { origin: 'https://evil.example' } }), 'Room', handle)).status).toBe(403);
    expect(ran).toBe(0);
    const res = await authedApiRoute(request('/api/rooms', { method: 'POST', headers: { cookie, origin: APP } }), 'Room', handle);
    expect(res.status).toBe(200);
    expect(ran).toBe(1);
  });

  it('maps what the handler throws, logged under the route’s module', async () => {
    const cookie = await signIn('dave');
    const res = await authedApiRoute(request('/api/rooms', { headers: { cookie } }), 'Room', () => Promise.reject(new AppError('conflict', 'Room full')));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { kind: 'conflict', message: 'Room full' } });
    expect(logged.filter((l) => l.module === 'Room' && l.msg === 'Room full')).toHaveLength(1);
  });
});

describe('apiRoute', () => {
  it('passes the handler’s response through untouched', async () => {
    const res = await apiRoute('HTTP', () => Promise.resolve(json({ a: 1 }, { status: 201 })));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ a: 1 });
  });

  it('turns an unexpected throw into a safe 500, the details logged at error level under its module', async () => {
    const res = await apiRoute('Auth', () => Promise.reject(new Error('redis password=hunter2')));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('hunter2');
    const line = logged.find((l) => l.module === 'Auth');
    expect(line).toMatchObject({ level: 50, kind: 'internal', status: 500 });
  });
});

describe('assertSameOriginWrite', () => {
  it('lets reads through whatever their origin, and refuses a foreign write with 403', () => {
    for (const method of ['GET', 'HEAD', 'get']) {
      expect(() => assertSameOriginWrite(request('/x', { method, headers: { origin: 'https://evil.example' } }), APP)).not.toThrow();
    }
    expect(() => assertSameOriginWrite(request('/x', { method: 'PUT', headers: { origin: `${APP}.evil.example` } }), APP)).toThrow(
      expect.objectContaining({ kind: 'forbidden', status: 403, options: { reason: 'foreign_origin' } }),
    );
    expect(() => assertSameOriginWrite(request('/x', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } }), APP)).not.toThrow();
  });
});

describe('pageOf', () => {
  it.each([
    [{ referer: `${APP}/rooms/abc?tab=1#frag` }, '/rooms/abc?tab=1'],
    [{ referer: `${APP}/` }, '/'],
    [{ referer: `${APP}/lobby` }, '/lobby'],
    [{ referer: 'https://evil.example/rooms/abc' }, '/'],
    // Look-alikes: another port, another scheme, a host that merely starts with ours.
    [{ referer: 'http://127.0.0.1:39990/rooms/abc' }, '/'],
    [{ referer: 'https://127.0.0.1:3999/rooms/abc' }, '/'],
    [{ referer: 'http://127.0.0.1:3999.evil.example/rooms/abc' }, '/'],
    [{ referer: 'not a url' }, '/'],
    [{ referer: '/rooms/abc' }, '/'],
    [{}, '/'],
  ])('%j → %s', (headers, page) => {
    expect(pageOf(request('/api/rooms', { headers }))).toBe(page);
  });
});

describe('json', () => {
  it('serializes the body with JSON headers and no-store, keeping the caller’s status and headers', async () => {
    const res = json({ a: [1, 'b'] }, { status: 202, headers: { 'x-extra': 'y', 'content-type': 'text/plain' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-extra')).toBe('y');
    expect(await res.text()).toBe('{"a":[1,"b"]}');
    expect(json(null).status).toBe(200);
  });
});

describe('readJson', () => {
  const schema = z.object({ name: z.string().min(1, 'Name is required') });
  const post = (body: string) => request('/api/rooms', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('parses a valid body, and refuses an invalid one with field errors', async () => {
    expect(await readJson(post('{"name":"Arcane"}'), schema)).toEqual({ name: 'Arcane' });
    await expect(readJson(post('{"name":""}'), schema)).rejects.toMatchObject({ kind: 'validation', options: { fields: { name: ['Name is required'] } } });
  });

  it('reads an empty body as {} (a schema with only optional fields passes)', async () => {
    expect(await readJson(post(''), z.object({ name: z.string().optional() }))).toEqual({});
  });

  it('accepts a body exactly at 16 KiB and refuses one byte more with 413', async () => {
    const pad = (n: number) => `{"name":"${'a'.repeat(n - 11)}"}`;
    expect(API_BODY_MAX_BYTES).toBe(16 * 1024);
    expect((await readJson(post(pad(API_BODY_MAX_BYTES)), schema)).name).toHaveLength(API_BODY_MAX_BYTES - 11);
    await expect(readJson(post(pad(API_BODY_MAX_BYTES + 1)), schema)).rejects.toMatchObject({ kind: 'too_large' });
  });
});
