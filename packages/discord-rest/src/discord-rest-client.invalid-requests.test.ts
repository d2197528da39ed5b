import { startEmulator } from '@repo/discord-emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CannedDiscord, discordError, tooManyRequests } from '../test/canned-discord.ts';
import { FakeClock, recordingLogger } from '@repo/platform/testing';
import { DiscordRestClient, type DiscordRestClientOptions } from './discord-rest-client.ts';
import { DiscordApiError } from './errors.ts';

const guildId = '100000000000000001';
const roleId = '100000000000000003';
const rolesPath = `/guilds/${guildId}/roles`;
const role = { id: roleId, name: 'room', permissions: '0', position: 1, color: 0 };

let discord: CannedDiscord;
let clock: FakeClock;
const clients: DiscordRestClient[] = [];

beforeEach(async () => {
  discord = await CannedDiscord.start();
  clock = new FakeClock({ startMs: 1_000 * 600_000, sleeps: 'instant' });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await discord.close();
});

function client(overrides: Partial<DiscordRestClientOptions> = {}): DiscordRestClient {
  const created = new DiscordRestClient({ botToken: 'bot-token', apiBaseUrl: discord.apiBaseUrl, clock, ...overrides });
  clients.push(created);
  return created;
}

const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected the call to fail'), (e: unknown) => e);

describe('invalid-request budget (Discord bans an IP at 10,000 per 10 minutes)', () => {
  it('sends a 401 or a 403 once, never again, and counts each', async () => {
    const rest = client();
    discord.on('POST', rolesPath, discordError(401, 0, '401: Unauthorized'));
    const unauthorized = await failure(rest.createRole(guildId, { name: 'room' }));
    expect(unauthorized).toBeInstanceOf(DiscordApiError);
    expect(unauthorized).toMatchObject({ status: 401, attempts: 1 });
    expect(discord.count('POST', rolesPath)).toBe(1);
    expect(rest.invalidRequestCount()).toBe(1);

    discord.on('POST', rolesPath, discordError(403, 50013, 'Missing Permissions'));
    expect(await failure(rest.createRole(guildId, { name: 'room' }))).toMatchObject({ status: 403, code: 50013, attempts: 1 });
    expect(discord.count('POST', rolesPath)).toBe(2);
    expect(clock.sleeps).toEqual([]);
    expect(rest.invalidRequestCount()).toBe(2);
  });

  it('counts a user- or global-scope 429 and a header-less 429, but not a shared-scope one', async () => {
    const rest = client();
    discord.on('POST', rolesPath, tooManyRequests(0.01, { scope: 'shared' }), { status: 200, body: role });
    await rest.createRole(guildId, { name: 'room' });
    expect(discord.count('POST', rolesPath)).toBe(2);
    expect(rest.invalidRequestCount()).toBe(0);

    discord.on('POST', rolesPath, tooManyRequests(0.01, { scope: 'user' }), tooManyRequests(0.01, { global: true }), { status: 200, body: role });
    await rest.createRole(guildId, { name: 'room' });
    expect(rest.invalidRequestCount()).toBe(2);

    // What Cloudflare's ban answers: a bare 429, no rate-limit headers.
    discord.on('POST', rolesPath, { status: 429, body: { message: 'You are being blocked.' } }, { status: 200, body: role });
    await rest.createRole(guildId, { name: 'room' });
    expect(rest.invalidRequestCount()).toBe(3);
  });

  it('leaves the count alone on success, 400, 404 and 5xx', async () => {
    const rest = client();
    discord.on('POST', rolesPath, { status: 500 }, { status: 502 }, { status: 200, body: role });
    await rest.createRole(guildId, { name: 'room' });
    discord.on('POST', rolesPath, discordError(400, 50035, 'Invalid Form Body'));
    await failure(rest.createRole(guildId, { name: 'room' }));
    discord.on('DELETE', `${rolesPath}/${roleId}`, discordError(404, 10011, 'Unknown Role'));
    await rest.deleteRole(guildId, roleId, { alreadyGoneIsSuccess: true });
    expect(rest.invalidRequestCount()).toBe(0);
  });

  it('counts user-token (OAuth) answers too: the limit is per IP, not per token', async () => {
    const rest = client();
    discord.on('GET', '/users/@me', discordError(401, 0, '401: Unauthorized'));
    await failure(rest.getCurrentUser('expired-access-token'));
    expect(rest.invalidRequestCount()).toBe(1);
  });

  it('forgets them once the 10-minute window has passed', async () => {
    const rest = client();
    discord.on('POST', rolesPath, discordError(403, 50013, 'Missing Permissions'));
    await failure(rest.createRole(guildId, { name: 'room' }));
    await clock.sleep(600_000 - 1);
    expect(rest.invalidRequestCount()).toBe(1);
    await clock.sleep(1);
    expect(rest.invalidRequestCount()).toBe(0);
  });

  it('logs one [RateLimit] error when the count goes above the alert level, not at it', async () => {
    const logger = recordingLogger();
    const rest = client({ logger, invalidRequestAlertAbove: 2 });
    discord.on('POST', rolesPath, discordError(403, 50013, 'Missing Permissions'));
    const alerts = () => logger.lines.filter((l) => l.level === 'error' && l.msg.includes('401/403/429'));
    for (let i = 0; i < 2; i++) await failure(rest.createRole(guildId, { name: 'room' }));
    expect(alerts()).toEqual([]);
    await failure(rest.createRole(guildId, { name: 'room' }));
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]).toMatchObject({ obj: { module: 'RateLimit', invalidRequests: 3, lastStatus: 403 } });
    expect(alerts()[0]?.msg).toMatch(/^\[RateLimit\] more than 2 requests/);
    await failure(rest.createRole(guildId, { name: 'room' }));
    expect(alerts()).toHaveLength(1);
    expect(JSON.stringify(logger.lines)).not.toContain('bot-token');
  });
});

describe('invalid-request budget against the emulator', () => {
  it('counts its 401 (bad token), an injected 403 and an injected 429, each 401/403 sent once', async () => {
    const emu = await startEmulator({ port: 0, rateLimits: 'off' });
    try {
      const good = client({ botToken: emu.botToken, apiBaseUrl: emu.apiUrl });
      const bad = client({ botToken: 'not-the-token', apiBaseUrl: emu.apiUrl });
      expect(await failure(bad.getBotUser())).toMatchObject({ status: 401, attempts: 1 });
      expect(bad.invalidRequestCount()).toBe(1);

      const inject = (fault: Record<string, unknown>) => fetch(`${emu.controlUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
      await inject({ kind: 'rest.status', method: 'POST', route: '/guilds/:id/roles', status: 403, count: 1 });
      expect(await failure(good.createRole(emu.guildId, { name: 'room' }))).toMatchObject({ status: 403, attempts: 1 });
      await inject({ kind: 'rest.status', method: 'POST', route: '/guilds/:id/roles', status: 429, retryAfter: 0.01, count: 1 });
      await good.createRole(emu.guildId, { name: 'room' });
      expect(good.invalidRequestCount()).toBe(2);
    } finally {
      await emu.close();
    }
  });
});
