import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InviteTokens } from '../src/server/rooms/invite-token.ts';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * The HTTP doors of the production build, tried as an attacker would (issue 20): the CSRF rule on
 * both doors, invites that need a click, logout that revokes, 4xx for bad input, security headers
 * on every route, and what /api/health shows to whom.
 */
const SESSION_SECRET = 'http-hardening-test-secret-0123456789abcdef';
const METRICS_TOKEN = 'health-and-metrics-token';
let stack: Stack;
let app: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  // A known secret, so the tests can sign invites as the app does (forged bindings below).
  stack = await startStack({ mode: 'production', env: { SESSION_SECRET, METRICS_TOKEN } });
  app = stack.baseUrl;
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) cookies[user] = (await signInAs(app, user)).cookie;
});
afterAll(async () => {
  await stack?.close();
});

/** A request as a page of the app sends it: the session cookie and, for writes, the app's Origin. */
function call(user: string | null, path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
  const { origin, ...rest } = init;
  const headers = new Headers(init.headers);
  if (user) headers.set('cookie', cookies[user]!);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const method = (init.method ?? 'GET').toUpperCase();
  if (origin !== null && (origin !== undefined || (method !== 'GET' && method !== 'HEAD'))) headers.set('origin', origin ?? app);
  return fetch(`${app}${path}`, { ...rest, headers, redirect: 'manual' });
}

async function createRoom(user: string, name: string) {
  const res = await call(user, '/api/rooms', { method: 'POST', body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { room: { id: string; channelId: string; guildId: string; creatorId: string }; inviteUrl: string; spectatorUrl: string };
}

const tokenOf = (url: string) => url.split('/invite/')[1]!;

interface EmulatorState {
  guilds: Array<{ id: string; roles: Array<{ id: string; name: string }>; members: Array<{ userId: string; username: string; roles: string[] }> }>;
}
async function discord() {
  const state = (await (await fetch(`${stack.emulator.url}/_emulator/state`)).json()) as EmulatorState;
  return state.guilds[0]!;
}
async function roleOf(roomId: string): Promise<string> {
  const role = (await discord()).roles.find((r) => r.name === `room-${roomId}`);
  if (!role) throw new Error(`no role for room ${roomId}`);
  return role.id;
}
async function holders(roomId: string): Promise<string[]> {
  const roleId = await roleOf(roomId);
  return (await discord()).members.filter((m) => m.roles.includes(roleId)).map((m) => m.username).sort();
}
async function players(roomId: string): Promise<string[]> {
  const res = await call('alice', `/api/rooms/${roomId}`);
  return ((await res.json()) as { players: Array<{ username: string }> }).players.map((p) => p.username).sort();
}

/** Server-function ids by name, from the build's own manifest (Start's resolver table). */
function serverFnIds(): Record<string, string> {
  const server = readFileSync(fileURLToPath(new URL('../dist/server/server.js', import.meta.url)), 'utf8');
  const ids = Object.fromEntries([...server.matchAll(/"([0-9a-f]{64})": \{\s*functionName: "(\w+)_createServerFn_handler"/g)].map((m) => [m[2]!, m[1]!]));
  if (!ids.getInvitePage || !ids.getCurrentUser) throw new Error('the server-function manifest was not found in dist/server/server.js');
  return ids;
}

// The look-alikes every write door must refuse, as `[what, Origin header]`.
const lookAlikes = (): Array<[string, string]> => {
  const url = new URL(app);
  return [
    ['a host that starts with the app origin', `${app}.evil.com`],
    ['a longer port', `${url.protocol}//${url.hostname}:${url.port}0`],
    ['https for http', app.replace('http:', 'https:')],
    ['the opaque origin', 'null'],
    ['a trailing slash', `${app}/`],
    ['localhost for 127.0.0.1', `${url.protocol}//localhost:${url.port}`],
    ['another site', 'https://evil.example'],
  ];
};

describe('one CSRF rule on the JSON API', () => {
  it('refuses look-alike Origins with 403 and creates nothing', async () => {
    const before = ((await (await call('alice', '/api/rooms')).json()) as { rooms: unknown[] }).rooms.length;
    for (const [what, origin] of lookAlikes()) {
      const res = await call('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Forged' }), origin });
      expect(res.status, what).toBe(403);
      expect(await res.json(), what).toMatchObject({ error: { kind: 'forbidden' } });
    }
    expect(((await (await call('alice', '/api/rooms')).json()) as { rooms: unknown[] }).rooms).toHaveLength(before);
  });

  it('without Origin, takes Sec-Fetch-Site: same-origin only; with neither header, refuses', async () => {
    const { room, inviteUrl } = await createRoom('alice', 'Fetch-site room');
    const redeem = (headers: Record<string, string>) => call('bob', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token: tokenOf(inviteUrl) }), origin: null, headers });
    expect((await redeem({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await redeem({ 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await redeem({})).status).toBe(403);
    expect(await holders(room.id)).toEqual(['alice']);
    // The issue's reproduction: a cookie, no Origin, Sec-Fetch-Site: cross-site, on close.
    expect((await call('alice', `/api/rooms/${room.id}`, { method: 'DELETE', origin: null, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await redeem({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(await holders(room.id)).toEqual(['alice', 'bob']);
    // The app's Origin with a contradicting Sec-Fetch-Site is refused too.
    expect((await call('alice', `/api/rooms/${room.id}`, { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await call('alice', `/api/rooms/${room.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('one CSRF rule on the server-function door', () => {
  it('refuses look-alike Origins and header-less writes before Start, and serves same-origin reads', async () => {
    const ids = serverFnIds();
    const path = `/_serverFn/${ids.getCurrentUser}`;
    for (const [what, origin] of lookAlikes()) {
      const res = await call('alice', path, { method: 'POST', body: '', origin });
      expect(res.status, what).toBe(403);
    }
    expect((await call('alice', path, { method: 'POST', body: '', origin: null })).status).toBe(403);
    expect((await call('alice', path, { method: 'POST', body: '', origin: null, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    // The app's Origin passes the rule; Start then answers that this function is a GET.
    expect((await call('alice', path, { method: 'POST', body: '' })).status).toBe(405);
    // A read needs no header (it changes nothing, and another site cannot read the answer).
    const read = await call('alice', path);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('alice');
  });

  it('answers malformed calls with 4xx, never 500', async () => {
    const ids = serverFnIds();
    const fn = `/_serverFn/${ids.getInvitePage}`;
    expect((await call('alice', `/_serverFn/${'f'.repeat(64)}`)).status).toBe(404);
    expect((await call('alice', '/_serverFn/not..an..id')).status).toBe(404);
    expect((await call('alice', `/_serverFn/${'a'.repeat(5_000)}`)).status).toBe(404);
    expect((await call('alice', `${fn}?payload=${encodeURIComponent('{nope')}`)).status).toBe(400);
    expect((await call('alice', `${fn}?payload=${encodeURIComponent('{"data":{"token":"x"}}')}`)).status).toBe(400);
    expect((await call('alice', `${fn}?payload=%7B%C3%28%7D`)).status).toBe(400);
    // Node itself refuses a request line past its 16 KB header limit, before any JavaScript runs.
    expect((await call('alice', `${fn}?payload=${'x'.repeat(70_000)}`)).status).toBe(431);
    expect((await call('alice', fn, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await call('alice', fn, { method: 'POST', body: 'x'.repeat(3_000_000) })).status).toBe(413);
    expect((await call('alice', fn, { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]) })).status).toBe(400);
    expect((await call('alice', fn, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    // A payload Start's client would send, with data our validator refuses: Start's protocol carries
    // the validator's error back to the caller (which throws it), and nothing answers 500.
    const noToken = '{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["roomId"],"v":[{"t":1,"s":"abc"}]},"o":0}]},"o":0},"f":127,"m":[]}';
    const refused = await call('alice', `${fn}?payload=${encodeURIComponent(noToken)}`);
    expect(refused.status).toBeLessThan(500);
    expect(await refused.text()).toContain('The input is not valid.');
  });
});

describe('invites need a click', () => {
  it('a GET of the invite page (and of its server function) changes nothing: players, roles, seats', async () => {
    const { room, inviteUrl } = await createRoom('alice', 'Look, don’t join');
    await call('carol', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token: tokenOf(inviteUrl) }) });
    const before = { players: await players(room.id), holders: await holders(room.id), bobRooms: await (await call('bob', '/api/rooms')).text() };
    expect(before.players).toEqual(['alice', 'carol']);

    const page = await call('bob', `/invite/${tokenOf(inviteUrl)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Look, don’t join');
    expect(html).toContain('Join room');
    expect(html).toMatch(/2<!-- --> of <!-- -->4<!-- --> seats taken/);
    expect(html).toContain('Alice'); // the host, named
    expect(html).not.toContain('Carol'); // …and no one else: the preview shows a count, not the players
    expect((await call('bob', `/invite/${tokenOf(inviteUrl)}`, { method: 'HEAD' })).status).toBe(200);
    const payload = `{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["token"],"v":[{"t":1,"s":"${tokenOf(inviteUrl)}"}]},"o":0}]},"o":0},"f":127,"m":[]}`;
    expect((await call('bob', `/_serverFn/${serverFnIds().getInvitePage}?payload=${encodeURIComponent(payload)}`)).status).toBe(200);

    expect({ players: await players(room.id), holders: await holders(room.id), bobRooms: await (await call('bob', '/api/rooms')).text() }).toEqual(before);
    expect((await call('bob', `/api/rooms/${room.id}`)).status).toBe(403);

    // The click: a same-origin POST.
    expect((await call('bob', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token: tokenOf(inviteUrl) }) })).status).toBe(200);
    expect(await holders(room.id)).toEqual(['alice', 'bob', 'carol']);
    // Once in, the invite page offers the room instead of a second join.
    expect(await (await call('bob', `/invite/${tokenOf(inviteUrl)}`)).text()).toContain('You are in this room');
  });

  it('signed out, the page previews the room and its button signs in, coming back to the invite', async () => {
    const { inviteUrl } = await createRoom('alice', 'Come back here');
    const html = await (await call(null, `/invite/${tokenOf(inviteUrl)}`)).text();
    expect(html).toContain('Come back here');
    expect(html).toContain(`href="/auth/discord/login?returnTo=${encodeURIComponent(`/invite/${tokenOf(inviteUrl)}`)}"`);
    expect(html).toContain('Sign in with Discord to join');
  });

  it('refuses an invite signed with the right key whose room id is one room’s and channel or role another’s', async () => {
    const a = await createRoom('alice', 'Room A');
    const b = await createRoom('dave', 'Room B');
    const invites = new InviteTokens(SESSION_SECRET);
    const claims = { roomId: a.room.id, guildId: a.room.guildId, channelId: a.room.channelId, roleId: await roleOf(a.room.id), creatorId: a.room.creatorId, kind: 'player' as const };
    const now = Date.now();
    const forged = [
      { ...claims, channelId: b.room.channelId },
      { ...claims, roleId: await roleOf(b.room.id) },
      { ...claims, roomId: b.room.id },
    ];
    for (const c of forged) {
      const { token } = await invites.issue(c, now);
      const res = await call('erin', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) });
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ error: { reason: 'room_closed' } });
      expect(await (await call('erin', `/invite/${token}`)).text()).toContain('This room has been closed');
    }
    expect(await holders(a.room.id)).toEqual(['alice']);
    expect(await holders(b.room.id)).toEqual(['dave']);
    // The same claims, unchanged, are a working invite: what was refused above was the binding.
    const { token } = await invites.issue(claims, now);
    expect((await call('erin', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) })).status).toBe(200);
  });
});

describe('logout', () => {
  it('revokes the session: the old cookie gets 401, pages show signed out, no WS token is minted', async () => {
    const { cookie } = await signInAs(app, 'frank');
    const as = (path: string, init: RequestInit = {}) => fetch(`${app}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) }, redirect: 'manual' });
    expect((await as('/api/ws-token')).status).toBe(200);

    const out = await as('/auth/logout', { method: 'POST', headers: { origin: app } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/');
    expect(out.headers.getSetCookie()[0]).toMatch(/^sr_session=; .*Max-Age=0/);

    expect((await as('/api/ws-token')).status).toBe(401);
    expect((await as('/api/me')).status).toBe(401);
    const lobby = await (await as('/')).text();
    expect(lobby).toContain('Sign in with Discord');
    expect(lobby).not.toContain('Signed in as Frank');
  });

  it('cannot be triggered by another site: a cross-site or header-less POST is refused and the session lives', async () => {
    const { cookie } = await signInAs(app, 'grace');
    const attempts: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: `${app}.evil.com` }, { 'sec-fetch-site': 'cross-site' }, {}];
    for (const headers of attempts) {
      const res = await fetch(`${app}/auth/logout`, { method: 'POST', headers: { cookie, ...headers }, redirect: 'manual' });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect((await fetch(`${app}/api/ws-token`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('bad input is a 4xx, never a 500', () => {
  it('over-long path params', async () => {
    expect((await call('alice', `/invite/${'a'.repeat(5_000)}`)).status).toBe(404);
    expect((await call('alice', `/rooms/${'a'.repeat(65)}`)).status).toBe(404);
    expect((await call('alice', `/api/rooms/${'a'.repeat(65)}`)).status).toBe(404);
    expect((await call('alice', `/api/rooms/${'a'.repeat(65)}/voice`, { method: 'POST', body: '{}' })).status).toBe(404);
    // At the limit, the pages answer themselves: no such room, an invalid invite.
    const room = await call('alice', `/rooms/${'a'.repeat(64)}`);
    expect(room.status).toBe(404);
    expect(await room.text()).toContain('There is no such room');
    const invite = await call('alice', `/invite/${'a'.repeat(4_096)}`);
    expect(invite.status).toBe(200);
    expect(await invite.text()).toContain('This invite link is not valid');
  });

  it('a room name with invalid UTF-8 bytes is refused (400), not stored as U+FFFD', async () => {
    const before = await (await call('carol', '/api/rooms')).text();
    const utf8 = new TextEncoder();
    const bodies = [
      new Uint8Array([...utf8.encode('{"name":"Caf'), 0xe9, ...utf8.encode('"}')]), // Latin-1 é
      new Uint8Array([...utf8.encode('{"name":"'), 0xed, 0xa0, 0x80, ...utf8.encode('"}')]), // a surrogate as UTF-8
      new Uint8Array([...utf8.encode('{"name":"'), 0xc0, 0xaf, ...utf8.encode('"}')]), // an overlong slash
      utf8.encode('{"name":"a\\ud800b"}'), // valid UTF-8, but a lone surrogate once parsed
    ];
    for (const body of bodies) {
      const res = await call('carol', '/api/rooms', { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { kind: 'validation', reason: 'invalid_utf8' } });
    }
    expect(await (await call('carol', '/api/rooms')).text()).toBe(before);
    const ok = await call('carol', '/api/rooms', { method: 'POST', body: utf8.encode('{"name":"Café 🃏"}') });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { room: { name: string } }).room.name).toBe('Café 🃏');
  });

  it('an oversized JSON body is 413', async () => {
    expect((await call('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(20_000) }) })).status).toBe(413);
  });
});

describe('security headers on every route', () => {
  const pagePaths = async () => {
    const { room, inviteUrl } = await createRoom('bob', 'Headers');
    return [
      ['/', 'bob'],
      [`/rooms/${room.id}`, 'bob'],
      [`/invite/${tokenOf(inviteUrl)}`, 'carol'],
      [`/invite/${tokenOf(inviteUrl)}`, null],
      ['/rooms/zzzzzzzzzz', 'bob'],
      ['/auth/failed?reason=expired', null],
      ['/no-such-page', null],
    ] as Array<[string, string | null]>;
  };

  it('pages: a CSP with a fresh nonce on every script, frame-ancestors none, nosniff, same-origin referrers, no-store', async () => {
    const nonces = new Set<string>();
    for (const [path, user] of await pagePaths()) {
      const res = await call(user, path);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce, `${path}: ${csp}`).toBeDefined();
      nonces.add(nonce!);
      expect(csp).toBe(
        [
          "default-src 'none'",
          `script-src 'self' 'nonce-${nonce}'`,
          `style-src 'self' 'nonce-${nonce}'`,
          "style-src-attr 'unsafe-inline'",
          `img-src 'self' ${stack.emulator.url}`,
          `connect-src 'self' ${app.replace('http:', 'ws:')}`,
          "font-src 'self'",
          "manifest-src 'self'",
          "base-uri 'none'",
          "form-action 'self'",
          "frame-ancestors 'none'",
        ].join('; '),
      );
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      const html = await res.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
      for (const tag of html.match(/<style\b[^>]*>/g) ?? []) expect(tag, path).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe((await pagePaths()).length);
  });

  it('JSON, redirects, refusals and client assets: nosniff, same-origin referrers, no framing', async () => {
    const lobby = await (await call(null, '/')).text();
    const script = /<script type="module"[^>]*src="(\/assets\/[^"]+\.js)"/.exec(lobby)?.[1];
    const stylesheet = /<link rel="stylesheet" href="(\/assets\/[^"]+\.css)"/.exec(lobby)?.[1];
    expect(script && stylesheet, 'the lobby links its script and stylesheet').toBeTruthy();
    const answers = [
      await call(null, script!),
      await call(null, stylesheet!),
      await call('alice', '/api/me'),
      await call(null, '/api/me'),
      await call('alice', '/api/rooms'),
      await call('alice', '/api/ws-token'),
      await call(null, '/api/health'),
      await call(null, '/api/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
      await call('alice', '/api/rooms', { method: 'POST', body: '{}', origin: 'https://evil.example' }),
      await call('alice', `/invite/${'a'.repeat(5_000)}`),
      await call(null, '/auth/discord/login?returnTo=%2F'),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), res.url).toBe('same-origin');
      expect(res.headers.get('x-frame-options'), res.url).toBe('DENY');
    }
  });
});

describe('/api/health', () => {
  it('shows state and readiness to anyone, and the Gateway session id only with the metrics token', async () => {
    const pub = (await (await fetch(`${app}/api/health`)).json()) as Record<string, unknown> & { gateway: Record<string, unknown> };
    expect(pub).toMatchObject({ status: 'ok', gateway: { state: 'CONNECTED', holder: true } });
    expect(Object.keys(pub.gateway).sort()).toEqual(['holder', 'state']);
    expect(JSON.stringify(pub)).not.toMatch(/sessionId|"seq"|heartbeat|uptime/);
    for (const authorization of [`Bearer ${METRICS_TOKEN}x`, `bearer ${METRICS_TOKEN}`, METRICS_TOKEN, 'Bearer ']) {
      const wrong = (await (await fetch(`${app}/api/health`, { headers: { authorization } })).json()) as { gateway: Record<string, unknown> };
      expect(wrong.gateway.sessionId, authorization).toBeUndefined();
    }
    const ops = (await (await fetch(`${app}/api/health`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json()) as { gateway: { sessionId?: string; seq: number } };
    expect(ops.gateway.sessionId).toMatch(/\w{8,}/);
    expect(typeof ops.gateway.seq).toBe('number');
  });
});
