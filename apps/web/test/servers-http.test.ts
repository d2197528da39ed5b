import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { UserServer } from '@repo/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * Issue 17's servers over HTTP on the production build, against an emulator with 3 guilds on 2
 * recommended shards: /api/me's servers, POST /api/rooms with a guildId and its refusals, the
 * settings API (admins only, CSRF), and an invitee who is not in the room's server.
 */
let emulator: EmulatorHandle;
let stack: Stack;
const cookies: Record<string, string> = {};
let g1: string, g2: string, g3: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, guilds: 3, recommendedShards: 2 });
  [g1, g2, g3] = emulator.guildIds as [string, string, string];
  stack = await startStack({ mode: 'production', emulator });
  for (const user of ['alice', 'dave', 'erin', 'heidi']) cookies[user] = (await signInAs(stack.baseUrl, user)).cookie;
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await emulator?.close();
});

function api(user: string | null, path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (user) headers.set('cookie', cookies[user]!);
  if (init.body) headers.set('content-type', 'application/json');
  const origin = init.origin === undefined ? stack.baseUrl : init.origin;
  if (init.method && init.method !== 'GET' && origin !== null) headers.set('origin', origin);
  return fetch(`${stack.baseUrl}${path}`, { ...init, headers });
}

const json = async <T>(res: Response) => (await res.json()) as T;

/** The lobby's server function (getLobbyInfo) as `user`, its answer as text: its id from the build's manifest. */
async function lobbyInfo(user: string): Promise<string> {
  const server = readFileSync(fileURLToPath(new URL('../dist/server/server.js', import.meta.url)), 'utf8');
  const id = /"([0-9a-f]{64})": \{\s*functionName: "getLobbyInfo_createServerFn_handler"/.exec(server)?.[1];
  if (!id) throw new Error('getLobbyInfo is not in the build’s server-function manifest');
  const res = await api(user, `/_serverFn/${id}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('servers over HTTP', () => {
  it('GET /api/me lists the user’s servers, home first, each with its capacity, and the install link', async () => {
    await expect.poll(async () => (await json<{ guilds: unknown[] }>(await api('alice', '/api/me'))).guilds.length, { timeout: 15_000 }).toBe(3);
    const me = await json<{ guilds: unknown[]; addToDiscordUrl: string }>(await api('alice', '/api/me'));
    // Each entry has exactly the shape the browser renders (the protocol's UserServer), no more.
    const guilds = me.guilds.map((g) => UserServer.strict().parse(g));
    expect(guilds[0]).toMatchObject({ id: g1, home: true, canCreateRooms: true });
    for (const g of guilds) expect(g.capacity?.roomsAvailable).toBeGreaterThan(200);
    expect(me.addToDiscordUrl).toMatch(/\/oauth2\/authorize\?client_id=\d+&scope=bot&permissions=321914641$/);
  });

  it('POST /api/rooms makes the room in the server asked for; refuses an unknown server (400) and a non-member (403)', async () => {
    const created = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Second server', guildId: g2 }) });
    expect(created.status).toBe(201);
    const { room } = await json<{ room: { guildId: string; channelId: string } }>(created);
    expect(room.guildId).toBe(g2);
    expect(emulator.state.channelPayload(room.channelId)).toMatchObject({ guild_id: g2 });

    const unknown = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Nowhere', guildId: '100000000000000000' }) });
    expect(unknown.status).toBe(400);
    expect((await json<{ error: { fields: Record<string, string[]> } }>(unknown)).error.fields.guildId).toEqual(['The bot is not in that server.']);
    const stranger = await api('heidi', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Not mine', guildId: g2 }) });
    expect(stranger.status).toBe(403);
    expect((await json<{ error: { reason: string } }>(stranger)).error.reason).toBe('not_a_member');
    // The name is checked first: nothing is asked about the server for a bad name.
    const badName = await api('heidi', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: '', guildId: g2 }) });
    expect(badName.status).toBe(400);
  });

  it('an invitee who is not in the room’s server is told to join it first', async () => {
    const created = await json<{ inviteUrl: string }>(await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Join first', guildId: g2 }) }));
    const token = new URL(created.inviteUrl).pathname.split('/').at(-1)!;
    const refused = await api('heidi', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) });
    expect(refused.status).toBe(403);
    expect((await json<{ error: { reason: string; message: string } }>(refused)).error).toMatchObject({ reason: 'join_server_first', message: expect.stringMatching(/^Join .+ on Discord first/) });
    expect(emulator.state.isMember(g2, emulator.users.heidi!.id)).toBe(false);
  });

  it('a spectator link needs no server membership: heidi watches a guild-2 room and is not added to guild 2', async () => {
    const created = await json<{ spectatorUrl: string }>(await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Watch only', guildId: g2 }) }));
    const token = new URL(created.spectatorUrl).pathname.split('/').at(-1)!;
    const redeemed = await api('heidi', '/api/invites/redeem', { method: 'POST', body: JSON.stringify({ token }) });
    expect(redeemed.status).toBe(200);
    const { room } = await json<{ room: { id: string; guildId: string } }>(redeemed);
    expect(room.guildId).toBe(g2);
    const seen = await api('heidi', `/api/rooms/${room.id}`);
    expect(seen.status).toBe(200);
    expect((await json<{ spectators: Array<{ userId: string }> }>(seen)).spectators.map((s) => s.userId)).toEqual([emulator.users.heidi!.id]);
    expect(emulator.state.isMember(g2, emulator.users.heidi!.id)).toBe(false);
  });

  it('the lobby names only the servers of the user’s own rooms and servers', async () => {
    // alice is in all 3; erin only in the home server, with no rooms anywhere.
    const alice = await lobbyInfo('alice');
    for (const id of [g1, g2, g3]) expect(alice).toContain(id);
    const erin = await lobbyInfo('erin');
    expect(erin).toContain(g1);
    expect(erin).not.toContain(g2);
    expect(erin).not.toContain(g3);
    expect(erin).not.toContain(emulator.state.guildPayload(g2).name);
  });

  it('settings: dave (Manage Server in guild 2) reads and changes them; alice gets 403; a bad value is a 400 by field; a cross-site write is refused', async () => {
    const read = await api('dave', `/api/guilds/${g2}/settings`);
    expect(read.status).toBe(200);
    expect((await json<{ settings: { roomsEnabled: boolean } }>(read)).settings.roomsEnabled).toBe(true);
    expect((await api('alice', `/api/guilds/${g2}/settings`)).status).toBe(403);
    const bad = await api('dave', `/api/guilds/${g2}/settings`, { method: 'PUT', body: JSON.stringify({ reserve: { channels: 499 } }) });
    expect(bad.status).toBe(400);
    expect(Object.keys((await json<{ error: { fields: Record<string, string[]> } }>(bad)).error.fields)).toEqual(['reserve.channels']);
    expect((await api('dave', `/api/guilds/${g2}/settings`, { method: 'PUT', body: JSON.stringify({ roomsEnabled: false }), origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('alice', `/api/guilds/${g2}/settings`, { method: 'PUT', body: JSON.stringify({ roomsEnabled: false }) })).status).toBe(403);
    const off = await api('dave', `/api/guilds/${g2}/settings`, { method: 'PUT', body: JSON.stringify({ roomsEnabled: false }) });
    expect(off.status).toBe(200);
    const refused = await api('alice', '/api/rooms', { method: 'POST', body: JSON.stringify({ name: 'Off', guildId: g2 }) });
    expect((await json<{ error: { reason: string } }>(refused)).error.reason).toBe('rooms_off');
    expect((await api('dave', `/api/guilds/${g2}/settings`, { method: 'PUT', body: JSON.stringify({ roomsEnabled: true }) })).status).toBe(200);
  });
});
