import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CannedDiscord, discordError, tooManyRequests } from '../test/canned-discord.ts';
import { FakeClock, recordingLogger } from '@repo/platform/testing';
import { DiscordRestClient, type DiscordRestClientOptions } from './discord-rest-client.ts';
import { DiscordAbortedError, DiscordApiError, DiscordInvalidResponseError, DiscordRateLimitedError, DiscordUnavailableError } from './errors.ts';
import type { RateLimitEvent, RetryEvent } from './events.ts';

const guildId = '100000000000000001';
const userId = '100000000000000002';
const roleId = '100000000000000003';
const channelId = '100000000000000004';
const rolesPath = `/guilds/${guildId}/roles`;
const channelPath = `/channels/${channelId}`;
const role = { id: roleId, name: 'room', permissions: '0', position: 1, color: 0 };
const botToken = 'bot-token-never-logged';

let discord: CannedDiscord;
let clock: FakeClock;
let rateLimits: RateLimitEvent[];
let retries: RetryEvent[];
const clients: DiscordRestClient[] = [];

beforeEach(async () => {
  discord = await CannedDiscord.start();
  clock = new FakeClock({ sleeps: 'instant' });
  rateLimits = [];
  retries = [];
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await discord.close();
});

function client(overrides: Partial<DiscordRestClientOptions> = {}): DiscordRestClient {
  const created = new DiscordRestClient({
    botToken,
    apiBaseUrl: discord.apiBaseUrl,
    clock,
    onRateLimit: (event) => rateLimits.push(event),
    onRetry: (event) => retries.push(event),
    ...overrides,
  });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

describe('retry policy (fake clock)', () => {
  it('retries a 5xx five times waiting 1/2/4/8/16 s, then fails with DiscordUnavailableError', async () => {
    discord.on('POST', rolesPath, { status: 500 }, { status: 502 }, { status: 503 });
    const error = await failure(client().createRole(guildId, { name: 'room' }));

    expect(error).toBeInstanceOf(DiscordUnavailableError);
    expect(error).toMatchObject({ operation: 'createRole', method: 'POST', route: '/guilds/:guildId/roles', path: rolesPath, status: 503, attempts: 6, reason: 'server_error', retryAfterMs: 16_000 });
    expect((error as Error).message).toBe(`createRole POST ${rolesPath}: unavailable after 6 attempts, last: 503 Service Unavailable; retry in 16 s`);
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(discord.count('POST', rolesPath)).toBe(6);
    expect(retries.map((r) => [r.attempt, r.reason, r.status, r.waitMs])).toEqual([
      [1, 'server_error', 500, 1_000],
      [2, 'server_error', 502, 2_000],
      [3, 'server_error', 503, 4_000],
      [4, 'server_error', 503, 8_000],
      [5, 'server_error', 503, 16_000],
    ]);
  });

  it('returns the result of a request that succeeds after failures, sent exactly once successfully', async () => {
    discord.on('POST', rolesPath, { status: 500 }, { status: 502 }, { status: 503 }, { status: 200, body: role });
    await expect(client().createRole(guildId, { name: 'room' })).resolves.toMatchObject({ id: roleId, name: 'room' });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(discord.count('POST', rolesPath)).toBe(4);
  });

  it("obeys a 429's short retry_after within the same 1/2/4/8/16 s schedule, then fails with DiscordRateLimitedError", async () => {
    discord.on('POST', rolesPath, tooManyRequests(0.25, { bucket: 'roles-bucket' }));
    const logger = recordingLogger();
    const error = await failure(client({ logger }).createRole(guildId, { name: 'room' }));

    expect(error).toBeInstanceOf(DiscordRateLimitedError);
    expect(error).toMatchObject({ status: 429, attempts: 6, scope: 'user', global: false, retryAfterMs: 250 });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(discord.count('POST', rolesPath)).toBe(6);
    expect(rateLimits.filter((e) => e.source === 'response')).toHaveLength(6);
    expect(rateLimits[0]).toMatchObject({ source: 'response', route: '/guilds/:id/roles', bucket: 'roles-bucket', scope: 'user', waitMs: 250, operation: 'createRole' });
    const warn = logger.lines.find((line) => line.level === 'warn');
    expect(warn?.msg).toMatch(/^\[RateLimit\] createRole POST \/guilds\/:guildId\/roles: 429 \(user, bucket roles-bucket, retry_after 250 ms\); retry 2\/6 in 1 s$/);
    expect(warn?.obj).toMatchObject({ module: 'RateLimit', bucket: 'roles-bucket', scope: 'user', waitMs: 1_000 });
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', obj: { module: 'RateLimit', attempts: 6 } });
  });

  it("waits Discord's retry_after where it is longer than the backoff step", async () => {
    discord.on('POST', rolesPath, tooManyRequests(5));
    await failure(client().createRole(guildId, { name: 'room' }));
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000, 8_000, 16_000]);
  });

  it('holds every other request of the token during a global 429 and then lets them through', async () => {
    discord.on('POST', rolesPath, tooManyRequests(0.5, { global: true }), { status: 200, body: role });
    discord.on('GET', `/guilds/${guildId}/channels`, { status: 200, body: [] });
    let channels: Promise<unknown> | undefined;
    const rest = client({
      onRateLimit: (event) => {
        rateLimits.push(event);
        // Sent after the global 429 was recorded: the budget holds it for the rest of retry_after.
        channels ??= rest.getGuildChannels(guildId);
      },
    });
    await expect(rest.createRole(guildId, { name: 'room' })).resolves.toMatchObject({ id: roleId });
    await expect(channels).resolves.toEqual([]);
    expect(rateLimits.map((e) => [e.source, e.global, e.waitMs])).toEqual([
      ['response', true, 500],
      ['budget', true, 500],
    ]);
    expect(clock.sleeps.sort((a, b) => a - b)).toEqual([500, 1_000]);
  });

  it('surfaces a rate limit whose wait is too long at once, with how long to wait', async () => {
    discord.on('POST', rolesPath, tooManyRequests(60, { scope: 'shared' }));
    const error = await failure(client().createRole(guildId, { name: 'room' }));
    expect(error).toBeInstanceOf(DiscordRateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 60_000, scope: 'shared', attempts: 1 });
    expect((error as Error).message).toBe(`createRole POST ${rolesPath}: rate limit wait too long (shared); retry in 60 s`);
    expect(clock.sleeps).toEqual([]);
  });

  it('times out a hanging request each attempt and gives up after 6', async () => {
    discord.on('DELETE', channelPath, { hang: true });
    const error = await failure(client({ requestTimeoutMs: 40 }).deleteChannel(channelId));
    expect(error).toBeInstanceOf(DiscordUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', status: undefined, attempts: 6 });
    expect((error as Error).message).toContain('last: timed out after 40 ms');
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(discord.count('DELETE', channelPath)).toBe(6);
  });

  it('retries a connection reset', async () => {
    discord.on('DELETE', channelPath, { reset: true }, { status: 204 });
    await expect(client().deleteChannel(channelId)).resolves.toBe('deleted');
    expect(retries).toMatchObject([{ reason: 'network', attempt: 1, waitMs: 1_000 }]);
  });
});

describe('4xx mapping', () => {
  it.each([
    [404, 10003, 'Unknown Channel'],
    [403, 50013, 'Missing Permissions'],
    [400, 50035, 'Invalid Form Body'],
  ])('%i with code %i fails at once with DiscordApiError', async (status, code, message) => {
    discord.on('PATCH', channelPath, discordError(status, code, message));
    const error = await failure(client().editChannel(channelId, { name: 'x' }));
    expect(error).toBeInstanceOf(DiscordApiError);
    expect(error).toMatchObject({ kind: 'api', status, code, discordMessage: message, attempts: 1, operation: 'editChannel', route: '/channels/:channelId' });
    expect((error as Error).message).toBe(`editChannel PATCH ${channelPath}: ${status} ${message} (code ${code})`);
    expect(discord.count('PATCH', channelPath)).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(retries).toEqual([]);
  });

  it("keeps Discord's field errors of a 400", async () => {
    const errors = { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } };
    discord.on('POST', rolesPath, discordError(400, 50035, 'Invalid Form Body', errors));
    const error = await failure(client().createRole(guildId, { name: '' }));
    expect(error).toMatchObject({ code: 50035, fieldErrors: errors });
  });

  it('treats a delete of something already gone as success only when asked to', async () => {
    discord.on('DELETE', channelPath, discordError(404, 10003, 'Unknown Channel'));
    discord.on('DELETE', `/guilds/${guildId}/roles/${roleId}`, discordError(404, 10011, 'Unknown Role'));
    const rest = client();
    await expect(rest.deleteChannel(channelId, { alreadyGoneIsSuccess: true })).resolves.toBe('already_gone');
    await expect(rest.deleteRole(guildId, roleId, { alreadyGoneIsSuccess: true })).resolves.toBe('already_gone');
    await expect(rest.deleteChannel(channelId)).rejects.toMatchObject({ code: 10003 });
  });

  it('does not take another 404 (Unknown Guild) for "already gone"', async () => {
    discord.on('DELETE', `/guilds/${guildId}/roles/${roleId}`, discordError(404, 10004, 'Unknown Guild'));
    await expect(client().deleteRole(guildId, roleId, { alreadyGoneIsSuccess: true })).rejects.toMatchObject({ code: 10004 });
  });

  it('answers null for a member who is not in the guild', async () => {
    discord.on('GET', `/guilds/${guildId}/members/${userId}`, discordError(404, 10007, 'Unknown Member'));
    await expect(client().getGuildMember(guildId, userId)).resolves.toBeNull();
  });
});

describe('abort', () => {
  it('stops retrying as soon as the caller aborts, with an AbortError', async () => {
    discord.on('POST', rolesPath, { status: 503 });
    const controller = new AbortController();
    const rest = client({ onRetry: () => controller.abort() });
    const error = await failure(rest.createRole(guildId, { name: 'room' }, { signal: controller.signal }));
    expect(error).toBeInstanceOf(DiscordAbortedError);
    expect(error).toMatchObject({ name: 'AbortError', attempts: 1 });
    expect(discord.count('POST', rolesPath)).toBe(1);
  });

  it('aborts a request in flight', async () => {
    discord.on('DELETE', channelPath, { hang: true });
    const error = await failure(client().deleteChannel(channelId, { signal: AbortSignal.timeout(30) }));
    expect(error).toBeInstanceOf(DiscordAbortedError);
    expect(clock.sleeps).toEqual([]);
  });

  it('leaves no listener on a long-lived caller signal', async () => {
    discord.on('GET', `/guilds/${guildId}/channels`, { status: 503 }, { status: 200, body: [] });
    const shutdown = new AbortController();
    const rest = client();
    for (let i = 0; i < 5; i += 1) await rest.getGuildChannels(guildId, { signal: shutdown.signal });
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const error = await failure(client().deleteChannel(channelId, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(DiscordAbortedError);
    expect(discord.requests).toEqual([]);
  });
});

describe('auth and payloads', () => {
  it("looks users up with their bearer token, and a 401 there never costs the bot its token", async () => {
    discord.on('GET', '/users/@me', { status: 200, body: { id: userId, username: 'ada', global_name: 'Ada', avatar: null } }, discordError(401, 0, '401: Unauthorized'));
    discord.on('GET', `/guilds/${guildId}/channels`, { status: 200, body: [] });
    const rest = client();
    await expect(rest.getCurrentUser('user-access-token')).resolves.toMatchObject({ id: userId, username: 'ada' });
    await expect(rest.getCurrentUser('expired-token')).rejects.toMatchObject({ kind: 'api', status: 401 });
    await expect(rest.getGuildChannels(guildId)).resolves.toEqual([]);
    expect(discord.requests.map((r) => r.authorization)).toEqual(['Bearer user-access-token', 'Bearer expired-token', `Bot ${botToken}`]);
  });

  it('adds a member with their access token, and tells "added" from "already a member"', async () => {
    const memberPath = `/guilds/${guildId}/members/${userId}`;
    discord.on('PUT', memberPath, { status: 201, body: { user: { id: userId, username: 'ada', avatar: null }, roles: [roleId] } }, { status: 204 });
    const rest = client();
    await expect(rest.addGuildMember(guildId, userId, { accessToken: 'user-access-token', roles: [roleId] })).resolves.toMatchObject({ outcome: 'added', member: { roles: [roleId] } });
    await expect(rest.addGuildMember(guildId, userId, { accessToken: 'user-access-token' })).resolves.toEqual({ outcome: 'already_member' });
    expect(discord.requests[0]?.body).toEqual({ access_token: 'user-access-token', roles: [roleId] });
  });

  it('never puts a token in an error, even one whose request carried an access token', async () => {
    discord.on('PUT', `/guilds/${guildId}/members/${userId}`, discordError(403, 50025, 'Invalid OAuth2 access token'));
    const error = await failure(client().addGuildMember(guildId, userId, { accessToken: 'secret-access-token' }));
    const rendered = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
    expect(rendered).not.toContain('secret-access-token');
    expect(rendered).not.toContain(botToken);
  });

  it('creates a private voice channel with user limit, parent and overwrites', async () => {
    const categoryId = '100000000000000005';
    discord.on('POST', `/guilds/${guildId}/channels`, { status: 201, body: { id: channelId, type: 2, name: 'room', guild_id: guildId, parent_id: categoryId, user_limit: 4, permission_overwrites: [] } });
    const channel = await client().createVoiceChannel(guildId, {
      name: 'room',
      userLimit: 4,
      parentId: categoryId,
      permissionOverwrites: [
        { id: guildId, type: 'role', deny: 1n << 10n },
        { id: roleId, type: 'role', allow: (1n << 10n) | (1n << 20n) },
      ],
    });
    expect(channel).toMatchObject({ id: channelId, type: 2, user_limit: 4 });
    expect(discord.requests[0]?.body).toEqual({
      type: 2,
      name: 'room',
      user_limit: 4,
      parent_id: categoryId,
      permission_overwrites: [
        { id: guildId, type: 0, allow: '0', deny: '1024' },
        { id: roleId, type: 0, allow: '1049600', deny: '0' },
      ],
    });
  });

  it('moves a member (and disconnects with null)', async () => {
    discord.on('PATCH', `/guilds/${guildId}/members/${userId}`, { status: 200, body: { roles: [] } });
    const rest = client();
    await rest.moveMember(guildId, userId, channelId);
    await rest.moveMember(guildId, userId, null);
    expect(discord.requests.map((r) => r.body)).toEqual([{ channel_id: channelId }, { channel_id: null }]);
  });

  it('reports a 2xx payload it cannot use as DiscordInvalidResponseError, without retrying', async () => {
    discord.on('POST', rolesPath, { status: 200, body: { id: roleId } });
    await expect(client().createRole(guildId, { name: 'room' })).rejects.toBeInstanceOf(DiscordInvalidResponseError);
    expect(discord.count('POST', rolesPath)).toBe(1);
  });

  it('refuses an id that is not a snowflake before sending anything', async () => {
    await expect(client().deleteChannel('../guilds/1')).rejects.toThrow(TypeError);
    expect(discord.requests).toEqual([]);
  });
});
