import { randomBytes } from 'node:crypto';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * R-ROOM8, as an operator meets it: the production build as a process on the default (in-memory)
 * store, kill -9, and started again on the same Discord, port and SESSION_SECRET. Nothing the app
 * kept in memory survives; the rooms come back from Discord alone.
 */

const SECRET = randomBytes(32).toString('base64url');
let emulator: EmulatorHandle;
let port: number;
let app: Stack | undefined;

beforeAll(async () => {
  // Outlives every app process of this file: Discord does not restart with the app.
  emulator = await startEmulator({ port: 0 });
  port = await freePort();
});
afterAll(async () => {
  await app?.close();
  await emulator?.close();
});
beforeEach(async () => {
  await fetch(`${emulator.controlUrl}/faults`, { method: 'DELETE' });
});

function start(options: { waitUntilHealthy?: boolean; env?: Record<string, string> } = {}): Promise<Stack> {
  return startStack({ mode: 'production', emulator, port, waitUntilHealthy: options.waitUntilHealthy ?? true, env: { SESSION_SECRET: SECRET, ...options.env } });
}

interface Call {
  status: number;
  body: any;
  headers: Headers;
}

async function call(cookie: string, method: string, path: string, body?: unknown): Promise<Call> {
  const base = app!.baseUrl;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie, origin: base, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text, headers: res.headers };
}

/** The first answer of an app that is starting: connection refused until it listens. */
async function firstAnswer(request: () => Promise<Call>): Promise<{ sentAt: number; answer: Call }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const sentAt = Date.now();
    try {
      return { sentAt, answer: await request() };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** When the app logged that the rooms were read back (pino's `time`, this machine's clock). */
function reconciledAt(stack: Stack): number {
  for (const line of stack.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; time?: number };
    if (entry.msg === 'rooms reconciled with Discord' && entry.time) return entry.time;
  }
  throw new Error(`the app never logged its read-back:\n${stack.output().slice(-4_000)}`);
}

async function waitForReadBack(stack: Stack): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return reconciledAt(stack);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const tokenOf = (url: string) => url.split('/invite/')[1]!;
const userId = (name: string) => emulator.users[name]!.id;

async function cookies(...names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = (await signInAs(app!.baseUrl, name)).cookie;
  return out;
}

describe('kill -9 and start again (one instance, in-memory store)', () => {
  it('keeps the room: same id, URL, host and players; old invite and spectator links work; the fifth player is refused; a request during the read-back waits', async () => {
    app = await start();
    const c = await cookies('alice', 'bob', 'carol', 'grace', 'dave', 'erin');
    const created = await call(c.alice!, 'POST', '/api/rooms', { name: 'Friday Night Magic 🃏' });
    expect(created.status).toBe(201);
    const roomId: string = created.body.room.id;
    const { inviteUrl, spectatorUrl } = created.body as { inviteUrl: string; spectatorUrl: string };
    for (const name of ['bob', 'carol']) expect((await call(c[name]!, 'POST', '/api/invites/redeem', { token: tokenOf(inviteUrl) })).status).toBe(200);
    expect((await call(c.grace!, 'POST', '/api/invites/redeem', { token: tokenOf(spectatorUrl) })).status).toBe(200);
    const before = await call(c.alice!, 'GET', `/api/rooms/${roomId}`);
    expect(before.body.players.map((p: { userId: string }) => p.userId)).toEqual([userId('alice'), userId('bob'), userId('carol')]);
    expect(before.body.spectators.map((p: { userId: string }) => p.userId)).toEqual([userId('grace')]);

    await app.kill('SIGKILL');
    // Discord answers slowly for a while, so the read-back takes a few seconds and a request lands in it.
    await fetch(`${emulator.controlUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'latency', ms: 1_000 }) });
    app = await start({ waitUntilHealthy: false, env: { LOG_LEVEL: 'info' } });
    // Health answers at once meanwhile: not ready, rooms not restored (a load balancer routes around it).
    const healthDuring = firstAnswer(() => call('', 'GET', '/api/health'));
    const { sentAt, answer } = await firstAnswer(() => call(c.alice!, 'GET', `/api/rooms/${roomId}`));
    const readBackAt = await waitForReadBack(app);
    expect(sentAt, 'the first request was sent before the rooms were read back').toBeLessThan(readBackAt);
    expect(answer.status).toBe(200);
    const during = await healthDuring;
    expect(during.sentAt).toBeLessThan(readBackAt);
    expect([during.answer.status, during.answer.body.status, during.answer.body.roomsRestored]).toEqual([503, 'degraded', false]);
    await fetch(`${emulator.controlUrl}/faults`, { method: 'DELETE' });
    await app.healthy();
    expect((await call('', 'GET', '/api/health')).body.roomsRestored).toBe(true);

    // The same room: id, name, host, channel, creation time, players; only the spectators start afresh.
    expect(answer.body.room).toEqual(before.body.room);
    expect(answer.body.players).toEqual(before.body.players);
    expect(answer.body.spectators).toEqual([]);
    const page = await call(c.bob!, 'GET', `/rooms/${roomId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Friday Night Magic 🃏');
    const lobby = await call(c.carol!, 'GET', '/api/rooms');
    expect(lobby.body.rooms).toEqual([expect.objectContaining({ id: roomId, name: 'Friday Night Magic 🃏', players: 3, role: 'player' })]);

    // The old links: the invite page, a spectator seated again, a fourth player, and the fifth refused.
    expect((await call(c.dave!, 'GET', `/invite/${tokenOf(inviteUrl)}`)).status).toBe(200);
    const watching = await call(c.grace!, 'POST', '/api/invites/redeem', { token: tokenOf(spectatorUrl) });
    expect([watching.status, watching.body.room?.id]).toEqual([200, roomId]);
    expect((await call(c.grace!, 'GET', `/api/rooms/${roomId}`)).body.spectators.map((p: { userId: string }) => p.userId)).toEqual([userId('grace')]);
    expect((await call(c.dave!, 'POST', '/api/invites/redeem', { token: tokenOf(inviteUrl) })).status).toBe(200);
    const fifth = await call(c.erin!, 'POST', '/api/invites/redeem', { token: tokenOf(inviteUrl) });
    expect([fifth.status, fifth.body.error?.message]).toEqual([409, 'Room full: 4 of 4 players are in.']);
    const role = emulator.state.roles(emulator.guildId).find((r) => r.name === `room-${roomId}`)!;
    expect(emulator.state.member(emulator.guildId, userId('erin')).roles).not.toContain(role.id);
    expect(emulator.state.member(emulator.guildId, userId('dave')).roles).toContain(role.id);
  });

  it('settles what changed in Discord while it was down: a new host, a closed room, lone roles and channels; a request past the 10 s bound gets 503 + Retry-After', async () => {
    app ??= await start();
    await app.healthy();
    const c = await cookies('alice', 'bob', 'carol', 'dave', 'erin', 'frank');
    const make = async (who: string, name: string) => (await call(c[who]!, 'POST', '/api/rooms', { name })).body as { room: { id: string; channelId: string }; inviteUrl: string };
    const hosted = await make('alice', 'Host leaves');
    for (const name of ['carol', 'bob']) await call(c[name]!, 'POST', '/api/invites/redeem', { token: tokenOf(hosted.inviteUrl) });
    const deleted = await make('dave', 'Channel deleted');
    const roleless = await make('erin', 'Role deleted');
    const guildId = emulator.guildId;
    const roleOf = (roomId: string) => emulator.state.roles(guildId).find((r) => r.name === `room-${roomId}`)!.id;
    const deletedRole = roleOf(deleted.room.id);

    await app.kill('SIGKILL');
    const state = emulator.state;
    state.removeMember(guildId, userId('alice'));
    state.deleteChannel(deleted.room.channelId);
    state.deleteRole(guildId, roleOf(roleless.room.id));
    const loneRole = state.createRole(guildId, { name: 'room-lonerole01' });
    const lookAlike = state.createRole(guildId, { name: 'room-LOOKALIKE' });
    const category = state.channels(guildId).find((ch) => ch.type === 4 && ch.name === 'Spell Rooms')!;
    const admins = state.createChannel(guildId, { name: 'Admins', type: 2, parentId: category.id });
    // The first listing of members hangs until the REST client gives up on it (15 s), then the read-back retries.
    await fetch(`${emulator.controlUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'rest.hang', method: 'GET', route: '/guilds/:id/members', count: 1 }),
    });

    app = await start({ waitUntilHealthy: false, env: { LOG_LEVEL: 'info' } });
    const { answer: late } = await firstAnswer(() => call(c.bob!, 'GET', `/api/rooms/${hosted.room.id}`));
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
    expect(late.body.error).toMatchObject({ kind: 'unavailable', reason: 'rooms_restoring', retryable: true });
    await waitForReadBack(app);
    await app.healthy();

    // The host left the server: bob, the longest-seated player, hosts now, and Discord marks him.
    const room = await call(c.bob!, 'GET', `/api/rooms/${hosted.room.id}`);
    expect(room.body.room.creatorId).toBe(userId('bob'));
    expect(room.body.players.map((p: { userId: string; creator: boolean }) => [p.userId, p.creator])).toEqual([
      [userId('bob'), true],
      [userId('carol'), false],
    ]);
    const marks = state
      .channelPayload(hosted.room.channelId)
      .permission_overwrites?.filter((o) => o.type === 1 && (BigInt(o.allow) & PermissionFlagsBits.PrioritySpeaker) !== 0n)
      .map((o) => o.id);
    expect(marks).toEqual([userId('bob')]);
    // The channel was deleted by hand: the room is closed and its role is gone.
    const closed = await call(c.dave!, 'GET', `/api/rooms/${deleted.room.id}`);
    expect([closed.status, closed.body.error?.message]).toEqual([404, 'This room has been closed.']);
    expect(state.roles(guildId).some((r) => r.id === deletedRole)).toBe(false);
    // Its role was deleted by hand: the channel goes. A lone room role goes. What is not ours stays.
    expect(state.channels(guildId).some((ch) => ch.id === roleless.room.channelId)).toBe(false);
    expect(state.roles(guildId).some((r) => r.id === loneRole.id)).toBe(false);
    expect(state.roles(guildId).some((r) => r.id === lookAlike.id)).toBe(true);
    expect(state.channels(guildId).some((ch) => ch.id === admins.id)).toBe(true);
  });
});
