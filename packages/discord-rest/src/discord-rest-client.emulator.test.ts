import { startEmulator, type EmulatorHandle, type EmulatorOptions, type RateLimitHit } from '@repo/discord-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, recordingLogger } from '@repo/platform/testing';
import { DiscordRestClient, type DiscordRestClientOptions } from './discord-rest-client.ts';
import { DiscordApiError, DiscordRateLimitedError, DiscordUnavailableError } from './errors.ts';
import { InMemoryRateLimitStateStore } from './rate-limit-store.ts';
import type { RateLimitEvent, RequestEvent } from './events.ts';

/*
 * Integration: the client against the emulator's real buckets, headers, 429s and injected faults.
 * Fault tests run the client on a fake clock (every wait recorded, none slept) and the emulator with
 * its buckets off, so the only 429s are the injected ones.
 */

const emulators: EmulatorHandle[] = [];
const clients: DiscordRestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

async function emulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emu = await startEmulator({ port: 0, ...options });
  emulators.push(emu);
  return emu;
}

function clientFor(emu: EmulatorHandle, options: Partial<DiscordRestClientOptions> = {}): DiscordRestClient {
  const client = new DiscordRestClient({ botToken: emu.botToken, apiBaseUrl: emu.apiUrl, ...options });
  clients.push(client);
  return client;
}

async function injectFault(emu: EmulatorHandle, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function rateLimitHits(emu: EmulatorHandle): Promise<RateLimitHit[]> {
  const res = await fetch(`${emu.url}/_emulator/state`);
  return ((await res.json()) as { rateLimitHits: RateLimitHit[] }).rateLimitHits;
}

function requests(emu: EmulatorHandle, routeKey: string): number {
  return emu.state.requestCounts.get(routeKey) ?? 0;
}

function rolesNamed(emu: EmulatorHandle, name: string): number {
  return emu.state.roles(emu.guildId).filter((role) => role.name === name).length;
}

describe('proactive rate limiting (real buckets)', () => {
  it('200 concurrent addMemberRole calls all succeed, cause zero 429s and take the time the bucket implies (±15 %)', async () => {
    const bucket = { limit: 20, windowMs: 1_000 };
    const calls = 200;
    const emu = await emulator({ rateLimits: 'discord', extraUsers: calls, routeLimits: { 'PUT /guilds/:id/members/:id/roles/:id': bucket } });
    const role = emu.state.createRole(emu.guildId, { name: 'players' });
    const userIds = emu.state.users().filter((u) => u.username.startsWith('user')).map((u) => u.id);
    expect(userIds).toHaveLength(calls);
    const events: RateLimitEvent[] = [];
    const logger = recordingLogger();
    const rest = clientFor(emu, { logger, onRateLimit: (event) => events.push(event) });
    // Warm up (connection, JIT) on another bucket: the measure is about queueing, not process start-up.
    await rest.getGuildChannels(emu.guildId);

    const started = performance.now();
    await Promise.all(userIds.map((userId) => rest.addMemberRole(emu.guildId, userId, role.id)));
    const elapsedMs = performance.now() - started;

    // The first window's requests go at once; each further window starts when the previous one resets.
    const idealMs = (Math.ceil(calls / bucket.limit) - 1) * bucket.windowMs;
    console.info(`[bench] ${calls} addMemberRole, bucket ${bucket.limit}/${bucket.windowMs} ms: ${Math.round(elapsedMs)} ms, ideal ${idealMs} ms (${((elapsedMs / idealMs - 1) * 100).toFixed(1)} %)`);
    expect(await rateLimitHits(emu)).toEqual([]);
    expect(rest.stats.responses429).toBe(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(idealMs * 0.98);
    expect(elapsedMs).toBeLessThanOrEqual(idealMs * 1.15);
    for (const userId of userIds) expect(emu.state.member(emu.guildId, userId).roles).toContain(role.id);
    expect(requests(emu, 'PUT /guilds/:id/members/:id/roles/:id')).toBe(calls);
    // Each wait for the bucket to reset was an observable, logged rate-limit event.
    expect(events.filter((e) => e.source === 'queue').length).toBeGreaterThanOrEqual(Math.ceil(calls / bucket.limit) - 1);
    expect(logger.lines.some((line) => line.msg.startsWith('[RateLimit] queued PUT /guilds/:id/members/:id/roles/:id') && line.obj.module === 'RateLimit')).toBe(true);
  }, 20_000);

  it('two clients of one token sharing one budget store overlap on a bucket without a 429 (R-RL2 in one process)', async () => {
    // Each client queues on its own; only the shared store keeps them from overspending the bucket
    // together. Rounds start while the previous one's window is still running, at varied overlaps.
    const emu = await emulator({ rateLimits: 'discord', extraUsers: 60, routeLimits: { 'PUT /guilds/:id/members/:id/roles/:id': { limit: 10, windowMs: 300 } } });
    const userIds = emu.state.users().filter((u) => u.username.startsWith('user')).map((u) => u.id);
    const rateLimitStore = new InMemoryRateLimitStateStore();
    for (const overlapMs of [50, 150, 350, 650]) {
      const role = emu.state.createRole(emu.guildId, { name: `players-${overlapMs}` });
      const first = clientFor(emu, { rateLimitStore });
      const second = clientFor(emu, { rateLimitStore });
      const early = Promise.all(userIds.slice(0, 30).map((userId) => first.addMemberRole(emu.guildId, userId, role.id)));
      await new Promise((resolve) => setTimeout(resolve, overlapMs));
      await Promise.all([early, ...userIds.slice(30).map((userId) => second.addMemberRole(emu.guildId, userId, role.id))]);
      for (const userId of userIds) expect(emu.state.member(emu.guildId, userId).roles).toContain(role.id);
    }
    expect(await rateLimitHits(emu)).toEqual([]);
  }, 20_000);

  it('surfaces a bucket that resets later than maxRateLimitWaitMs instead of holding the request', async () => {
    // Discord-like bucket: 10 role grants per 10 s per guild.
    const emu = await emulator({ rateLimits: 'discord' });
    const role = emu.state.createRole(emu.guildId, { name: 'players' });
    const rest = clientFor(emu, { maxRateLimitWaitMs: 2_000 });
    const alice = emu.users.alice.id;
    for (let i = 0; i < 10; i += 1) await rest.addMemberRole(emu.guildId, alice, role.id);

    const error = await rest.addMemberRole(emu.guildId, alice, role.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordRateLimitedError);
    expect((error as DiscordRateLimitedError).retryAfterMs).toBeGreaterThan(8_000);
    expect(await rateLimitHits(emu)).toEqual([]);
  });
});

describe('retry policy against injected faults (fake clock)', () => {
  async function setup(options: Partial<DiscordRestClientOptions> = {}) {
    const emu = await emulator({ rateLimits: 'off' });
    const clock = new FakeClock({ sleeps: 'instant' });
    const rest = clientFor(emu, { clock, ...options });
    return { emu, clock, rest };
  }

  it('429 with retry_after: waits 1/2/4/8/16 s, sends 6 requests, then DiscordRateLimitedError; nothing created', async () => {
    const { emu, clock, rest } = await setup();
    await injectFault(emu, { kind: 'rest.status', method: 'POST', route: '/guilds/:id/roles', status: 429, retryAfter: 0.3, count: 6 });
    const error = await rest.createRole(emu.guildId, { name: 'room-429' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordRateLimitedError);
    expect(error).toMatchObject({ operation: 'createRole', route: '/guilds/:guildId/roles', status: 429, attempts: 6, retryAfterMs: 300, global: false });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(requests(emu, 'POST /guilds/:id/roles')).toBe(6);
    expect(rolesNamed(emu, 'room-429')).toBe(0);
  });

  it('a global 429: the same schedule, reported as global', async () => {
    const { emu, clock, rest } = await setup();
    await injectFault(emu, { kind: 'rest.status', route: '/guilds/:id/channels', status: 429, retryAfter: 0.5, global: true, count: 6 });
    const error = await rest.getGuildChannels(emu.guildId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordRateLimitedError);
    expect(error).toMatchObject({ global: true, scope: 'global', attempts: 6 });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(requests(emu, 'GET /guilds/:id/channels')).toBe(6);
  });

  it("retry_after longer than the backoff step wins", async () => {
    const { emu, clock, rest } = await setup();
    await injectFault(emu, { kind: 'rest.status', route: '/guilds/:id/roles', status: 429, retryAfter: 5, count: 6 });
    await expect(rest.createRole(emu.guildId, { name: 'room' })).rejects.toBeInstanceOf(DiscordRateLimitedError);
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000, 8_000, 16_000]);
  });

  it('500/502/503: waits 1/2/4/8/16 s, 6 requests, then DiscordUnavailableError', async () => {
    const { emu, clock, rest } = await setup();
    for (const status of [500, 502, 503]) await injectFault(emu, { kind: 'rest.status', route: '/guilds/:id/roles', status, count: 2 });
    const error = await rest.createRole(emu.guildId, { name: 'room-5xx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordUnavailableError);
    expect(error).toMatchObject({ reason: 'server_error', status: 503, attempts: 6, retryAfterMs: 16_000 });
    expect((error as Error).message).toMatch(/^createRole POST \/guilds\/\d+\/roles: unavailable after 6 attempts, last: 503 .*; retry in 16 s$/);
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(requests(emu, 'POST /guilds/:id/roles')).toBe(6);
    expect(rolesNamed(emu, 'room-5xx')).toBe(0);
  });

  it('a request that succeeds after 500, 502, 503 returns its result once and creates one role', async () => {
    const { emu, clock, rest } = await setup();
    for (const status of [500, 502, 503]) await injectFault(emu, { kind: 'rest.status', route: '/guilds/:id/roles', status, count: 1 });
    const role = await rest.createRole(emu.guildId, { name: 'room-eventually' });
    expect(role.name).toBe('room-eventually');
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(requests(emu, 'POST /guilds/:id/roles')).toBe(4);
    expect(rolesNamed(emu, 'room-eventually')).toBe(1);
  });

  it('a hanging route: each attempt times out, 6 requests, then DiscordUnavailableError (timeout)', async () => {
    const { emu, clock, rest } = await setup({ requestTimeoutMs: 100 });
    await injectFault(emu, { kind: 'rest.hang', route: '/guilds/:id/channels', method: 'POST', count: 6 });
    const error = await rest.createVoiceChannel(emu.guildId, { name: 'room-hang', userLimit: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', status: undefined, attempts: 6 });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(requests(emu, 'POST /guilds/:id/channels')).toBe(6);
    expect(emu.state.channels(emu.guildId).filter((c) => c.name === 'room-hang')).toHaveLength(0);
  });

  it('a request that hangs twice then succeeds creates one channel', async () => {
    const { emu, clock, rest } = await setup({ requestTimeoutMs: 100 });
    await injectFault(emu, { kind: 'rest.hang', route: '/guilds/:id/channels', method: 'POST', count: 2 });
    const channel = await rest.createVoiceChannel(emu.guildId, { name: 'room-slow', userLimit: 4 });
    expect(channel).toMatchObject({ type: 2, user_limit: 4 });
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(emu.state.channels(emu.guildId).filter((c) => c.name === 'room-slow')).toHaveLength(1);
  });
});

describe("4xx carry Discord's code and are never retried", () => {
  it('404 Unknown Channel, 403 Missing Permissions, 400 Target user is not connected to voice', async () => {
    const emu = await emulator({ rateLimits: 'off' });
    const clock = new FakeClock({ sleeps: 'instant' });
    const rest = clientFor(emu, { clock });
    const lounge = emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge');
    if (!lounge) throw new Error('the seeded guild has a Lounge voice channel');

    const notFound = await rest.deleteChannel('123456789012345678').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(DiscordApiError);
    expect(notFound).toMatchObject({ status: 404, code: 10003, discordMessage: 'Unknown Channel', attempts: 1 });

    await injectFault(emu, { kind: 'rest.status', route: '/guilds/:id/roles', method: 'POST', status: 403, count: 1 });
    await expect(rest.createRole(emu.guildId, { name: 'x' })).rejects.toMatchObject({ kind: 'api', status: 403, code: 50013, attempts: 1 });

    const notInVoice = await rest.moveMember(emu.guildId, emu.users.alice.id, lounge.id).catch((e: unknown) => e);
    expect(notInVoice).toBeInstanceOf(DiscordApiError);
    expect(notInVoice).toMatchObject({ status: 400, code: 40032, attempts: 1 });

    expect(clock.sleeps).toEqual([]);
    expect(requests(emu, 'DELETE /channels/:id')).toBe(1);
    expect(requests(emu, 'POST /guilds/:id/roles')).toBe(1);
    expect(requests(emu, 'PATCH /guilds/:id/members/:id')).toBe(1);
  });
});

describe('operations (Discord-like buckets on)', () => {
  it('reads the bot user and creates a category, reporting each operation for metrics', async () => {
    const emu = await emulator();
    const requests: RequestEvent[] = [];
    const rest = clientFor(emu, { onRequest: (event) => requests.push(event) });
    await expect(rest.getBotUser()).resolves.toMatchObject({ id: emu.state.botUser().id, bot: true });
    const category = await rest.createCategory(emu.guildId, { name: 'Spell Rooms' });
    expect(category).toMatchObject({ type: 4, name: 'Spell Rooms' });
    expect(emu.state.channels(emu.guildId).some((c) => c.id === category.id && c.type === 4)).toBe(true);
    await expect(rest.deleteRole(emu.guildId, '123456789012345678')).rejects.toMatchObject({ kind: 'api' });
    expect(requests.map((r) => [r.operation, r.route, r.outcome])).toEqual([
      ['getBotUser', '/users/@me', 'ok'],
      ['createCategory', '/guilds/:guildId/channels', 'ok'],
      ['deleteRole', '/guilds/:guildId/roles/:roleId', 'api'],
    ]);
  });

  it('lists the bot’s servers oldest first, a page at a time, and refuses a limit past 1–200', async () => {
    const emu = await emulator({ guilds: 3 });
    const rest = clientFor(emu);
    const [g1, g2, g3] = emu.guildIds as [string, string, string];
    expect((await rest.getBotGuilds()).map((g) => g.id)).toEqual([g1, g2, g3]);
    const first = await rest.getBotGuilds({ limit: 2 });
    expect(first.map((g) => g.id)).toEqual([g1, g2]);
    expect(first[0]?.name).toBe(emu.state.guild(g1).name);
    expect((await rest.getBotGuilds({ limit: 200, after: g2 })).map((g) => g.id)).toEqual([g3]);
    // The bot removed from a server: it is no longer listed.
    emu.state.setBotMembership(g1, false);
    expect((await rest.getBotGuilds()).map((g) => g.id)).toEqual([g2, g3]);
    for (const limit of [0, 201, 1.5]) await expect(rest.getBotGuilds({ limit })).rejects.toBeInstanceOf(RangeError);
  });

  it('lists a user\'s servers with their bearer token (guilds scope), paged; a token without the scope is a 401 DiscordApiError', async () => {
    const emu = await emulator({ guilds: 3 });
    const rest = clientFor(emu);
    const [g1, g2, g3] = emu.guildIds as [string, string, string];
    const alice = emu.state.oauth.issueTokens(emu.users.alice.id, ['identify', 'guilds', 'guilds.join']).accessToken;
    const listed = await rest.getUserGuilds(alice);
    expect(listed.map((g) => g.id)).toEqual([g1, g2, g3]);
    expect(listed[0]).toMatchObject({ name: emu.state.guild(g1).name, owner: false, permissions: expect.stringMatching(/^\d+$/) });
    expect((await rest.getUserGuilds(alice, { limit: 1, after: g1 })).map((g) => g.id)).toEqual([g2]);
    const old = emu.state.oauth.issueTokens(emu.users.alice.id, ['identify', 'guilds.join']).accessToken;
    await expect(rest.getUserGuilds(old)).rejects.toMatchObject({ status: 401 });
    await expect(rest.getUserGuilds(alice, { limit: 201 })).rejects.toBeInstanceOf(RangeError);
  });

  it('runs a room lifecycle: role, private voice channel, membership, move, cleanup (idempotent)', async () => {
    const emu = await emulator();
    const rest = clientFor(emu);
    const { guildId } = emu;
    const alice = emu.users.alice.id;
    const category = emu.state.channels(guildId).find((c) => c.type === 4);
    const lounge = emu.state.channels(guildId).find((c) => c.name === 'Lounge');
    if (!category || !lounge) throw new Error('the seeded guild has a category and a Lounge');

    const role = await rest.createRole(guildId, { name: 'room-1', permissions: 0n });
    const channel = await rest.createVoiceChannel(guildId, {
      name: 'room-1',
      userLimit: 4,
      parentId: category.id,
      permissionOverwrites: [
        { id: guildId, type: 'role', deny: 1n << 10n },
        { id: role.id, type: 'role', allow: (1n << 10n) | (1n << 20n) },
        // The bot keeps seeing and managing the channel it hides from @everyone (R-ROOM1).
        { id: emu.state.botUser().id, type: 'member', allow: (1n << 10n) | (1n << 20n) | (1n << 4n) | (1n << 24n) },
      ],
    });
    expect(channel).toMatchObject({ type: 2, user_limit: 4, parent_id: category.id, guild_id: guildId });
    expect(channel.permission_overwrites).toEqual(expect.arrayContaining([expect.objectContaining({ id: role.id, allow: String((1n << 10n) | (1n << 20n)) })]));

    await expect(rest.editChannel(channel.id, { name: 'room-1-renamed' })).resolves.toMatchObject({ name: 'room-1-renamed' });
    expect((await rest.getGuildChannels(guildId)).map((c) => c.id)).toContain(channel.id);

    await rest.addMemberRole(guildId, alice, role.id);
    expect((await rest.getGuildMember(guildId, alice))?.roles).toContain(role.id);
    await expect(rest.getGuildMember(guildId, emu.users.heidi.id)).resolves.toBeNull();

    emu.state.setVoiceState(guildId, alice, { channelId: lounge.id });
    await rest.moveMember(guildId, alice, channel.id);
    expect(emu.state.voiceState(guildId, alice)?.channelId).toBe(channel.id);
    await rest.moveMember(guildId, alice, null);
    expect(emu.state.voiceState(guildId, alice)?.channelId ?? null).toBeNull();

    await expect(rest.removeMemberRole(guildId, alice, role.id)).resolves.toBe('deleted');
    await expect(rest.deleteChannel(channel.id)).resolves.toBe('deleted');
    await expect(rest.deleteChannel(channel.id, { alreadyGoneIsSuccess: true })).resolves.toBe('already_gone');
    await expect(rest.deleteChannel(channel.id)).rejects.toMatchObject({ code: 10003 });
    await expect(rest.deleteRole(guildId, role.id)).resolves.toBe('deleted');
    await expect(rest.deleteRole(guildId, role.id, { alreadyGoneIsSuccess: true })).resolves.toBe('already_gone');
    expect(await rateLimitHits(emu)).toEqual([]);
  });

  it('pages through the members in user id order (limit 1–1000, after), in one rate-limit bucket whatever the cursor', async () => {
    const emu = await emulator({ extraUsers: 5 });
    const rest = clientFor(emu);
    const all = emu.state.members(emu.guildId, 1000);
    expect(all.length).toBeGreaterThan(6);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await rest.listGuildMembers(emu.guildId, after === undefined ? { limit: 3 } : { limit: 3, after });
      expect(page.length).toBeLessThanOrEqual(3);
      if (page.length === 0) break;
      seen.push(...page.map((m) => m.user!.id));
      after = page.at(-1)!.user!.id;
    }
    expect(seen).toEqual(all.map((m) => m.user.id));
    const alice = (await rest.listGuildMembers(emu.guildId, { limit: 1000 })).find((m) => m.user?.id === emu.users.alice.id);
    expect(alice?.joined_at).toBe(emu.state.memberPayload(emu.guildId, emu.users.alice.id).joined_at);
    // The cursor is a query string, not part of the route: every page counts against one bucket.
    expect([...emu.state.requestCounts.keys()].filter((k) => k.includes('/members'))).toEqual(['GET /guilds/:id/members']);
    await expect(rest.listGuildMembers(emu.guildId, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(rest.listGuildMembers(emu.guildId, { limit: 1001 })).rejects.toThrow('limit must be an integer from 1 to 1000, got 1001');
    await expect(rest.listGuildMembers(emu.guildId, { limit: 1000 })).resolves.toHaveLength(all.length);
  });

  it('sets and removes one member overwrite on a channel, leaving the others alone', async () => {
    const emu = await emulator();
    const rest = clientFor(emu);
    const { guildId } = emu;
    const channel = await rest.createVoiceChannel(guildId, { name: 'Table', userLimit: 4, permissionOverwrites: [{ id: guildId, type: 'role', deny: 1n << 20n }] });
    const alice = emu.users.alice.id;
    await rest.editChannelPermission(channel.id, { id: alice, type: 'member', allow: 1n << 8n });
    const overwrites = () => emu.state.channelPayload(channel.id).permission_overwrites;
    expect(overwrites()).toEqual([
      { id: guildId, type: 0, allow: '0', deny: String(1n << 20n) },
      { id: alice, type: 1, allow: String(1n << 8n), deny: '0' },
    ]);
    await expect(rest.deleteChannelPermission(channel.id, alice)).resolves.toBe('deleted');
    expect(overwrites()).toEqual([{ id: guildId, type: 0, allow: '0', deny: String(1n << 20n) }]);
    await rest.deleteChannel(channel.id);
    await expect(rest.deleteChannelPermission(channel.id, alice, { alreadyGoneIsSuccess: true })).resolves.toBe('already_gone');
  });

  it('OAuth2: looks the user up with their bearer token and adds them to the guild (guilds.join)', async () => {
    const emu = await emulator();
    const rest = clientFor(emu);
    const heidi = emu.users.heidi;
    const grant = emu.state.oauth.issueTokens(heidi.id, ['identify', 'guilds.join']);

    await expect(rest.getCurrentUser(grant.accessToken)).resolves.toMatchObject({ id: heidi.id, username: 'heidi' });
    await expect(rest.getCurrentAuthorization(grant.accessToken)).resolves.toMatchObject({ scopes: ['identify', 'guilds.join'], user: { id: heidi.id } });
    await expect(rest.getCurrentUser('not-a-token')).rejects.toMatchObject({ kind: 'api', status: 401 });

    const added = await rest.addGuildMember(emu.guildId, heidi.id, { accessToken: grant.accessToken });
    expect(added).toMatchObject({ outcome: 'added', member: { user: { id: heidi.id } } });
    await expect(rest.addGuildMember(emu.guildId, heidi.id, { accessToken: grant.accessToken })).resolves.toEqual({ outcome: 'already_member' });
    expect(emu.state.isMember(emu.guildId, heidi.id)).toBe(true);
  });
});
