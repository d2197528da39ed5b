import { DiscordGatewayClient } from '@repo/discord-gateway';
import { DiscordRestClient } from '@repo/discord-rest';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { FakeClock } from '@repo/platform/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/server/errors.ts';
import { GuildAccess } from '../src/server/guilds/guild-access.ts';
import { GuildOutages } from '../src/server/guilds/guild-outages.ts';
import { GuildEvents } from '../src/server/guilds/guild-events.ts';
import { GuildPlaces } from '../src/server/guilds/guild-places.ts';
import { MemoryGuildRegistry } from '../src/server/guilds/guild-registry.ts';
import { GuildService } from '../src/server/guilds/guild-service.ts';
import { UserGuilds, UserGuildsDefaults } from '../src/server/guilds/user-guilds.ts';
import { MemoryGuildSettingsStore, settingsWithDefaults } from '../src/server/guilds/guild-settings.ts';

/**
 * The servers part against the emulator with 3 guilds: who may read and change a server's settings
 * (from Discord's roles), where a room may be made, what /api/me lists, and capacity per server.
 */
const MANAGE_GUILD = 0x20n;
const ADMINISTRATOR = 0x8n;
const MANAGE_CHANNELS = 0x10n;
const limits = { channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250 };
const defaults = { reserveChannels: 5, reserveRoles: 5, homeCategoryId: undefined, ...limits };

let emulator: EmulatorHandle;
let rest: DiscordRestClient;
let gateway: DiscordGatewayClient;
let guilds: GuildService;
let places: GuildPlaces;
let g1: string, g2: string, g3: string;
let ownerId: string;
/** The app's registry, seeded with the emulator's guilds. */
const registry = new MemoryGuildRegistry();
const clock = new FakeClock({ startMs: Date.UTC(2026, 10, 25, 12) });
/** A signed-in user as the lobby passes them: the id and the access token of their sign-in (scopes as asked at the time). */
function signedIn(userId: string, scopes = ['identify', 'guilds', 'guilds.join']): { userId: string; accessToken: string } {
  return { userId, accessToken: emulator.state.oauth.issueTokens(userId, scopes).accessToken };
}
/** Filled by the Gateway's guild events only (not seeded): what the app's registry learns. */
const live = new MemoryGuildRegistry();
const returned: string[] = [];
const removed: string[] = [];
/** What the instances were told: each published outage change, and each return, in order. */
const told: string[] = [];
const outages = new GuildOutages();

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function refusal(promise: Promise<unknown>): Promise<AppError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      return error;
    },
  );
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, heartbeatIntervalMs: 1_000, rateLimits: 'off', guilds: 3 });
  [g1, g2, g3] = emulator.guildIds as [string, string, string];
  ownerId = emulator.state.application().ownerUserId;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl, maxRateLimitWaitMs: 60_000 });
  gateway = new DiscordGatewayClient({ token: emulator.botToken, guildIds: [], restBaseUrl: emulator.apiUrl });
  const events = new GuildEvents({
    registry: live,
    places: { forget: () => undefined },
    onReturned: async (id) => void (returned.push(id), told.push(`read back ${id}`)),
    outages: { list: outages, publish: async ({ guildId, unavailable }) => void told.push(`outage ${guildId} ${unavailable}`) },
    onRemoved: async (id) => void removed.push(id),
    log,
  });
  gateway.on('*', (event) => {
    if (GuildEvents.handles(event)) void events.handle(event);
  });
  await gateway.start();
  const botUserId = (await rest.getBotUser()).id;
  for (const id of emulator.guildIds) await registry.available({ id, name: (await rest.getGuild(id)).name });
  const settings = new MemoryGuildSettingsStore();
  places = new GuildPlaces({ rest, gateway: gateway.inventory, botUserId, clock, limits, settingsOf: (id) => settingsWithDefaults(settings, id, { homeGuildId: g1, ...defaults }), log });
  guilds = new GuildService({
    homeGuildId: g1,
    registry,
    settings,
    access: new GuildAccess({ rest, clock, ttlMs: 0 }),
    userGuilds: new UserGuilds({ rest, clock }),
    rest,
    defaults,
    capacityOf: (id) => places.capacityOf(id),
    onSettingsChanged: (id, s) => places.settingsChanged(id, s),
    log,
  });
  // Discord's side of admin rights, as a server's owner would set them: roles in guild 2.
  const grant = (name: string, permissions: bigint, username: 'dave' | 'carol' | 'bob') => {
    const role = emulator.state.createRole(g2, { name, permissions });
    emulator.state.updateMember(g2, emulator.users[username].id, { roles: [role.id] });
  };
  grant('Server managers', MANAGE_GUILD, 'dave');
  grant('Admins', ADMINISTRATOR, 'carol');
  grant('Channel managers', MANAGE_CHANNELS, 'bob');
});

afterAll(async () => {
  await gateway?.stop();
  rest?.close();
  await emulator?.close();
});

describe('server settings: who may read and change them', () => {
  it('the owner, a Manage Server role and an Administrator role may; a member with Manage Channels or nothing may not', async () => {
    expect((await guilds.settingsFor(ownerId, g2)).settings).toEqual({ roomsEnabled: true, categoryId: null, addInvitees: false, reserve: { channels: 5, roles: 5 } });
    expect((await guilds.settingsFor(emulator.users.dave.id, g2)).guild).toMatchObject({ id: g2, available: true });
    await guilds.settingsFor(emulator.users.carol.id, g2);
    for (const name of ['bob', 'alice', 'heidi'] as const) {
      expect(await refusal(guilds.settingsFor(emulator.users[name].id, g2))).toMatchObject({ status: 403, options: { reason: 'not_an_admin' } });
    }
    // Administrator in guild 2 is nothing in guild 3 (where the seed gives carol no role).
    expect((await refusal(guilds.settingsFor(emulator.users.carol.id, g3))).status).toBe(403);
  });

  it('a server the bot is not in, or no id at all, is 404', async () => {
    for (const id of ['100000000000000000', `${g2}0`, 'guild', '']) {
      expect((await refusal(guilds.settingsFor(ownerId, id))).status).toBe(404);
    }
  });

  it('a non-admin’s change is refused and changes nothing', async () => {
    expect((await refusal(guilds.updateSettings(emulator.users.bob.id, g2, { roomsEnabled: false }))).status).toBe(403);
    expect((await guilds.settingsOf(g2)).roomsEnabled).toBe(true);
  });

  it('bad values are 400 by field and change nothing; the reserve’s edge is one room left', async () => {
    const before = await guilds.settingsOf(g2);
    const cases: Array<[unknown, string]> = [
      [{ roomsEnabled: 'no' }, 'roomsEnabled'],
      [{ surprise: true }, '_'],
      [{ reserve: { channels: 499 } }, 'reserve.channels'],
      [{ reserve: { roles: 250 } }, 'reserve.roles'],
      [{ categoryId: emulator.state.channels(g2).find((c) => c.name === 'Lounge')?.id }, 'categoryId'],
      [{ categoryId: emulator.state.channels(g1).find((c) => c.type === 4)?.id }, 'categoryId'],
    ];
    for (const [body, field] of cases) {
      const error = await refusal(guilds.updateSettings(emulator.users.dave.id, g2, body));
      expect(error.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(error.options.fields ?? {}).join(), JSON.stringify(body)).toContain(field === '_' ? '' : field);
    }
    expect(await guilds.settingsOf(g2)).toEqual(before);
    // Exactly one room left: 498 + 2 = 500 channels, 249 + 1 = 250 roles.
    expect((await guilds.updateSettings(emulator.users.dave.id, g2, { reserve: { channels: 498, roles: 249 } })).reserve).toEqual({ channels: 498, roles: 249 });
    expect((await places.capacityOf(g2)).roomsAvailable).toBe(0);
    await guilds.updateSettings(emulator.users.dave.id, g2, { reserve: { channels: 5, roles: 5 } });
    expect((await places.capacityOf(g2)).roomsAvailable).toBeGreaterThan(200);
  });
});

describe('where a room may be made', () => {
  it('the home server by default; 400 for a server the bot is not in; 403 for a non-member or where rooms are off', async () => {
    expect((await guilds.assertCanCreate(emulator.users.alice.id, undefined)).guildId).toBe(g1);
    expect((await guilds.assertCanCreate(emulator.users.alice.id, g3)).guildId).toBe(g3);
    expect((await refusal(guilds.assertCanCreate(emulator.users.alice.id, '100000000000000000'))).status).toBe(400);
    expect(await refusal(guilds.assertCanCreate(emulator.users.heidi.id, g2))).toMatchObject({ status: 403, options: { reason: 'not_a_member' } });
    await guilds.updateSettings(ownerId, g3, { roomsEnabled: false });
    try {
      expect(await refusal(guilds.assertCanCreate(emulator.users.alice.id, g3))).toMatchObject({ status: 403, options: { reason: 'rooms_off' } });
    } finally {
      await guilds.updateSettings(ownerId, g3, { roomsEnabled: true });
    }
  });
});

describe('the servers /api/me lists', () => {
  it('home first, each with its capacity; a server with rooms off only for its admins', async () => {
    const alice = await guilds.listForUser(signedIn(emulator.users.alice.id));
    expect(alice.signInAgain).toBe(false);
    expect(alice.guilds.map((g) => g.id)).toEqual([g1, g2, g3]);
    expect(alice.guilds[0]).toMatchObject({ home: true, canCreateRooms: true, canManage: false });
    for (const g of alice.guilds) expect(g.capacity?.roomsAvailable).toBeGreaterThan(200);
    await guilds.updateSettings(ownerId, g3, { roomsEnabled: false });
    try {
      expect((await guilds.listForUser(signedIn(emulator.users.alice.id))).guilds.map((g) => g.id)).toEqual([g1, g2]);
      expect((await guilds.listForUser(signedIn(ownerId))).guilds.find((g) => g.id === g3)).toMatchObject({ roomsEnabled: false, canCreateRooms: false, canManage: true, capacity: null });
    } finally {
      await guilds.updateSettings(ownerId, g3, { roomsEnabled: true });
    }
    expect(await guilds.listForUser(signedIn(emulator.users.heidi.id))).toEqual({ guilds: [], signInAgain: false });
  });

  it('the settings link follows the user\'s own list (Manage Server, Administrator); Manage Channels alone shows none', async () => {
    const canManage = async (name: 'dave' | 'carol' | 'bob') => (await guilds.listForUser(signedIn(emulator.users[name].id))).guilds.find((g) => g.id === g2)?.canManage;
    expect(await canManage('dave')).toBe(true);
    expect(await canManage('carol')).toBe(true);
    expect(await canManage('bob')).toBe(false);
  });

  it('one list per user from GET /users/@me/guilds, reused for exactly its TTL on the clock, and only servers the bot is in', async () => {
    const user = signedIn(emulator.users.alice.id);
    expect((await guilds.listForUser(user)).guilds.map((g) => g.id)).toEqual([g1, g2, g3]);
    emulator.state.removeMember(g2, emulator.users.alice.id);
    try {
      clock.advance(UserGuildsDefaults.ttlMs - 1);
      expect((await guilds.listForUser(user)).guilds.map((g) => g.id)).toEqual([g1, g2, g3]);
      clock.advance(1);
      expect((await guilds.listForUser(user)).guilds.map((g) => g.id)).toEqual([g1, g3]);
      // A new sign-in (another access token) asks again at once.
      emulator.state.addMember(g2, emulator.users.alice.id);
      expect((await guilds.listForUser(signedIn(emulator.users.alice.id))).guilds.map((g) => g.id)).toEqual([g1, g2, g3]);
    } finally {
      if (!emulator.state.isMember(g2, emulator.users.alice.id)) emulator.state.addMember(g2, emulator.users.alice.id);
    }
    // A server the user is in but the bot's registry does not hold (the bot was removed): not listed.
    await registry.removed(g3);
    try {
      expect((await guilds.listForUser(signedIn(emulator.users.alice.id))).guilds.map((g) => g.id)).toEqual([g1, g2]);
    } finally {
      await registry.available({ id: g3, name: emulator.state.guild(g3).name });
    }
  });

  it('a sign-in from before the guilds scope (Discord answers 401): the home server from the bot\'s lookup, and "sign in again"', async () => {
    const old = ['identify', 'guilds.join'];
    const alice = await guilds.listForUser(signedIn(emulator.users.alice.id, old));
    expect(alice).toMatchObject({ signInAgain: true, guilds: [{ id: g1, home: true, canCreateRooms: true }] });
    expect(alice.guilds).toHaveLength(1);
    expect(await guilds.listForUser(signedIn(emulator.users.heidi.id, old))).toEqual({ guilds: [], signInAgain: true });
  });

  it('capacity is counted per server: a room made in guild 2 takes from guild 2 only', async () => {
    const before2 = (await places.capacityOf(g2)).roomsAvailable;
    const before3 = (await places.capacityOf(g3)).roomsAvailable;
    const place = await places.get(g2);
    const made = await place.discord.create('guildtest02', 'In guild two', emulator.users.alice.id);
    expect(emulator.state.channelPayload(made.channelId)).toMatchObject({ guild_id: g2 });
    expect((await places.capacityOf(g2)).roomsAvailable).toBe(before2 - 1);
    // "N of M rooms free": the room counts as in use, so M stays the same.
    expect((await places.capacityOf(g2)).roomsInUse).toBe(1);
    expect((await places.capacityOf(g3)).roomsAvailable).toBe(before3);
    expect((await places.capacityOf(g3)).roomsInUse).toBe(0);
    await place.discord.destroy({ roleId: made.roleId, channelId: made.channelId });
    expect((await places.capacityOf(g2)).roomsAvailable).toBe(before2);
    expect((await places.capacityOf(g2)).roomsInUse).toBe(0);
  });
});

describe('the settings page and the lobby’s headings', () => {
  it('lists the server’s categories for an admin only, and the names of the servers asked for (no others)', async () => {
    const lounge = emulator.state.createChannel(g2, { name: 'Board games', type: 4 });
    const page = await guilds.settingsPage(emulator.users.dave.id, g2);
    expect(page.categories).toContainEqual({ id: lounge.id, name: 'Board games' });
    expect(page.categories.every((c) => emulator.state.channelPayload(c.id).type === 4)).toBe(true);
    expect((await refusal(guilds.settingsPage(emulator.users.alice.id, g2))).status).toBe(403);
    const names = await guilds.names([g2, g3, g2]);
    expect(Object.keys(names)).toEqual([g2, g3]);
    expect(names[g2]).toBe((await rest.getGuild(g2)).name);
    // An id the bot is not in, or none asked for: nothing.
    expect(await guilds.names(['100000000000000000'])).toEqual({});
    expect(await guilds.names([])).toEqual({});
  });
});

describe('the registry from the Gateway (GUILD_CREATE / GUILD_DELETE)', () => {
  it('knows every server the bot is in, by name, from GUILD_CREATE', async () => {
    await until(async () => (await live.list()).length === 3, 'three GUILD_CREATEs');
    expect(await live.list()).toEqual(await Promise.all([g1, g2, g3].map(async (id) => ({ id, name: (await rest.getGuild(id)).name, available: true }))));
  });

  it('an outage marks the server unavailable (still known), and its end is a return', async () => {
    emulator.state.setGuildAvailability(g2, false);
    await until(async () => (await live.get(g2))?.available === false, 'guild 2 unavailable');
    expect((await live.get(g2))?.name).not.toBe('');
    expect(returned).toEqual([]);
    await until(async () => told.length === 1, 'the outage published');
    expect(told).toEqual([`outage ${g2} true`]);
    expect(outages.list()).toEqual([g2]);
    emulator.state.setGuildAvailability(g2, true);
    await until(async () => (await live.get(g2))?.available === true, 'guild 2 back');
    expect(returned).toEqual([g2]);
    // Read back before the banner is lifted: what browsers resync to is already Discord's.
    await until(async () => told.length === 3, 'the return published');
    expect(told).toEqual([`outage ${g2} true`, `read back ${g2}`, `outage ${g2} false`]);
    expect(outages.list()).toEqual([]);
  });

  it('the bot removed from a server forgets only that server; re-added, it is known again', async () => {
    emulator.state.setBotMembership(g3, false);
    await until(async () => (await live.get(g3)) === null, 'guild 3 forgotten');
    expect(removed).toEqual([g3]);
    expect((await live.list()).map((g) => g.id)).toEqual([g1, g2]);
    emulator.state.setBotMembership(g3, true);
    await until(async () => (await live.get(g3))?.available === true, 'guild 3 again');
    expect(removed).toEqual([g3]);
  });
});
