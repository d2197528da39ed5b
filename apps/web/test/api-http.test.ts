import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/** The rooms JSON API, the WebSocket and the operations endpoints, over HTTP on the production build. */
let stack: Stack;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ mode: 'production', env: { METRICS_TOKEN: 'metrics-secret-token' } });
  for (const user of ['alice', 'bob', 'carol']) cookies[user] = (await signInAs(stack.baseUrl, user)).cookie;
});
afterAll(async () => {
  await stack?.close();
});

function api(user: string | null, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (user) headers.set('cookie', cookies[user]!);
  if (init.body) headers.set('content-type', 'application/json');
  // Writes come from the app's own pages (the CSRF rule, specs/auth.md).
  if (init.method && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', stack.baseUrl);
  return fetch(`${stack.baseUrl}${path}`, { ...init, headers });
}

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.emulator.url}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}

describe('rooms API', () => {
  it('creates, shows to members only, and closes idempotently', async () => {
    const created = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'HTTP room' }) });
    expect(created.status).toBe(201);
    const { room, inviteUrl } = (await created.json()) as { room: { id: string; channelId: string }; inviteUrl: string };
    expect(inviteUrl).toContain(`${stack.baseUrl}/invite/`);

    const mine = (await (await api('alice', `/api/rooms/${room.id}`)).json()) as { players: Array<{ username: string }>; seq: number };
    expect(mine.players.map((p) => p.username)).toEqual(['alice']);
    expect((await api('bob', `/api/rooms/${room.id}`)).status).toBe(403);
    expect((await api(null, `/api/rooms/${room.id}`)).status).toBe(401);

    const token = inviteUrl.split('/invite/')[1]!;
    const redeemed = await api('bob', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) });
    expect(redeemed.status).toBe(200);
    expect((await api('bob', `/api/rooms/${room.id}`)).status).toBe(200);

    expect((await api('bob', `/api/rooms/${room.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await api('alice', `/api/rooms/${room.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('alice', `/api/rooms/${room.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('alice', `/api/rooms/${room.id}`)).status).toBe(404);
    const replay = await api('carol', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) });
    expect(replay.status).toBe(410);
  });

  it('answers bad input with 400 and field errors, unknown rooms with 404, foreign origins with 403', async () => {
    const bad = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: ' ' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { kind: 'validation', fields: { name: ['Give the room a name.'] } } });
    expect((await api('alice', '/api/rooms', { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await api('alice', '/api/rooms/NOT_AN_ID')).status).toBe(404);
    expect((await api('alice', '/api/rooms/abcdefghij')).status).toBe(404);
    const crossSite = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'x' }), headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
  });
});

describe('live presence over the WebSocket', () => {
  it('authenticates, subscribes, gets a snapshot, then the voice change made in Discord', async () => {
    const { room } = (await (await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Live room' }) })).json()) as {
      room: { id: string; channelId: string };
    };
    // Served by the server entry before Start's router: the same JSON API answers.
    const anonymous = await api(null, '/api/ws-token');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/json');
    const tokenResponse = await api('alice', '/api/ws-token');
    expect(tokenResponse.headers.get('cache-control')).toBe('no-store');
    const { token } = (await tokenResponse.json()) as { token: string };
    const ws = new WebSocket(`${stack.baseUrl.replace('http', 'ws')}/api/ws`, { headers: { origin: stack.baseUrl } });
    const frames: Array<{ type: string; event?: string; payload?: Record<string, unknown> }> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    const waitFor = async (predicate: () => boolean) => {
      const deadline = Date.now() + 5_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'auth', token }));
      ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'subscribe', room: room.id }));
      await waitFor(() => frames.some((f) => f.event === 'room.snapshot'));
      const snapshot = frames.find((f) => f.event === 'room.snapshot')!;
      expect(snapshot.payload).toMatchObject({ roomId: room.id, voice: [] });

      await control('voice', { userId: 'alice', channelId: room.channelId });
      await waitFor(() => frames.some((f) => f.event === 'voice.joined'));
      const joined = frames.find((f) => f.event === 'voice.joined')!;
      expect(joined.payload).toMatchObject({ roomId: room.id, seq: (snapshot.payload!.seq as number) + 1, member: { username: 'alice', signedIn: true } });
    } finally {
      ws.close();
      await control('voice', { userId: 'alice', channelId: null });
    }
  });
});

describe('operations endpoints', () => {
  it('reports readiness with the Gateway state', async () => {
    // The reconnect count is an internal: operators see it with the metrics token.
    const res = await fetch(`${stack.baseUrl}/api/health`, { headers: { authorization: 'Bearer metrics-secret-token' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', gateway: { state: 'CONNECTED', holder: true, reconnects: 0 }, rooms: expect.any(Number) });
  });

  it('serves Prometheus metrics behind the token, without user data', async () => {
    expect((await fetch(`${stack.baseUrl}/api/metrics`)).status).toBe(401);
    const res = await fetch(`${stack.baseUrl}/api/metrics`, { headers: { authorization: 'Bearer metrics-secret-token' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of [
      'spellrooms_ws_connections',
      'spellrooms_ws_subscriptions',
      'spellrooms_rooms',
      'spellrooms_gateway_state{state="CONNECTED"} 1',
      'spellrooms_gateway_events_total{type="voice.joined"}',
      'spellrooms_delivery_latency_seconds_bucket',
      'spellrooms_rest_requests_total{route="/guilds/:guildId/channels",method="POST",outcome="ok"}',
      'spellrooms_cleanup_runs_total',
      'spellrooms_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(text, name).toContain(name);
    }
    const state = (await (await fetch(`${stack.emulator.url}/_emulator/state`)).json()) as { users: Array<{ id: string; username: string }> };
    for (const user of state.users) expect(text).not.toContain(user.id);
  });
});
