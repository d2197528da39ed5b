import { GatewayDispatchEvents, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import type { DispatchRecord } from '../state.ts';
import { botApi, controlApi, type ApiCall } from '../test-helpers.ts';

/** The control API: simulated voice, users, state, reset, and REST/Gateway fault injection. */

let emu: EmulatorHandle;
let control: ApiCall;
let api: ApiCall;
let events: DispatchRecord[];

beforeAll(async () => {
  emu = await startEmulator({ rateLimits: 'off' });
  control = controlApi(emu);
  api = botApi(emu);
  emu.state.onDispatch((rec) => events.push(rec));
});
afterAll(() => emu.close());
beforeEach(async () => {
  await control('POST', 'reset');
  events = [];
});

const lounge = () => emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')?.id ?? '';
const general = () => emu.state.channels(emu.guildId).find((c) => c.name === 'general')?.id ?? '';

async function voiceChannel(body: Record<string, unknown> = {}) {
  return (await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Room', type: 2, ...body })).body.id as string;
}

describe('POST /_emulator/voice', () => {
  it('joins, mutes, moves and leaves, dispatching VOICE_STATE_UPDATE each time', async () => {
    const joined = await control('POST', 'voice', { userId: 'alice', channelId: lounge() });
    expect(joined.status).toBe(200);
    expect(joined.body.voiceState).toMatchObject({ user_id: emu.users.alice.id, channel_id: lounge(), self_mute: false, member: { user: { username: 'alice' } } });
    expect(joined.body.voiceState.session_id).toMatch(/^[0-9a-f]{32}$/);

    await control('POST', 'voice', { userId: emu.users.alice.id, selfMute: true, selfDeaf: true });
    const room = await voiceChannel();
    await control('POST', 'voice', { userId: 'alice', channelId: room });
    await control('POST', 'voice', { userId: 'alice', channelId: null });

    const voice = events.filter((e) => e.t === GatewayDispatchEvents.VoiceStateUpdate).map((e) => e.d as Record<string, unknown>);
    expect(voice.map((d) => [d.channel_id, d.self_mute, d.self_deaf])).toEqual([
      [lounge(), false, false],
      [lounge(), true, true],
      [room, true, true],
      [null, true, true],
    ]);
    expect(emu.state.voiceState(emu.guildId, emu.users.alice.id)).toBeUndefined();
  });

  it('server mute/deaf also update the member (GUILD_MEMBER_UPDATE then VOICE_STATE_UPDATE)', async () => {
    await control('POST', 'voice', { userId: 'bob', channelId: lounge() });
    events = [];
    const res = await control('POST', 'voice', { userId: 'bob', mute: true, deaf: true });
    expect(res.body.voiceState).toMatchObject({ mute: true, deaf: true });
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.GuildMemberUpdate, GatewayDispatchEvents.VoiceStateUpdate]);
  });

  it('refuses a hidden channel (403) unless the user has an allowing role or force is set', async () => {
    const role = (await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room' })).body.id as string;
    const hidden = await voiceChannel({
      permission_overwrites: [
        { id: emu.guildId, type: 0, deny: String(P.ViewChannel | P.Connect) },
        { id: role, type: 0, allow: String(P.ViewChannel | P.Connect) },
      ],
    });
    const refused = await control('POST', 'voice', { userId: 'carol', channelId: hidden });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('hidden');
    expect(events.filter((e) => e.t === GatewayDispatchEvents.VoiceStateUpdate)).toEqual([]);

    expect((await control('POST', 'voice', { userId: 'carol', channelId: hidden, force: true })).status).toBe(200);
    await api('PUT', `/guilds/${emu.guildId}/members/${emu.users.dave.id}/roles/${role}`);
    expect((await control('POST', 'voice', { userId: 'dave', channelId: hidden })).status).toBe(200);
  });

  it('refuses a full channel unless forced', async () => {
    const small = await voiceChannel({ user_limit: 1 });
    expect((await control('POST', 'voice', { userId: 'alice', channelId: small })).status).toBe(200);
    expect((await control('POST', 'voice', { userId: 'bob', channelId: small })).status).toBe(403);
    expect((await control('POST', 'voice', { userId: 'bob', channelId: small, force: true })).status).toBe(200);
  });

  it('answers 400 with a clear message for unknown users/channels, text channels, non-members and bad bodies', async () => {
    const cases: Array<[unknown, string]> = [
      [{ userId: 'mallory', channelId: lounge() }, 'unknown user'],
      [{ userId: 'alice', channelId: '123' }, 'unknown channel'],
      [{ userId: 'alice', channelId: general() }, 'not a voice channel'],
      [{ userId: 'heidi', channelId: lounge() }, 'not a member'],
      [{ userId: 'alice' }, 'not connected to voice'],
      [{ userId: 'alice', chanelId: lounge() }, 'Unrecognized key'],
      [{ channelId: lounge() }, 'userId'],
      ['{oops', 'not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const res = await control('POST', 'voice', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toContain(message);
    }
  });
});

describe('users, state and reset', () => {
  it('POST users adds a member at run time; duplicates are 409', async () => {
    const res = await control('POST', 'users', { username: 'ivan', globalName: 'Ivan' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: 'ivan', global_name: 'Ivan' });
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.GuildMemberAdd]);
    expect((await control('POST', 'users', { username: 'ivan' })).status).toBe(409);
    expect((await control('POST', 'users', { username: 'Not Valid!' })).status).toBe(400);
  });

  it('GET state shows credentials, guild, voice states, 429 records, counters and gateway stats', async () => {
    await control('POST', 'voice', { userId: 'erin', channelId: lounge() });
    await api('GET', `/guilds/${emu.guildId}/channels`);
    const res = await control('GET', 'state');
    expect(res.body).toMatchObject({
      botToken: emu.botToken,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      guildId: emu.guildId,
      rateLimitHits: [],
      requestCounts: { 'GET /guilds/:id/channels': 1 },
      gateway: { identifies: 0, connections: 0, sessions: [] },
    });
    expect(res.body.users.map((u: { username: string }) => u.username)).toContain('heidi');
    expect(res.body.guilds[0].voiceStates).toEqual([expect.objectContaining({ user_id: emu.users.erin.id, channel_id: lounge() })]);
    expect(res.body.guilds[0].members).toContainEqual({ userId: emu.users.alice.id, username: 'alice', nick: null, roles: [] });
  });

  it('POST reset restores the seed with the same ids', async () => {
    const before = emu.state.channels(emu.guildId).map((c) => c.id);
    await voiceChannel();
    await control('POST', 'voice', { userId: 'alice', channelId: lounge() });
    await control('POST', 'faults', { kind: 'latency', ms: 5 });
    await control('POST', 'reset');
    expect(emu.state.channels(emu.guildId).map((c) => c.id)).toEqual(before);
    expect(emu.state.voiceStates(emu.guildId)).toEqual([]);
    expect((await control('GET', 'faults')).body).toEqual({ faults: [], latencyMs: 0 });
  });
});

describe('POST /_emulator/faults', () => {
  it('rest.status fails the next N matching requests with a Discord body', async () => {
    await control('POST', 'faults', { kind: 'rest.status', method: 'post', route: '/guilds/:id/channels', status: 500, count: 2 });
    const create = () => api('POST', `/guilds/${emu.guildId}/channels`, { name: 'x' });
    expect((await api('GET', `/guilds/${emu.guildId}/channels`)).status).toBe(200);
    const failed = await create();
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ message: '500: Internal Server Error', code: 0 });
    expect((await create()).status).toBe(500);
    expect((await create()).status).toBe(201);
  });

  it('an injected 429 carries Retry-After and bucket headers, or the global headers', async () => {
    await control('POST', 'faults', { kind: 'rest.status', route: '/guilds/:id/members', status: 429, retryAfter: 2.5 });
    const res = await api('PUT', `/guilds/${emu.guildId}/members/${emu.users.alice.id}/roles/${emu.guildId}`);
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ message: 'You are being rate limited.', retry_after: 2.5, global: false });
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('x-ratelimit-scope')).toBe('user');
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);

    await control('POST', 'faults', { kind: 'rest.status', route: '/users/@me', status: 429, global: true });
    const global = await api('GET', '/users/@me');
    expect(global.headers.get('x-ratelimit-global')).toBe('true');
    expect(global.body).toMatchObject({ global: true, code: 0 });
    expect(emu.state.rateLimitHits.map((h) => [h.scope, h.injected])).toEqual([
      ['user', true],
      ['global', true],
    ]);
  });

  it('latency delays every REST response', async () => {
    await control('POST', 'faults', { kind: 'latency', ms: 150 });
    const started = performance.now();
    await api('GET', '/users/@me');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await control('POST', 'faults', { kind: 'latency', ms: 0 });
  });

  it('rest.hang never answers until the client gives up; the next request is normal', async () => {
    await control('POST', 'faults', { kind: 'rest.hang', route: '/users/@me', count: 1 });
    const hung = fetch(`${emu.apiUrl}/v10/users/@me`, { headers: { Authorization: `Bot ${emu.botToken}` }, signal: AbortSignal.timeout(300) });
    await expect(hung).rejects.toThrow(/abort|timeout/i);
    expect((await api('GET', '/users/@me')).status).toBe(200);
  });

  it('forwards gateway faults (0 sessions affected without clients) and validates kinds', async () => {
    expect((await control('POST', 'faults', { kind: 'gateway.drop' })).body).toEqual({ ok: true, affected: 0 });
    expect((await control('POST', 'faults', { kind: 'gateway.invalidSession', resumable: true })).status).toBe(200);
    expect((await control('POST', 'faults', { kind: 'gateway.forgetSessions' })).status).toBe(200);
    const bad = await control('POST', 'faults', { kind: 'gateway.explode' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]).toMatchObject({ path: 'kind' });
    expect((await control('POST', 'faults', { kind: 'rest.status', route: 'guilds', status: 500 })).status).toBe(400);
  });
});

describe('GET /_emulator/ and avatars', () => {
  it('serves the control panel and generated avatar PNGs', async () => {
    const panel = await fetch(`${emu.controlUrl}/`);
    expect(panel.headers.get('content-type')).toContain('text/html');
    expect(await panel.text()).toContain('Voice channels');
    const alice = emu.users.alice;
    const png = await fetch(`${emu.url}/avatars/${alice.id}/${alice.avatar}.webp?size=64`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    expect((await fetch(`${emu.url}/avatars/${alice.id}/0000.png`)).status).toBe(404);
    expect((await fetch(`${emu.url}/embed/avatars/3.png`)).status).toBe(200);
  });
});
