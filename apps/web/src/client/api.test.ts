import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { api, callApi, fetchWsToken, goToSignIn } from './api.ts';

/**
 * The browser's API door against a real HTTP server. The browser itself is a minimal stand-in: a
 * `window.location` that records where the page was sent, and `fetch` resolving relative paths
 * against it, as a page's fetch does.
 */
let base: string;
let respond: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => respond(req, res, body));
});
const realFetch = globalThis.fetch;
let assigned: string[];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  assigned = [];
  atPage('/invite/abc.def.ghi?ref=1');
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => realFetch(new URL(input, (globalThis as { window?: { location: { href: string } } }).window!.location.href), init));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

function atPage(path: string, origin = base): void {
  const url = new URL(path, origin);
  vi.stubGlobal('window', { location: { href: url.href, origin: url.origin, pathname: url.pathname, search: url.search, assign: (to: string) => assigned.push(to) } });
}

function json(status: number, body: unknown) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const unauthenticated = (loginUrl: string) => json(401, { error: { kind: 'unauthenticated', message: 'Please sign in with Discord.', loginUrl } });

describe('goToSignIn', () => {
  it('follows a same-origin login URL and keeps its return path exactly', () => {
    goToSignIn('/auth/discord/login?returnTo=%2Finvite%2Fabc.def.ghi%3Fref%3D1');
    goToSignIn(`${base}/auth/discord/login?returnTo=%2Frooms%2Fabc`);
    expect(assigned).toEqual(['/auth/discord/login?returnTo=%2Finvite%2Fabc.def.ghi%3Fref%3D1', '/auth/discord/login?returnTo=%2Frooms%2Fabc']);
  });

  it.each([
    ['another site', 'https://evil.example/auth/discord/login'],
    ['a protocol-relative URL', '//evil.example/auth/discord/login'],
    ['a backslash that browsers read as a slash', '/\\evil.example/auth/discord/login'],
    ['a host that starts with ours (not even a URL)', () => `${base}.evil.com/auth/discord/login`],
    ['our origin as the user part of another', () => `${base}@evil.example/auth/discord/login`],
    ['our host on another port', () => `http://127.0.0.1:${Number(new URL(base).port) + 1}/auth/discord/login`],
    ['https instead of http', () => base.replace('http:', 'https:')],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
  ])('refuses %s', (_what, loginUrl) => {
    goToSignIn(typeof loginUrl === 'function' ? loginUrl() : loginUrl);
    expect(assigned).toEqual([]);
  });
});

describe('callApi', () => {
  it('parses a success with its schema, and sends JSON with the page’s credentials', async () => {
    let seen: { method?: string; type?: string; body?: string } = {};
    respond = (req, res, body) => {
      seen = { method: req.method, type: req.headers['content-type'], body };
      json(201, { ok: 'yes' })(req, res);
    };
    expect(await callApi('POST', '/api/rooms', z.object({ ok: z.string() }), { name: 'x' })).toEqual({ ok: true, data: { ok: 'yes' } });
    expect(seen).toEqual({ method: 'POST', type: 'application/json', body: '{"name":"x"}' });
  });

  it('on 401 goes to the same-origin login URL the server gave, returning to this page', async () => {
    respond = unauthenticated('/auth/discord/login?returnTo=%2Finvite%2Fabc.def.ghi%3Fref%3D1');
    const result = await api.redeemInvite('abc.def.ghi');
    expect(result).toMatchObject({ ok: false, error: { status: 401, kind: 'unauthenticated' } });
    expect(assigned).toEqual(['/auth/discord/login?returnTo=%2Finvite%2Fabc.def.ghi%3Fref%3D1']);
  });

  it('on 401 with a foreign login URL stays put and reports the error', async () => {
    for (const loginUrl of ['https://evil.example/login', '//evil.example/login', `${base}.evil.com/login`]) {
      respond = unauthenticated(loginUrl);
      const result = await api.createRoom('x');
      expect(result).toMatchObject({ ok: false, error: { status: 401 } });
    }
    expect(assigned).toEqual([]);
  });

  it('does not navigate on other errors, and keeps their reason for the page', async () => {
    respond = json(409, { error: { kind: 'conflict', message: 'Room full: 4 of 4 players are in.', reason: 'room_full', loginUrl: '/auth/discord/login' } });
    expect(await api.redeemInvite('t')).toEqual({ ok: false, error: { status: 409, kind: 'conflict', message: 'Room full: 4 of 4 players are in.', reason: 'room_full', loginUrl: '/auth/discord/login' } });
    expect(assigned).toEqual([]);
  });

  it('turns an unreadable answer into a retryable error and an unreachable server into status 0', async () => {
    respond = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    };
    expect(await api.createRoom('x')).toMatchObject({ ok: false, error: { status: 502, kind: 'internal', retryable: true } });
    respond = json(200, { unexpected: true });
    expect(await api.createRoom('x')).toMatchObject({ ok: false, error: { status: 200, kind: 'internal' } });
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('fetch failed')));
    expect(await api.createRoom('x')).toMatchObject({ ok: false, error: { status: 0, kind: 'network' } });
  });
});

describe('the host controls and "Leave room" (issue 19)', () => {
  const room = { id: 'abcdefgh12', name: 'Renamed', creatorId: 'bob', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: true };
  let seen: Array<{ method?: string; url?: string; body: string }>;
  function answer(status: number, body: unknown) {
    seen = [];
    respond = (req, res, text) => {
      seen.push({ method: req.method, url: req.url, body: text });
      if (status === 204) {
        res.writeHead(204);
        res.end();
        return;
      }
      json(status, body)(req, res);
    };
  }

  it('each asks the contract’s method and path with its body, and parses the answer', async () => {
    answer(200, { room });
    expect(await api.renameRoom('abcdefgh12', 'Renamed')).toEqual({ ok: true, data: { room } });
    expect(await api.setRoomLocked('abcdefgh12', true)).toEqual({ ok: true, data: { room } });
    expect(await api.handOver('abcdefgh12', 'bob')).toEqual({ ok: true, data: { room } });
    expect(seen).toEqual([
      { method: 'PATCH', url: '/api/rooms/abcdefgh12', body: '{"name":"Renamed"}' },
      { method: 'PATCH', url: '/api/rooms/abcdefgh12', body: '{"locked":true}' },
      { method: 'PUT', url: '/api/rooms/abcdefgh12/host', body: '{"userId":"bob"}' },
    ]);
    answer(200, { inviteUrl: 'http://x/invite/a.b.c', spectatorUrl: 'http://x/invite/d.e.f' });
    expect(await api.rotateLinks('abcdefgh12')).toEqual({ ok: true, data: { inviteUrl: 'http://x/invite/a.b.c', spectatorUrl: 'http://x/invite/d.e.f' } });
    expect(seen).toEqual([{ method: 'POST', url: '/api/rooms/abcdefgh12/links', body: '{}' }]);
    answer(204, null);
    expect(await api.removePerson('abcdefgh12', 'carol')).toEqual({ ok: true, data: undefined });
    expect(await api.leaveRoom('abcdefgh12')).toEqual({ ok: true, data: undefined });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /api/rooms/abcdefgh12/people/carol', 'POST /api/rooms/abcdefgh12/leave']);
  });

  it('puts ids in the path as one encoded segment', async () => {
    answer(204, null);
    await api.removePerson('abcdefgh12', '../../rooms');
    expect(seen[0]?.url).toBe('/api/rooms/abcdefgh12/people/..%2F..%2Frooms');
  });

  it('keeps a refusal’s reason, message and Retry-After for the dialog', async () => {
    const refusal = {
      error: {
        kind: 'rate_limited',
        message: 'Discord lets a channel be renamed twice every 10 minutes. Try again in 7 minutes.',
        reason: 'rename_rate_limited',
        retryAfterSeconds: 400,
        retryable: true,
      },
    };
    answer(429, refusal);
    expect(await api.renameRoom('abcdefgh12', 'Again')).toEqual({ ok: false, error: { ...refusal.error, status: 429 } });
    answer(403, { error: { kind: 'forbidden', message: 'Only the room’s host can do this.', reason: 'not_host' } });
    expect(await api.rotateLinks('abcdefgh12')).toMatchObject({ ok: false, error: { status: 403, reason: 'not_host' } });
    expect(assigned).toEqual([]);
  });

  it('refuses an answer missing what the page needs (no room, no spectator link)', async () => {
    answer(200, { room: { ...room, locked: undefined } });
    expect(await api.setRoomLocked('abcdefgh12', true)).toMatchObject({ ok: false, error: { kind: 'internal' } });
    answer(200, { inviteUrl: 'http://x/invite/a.b.c', spectatorUrl: null });
    expect(await api.rotateLinks('abcdefgh12')).toMatchObject({ ok: false, error: { kind: 'internal' } });
    answer(200, { inviteUrl: 'http://x/invite/a.b.c', spectatorUrl: null });
    expect(await api.invites('abcdefgh12')).toEqual({ ok: true, data: { inviteUrl: 'http://x/invite/a.b.c', spectatorUrl: null } });
  });
});

describe('fetchWsToken', () => {
  it('reports signed-out with the server’s login URL, or one that returns to this page', async () => {
    respond = unauthenticated('/auth/discord/login?returnTo=%2Frooms%2Fabc');
    expect(await fetchWsToken()).toEqual({ kind: 'signed-out', loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fabc' });
    respond = json(401, { error: { kind: 'unauthenticated', message: 'x' } });
    expect(await fetchWsToken()).toEqual({ kind: 'signed-out', loginUrl: '/auth/discord/login?returnTo=%2Finvite%2Fabc.def.ghi%3Fref%3D1' });
  });
});
