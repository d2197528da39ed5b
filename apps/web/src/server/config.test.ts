import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const discordEnv = {
  DISCORD_BOT_TOKEN: 'bot-token',
  DISCORD_CLIENT_ID: '123456789012345678',
  DISCORD_CLIENT_SECRET: 'client-secret',
  DISCORD_GUILD_ID: '223456789012345678',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs development on the embedded emulator with no Discord variables at all', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.discord).toEqual({ kind: 'embedded-emulator', emulatorPort: 4100, roomsCategoryId: undefined });
    expect(config.http.publicUrl.origin).toBe('http://localhost:3000');
    expect(config.log.pretty).toBe(true);
  });

  it('uses discord.com when a bot token is given, or DISCORD_API_URL when set', () => {
    expect(loadConfig(discordEnv).discord).toMatchObject({ kind: 'remote', apiUrl: 'https://discord.com/api' });
    expect(loadConfig({ ...discordEnv, DISCORD_API_URL: 'http://127.0.0.1:4100/api/' }).discord).toMatchObject({
      kind: 'remote',
      apiUrl: 'http://127.0.0.1:4100/api',
    });
  });

  it('requires the rest of the application when a bot token is set', () => {
    expect(problemsOf({ DISCORD_BOT_TOKEN: 'x' })).toEqual([
      'DISCORD_CLIENT_ID: required when DISCORD_BOT_TOKEN is set.',
      'DISCORD_CLIENT_SECRET: required when DISCORD_BOT_TOKEN is set.',
    ]);
  });

  it('takes DISCORD_GUILD_ID (the home server) as optional: without it the start picks the oldest server the bot is in', () => {
    const { DISCORD_GUILD_ID: _home, ...withoutHome } = discordEnv;
    expect(problemsOf(withoutHome)).toEqual([]);
    expect(loadConfig(withoutHome).discord).toMatchObject({ kind: 'remote', guildId: '' });
  });

  it('refuses production without a session secret or a bot token, naming both', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.some((p) => p.startsWith('SESSION_SECRET'))).toBe(true);
    expect(problems.some((p) => p.startsWith('DISCORD_BOT_TOKEN'))).toBe(true);
  });

  it('says which variable is malformed and how', () => {
    expect(problemsOf({ PORT: 'eighty' })[0]).toMatch(/^PORT:/);
    expect(problemsOf({ SESSION_SECRET: 'short' })).toEqual([
      'SESSION_SECRET: SESSION_SECRET must be at least 32 characters (try: openssl rand -base64 48)',
    ]);
    expect(problemsOf({ ...discordEnv, DISCORD_GUILD_ID: 'my-guild' })[0]).toMatch(/DISCORD_GUILD_ID must be a Discord id/);
    expect(problemsOf({ PUBLIC_URL: 'rooms.example.com' })[0]).toMatch(/^PUBLIC_URL: PUBLIC_URL must be an absolute URL/);
  });

  it('treats empty values (as left by .env.example) as unset', () => {
    const config = loadConfig({ DISCORD_BOT_TOKEN: '', SESSION_SECRET: '', REDIS_URL: '', PUBLIC_URL: '' });
    expect(config.discord.kind).toBe('embedded-emulator');
    expect(config.redisUrl).toBeUndefined();
  });

  it('allows the public origin plus any configured extra WebSocket origins', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://rooms.example.com/', WS_ALLOWED_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.http.allowedOrigins).toEqual(['https://rooms.example.com', 'https://a.example', 'https://b.example']);
  });

  it("paces bot REST at Discord's 50 requests/s and listens with a 4096 backlog unless told otherwise", () => {
    const defaults = loadConfig({});
    expect(defaults.discordRestGlobalRps).toBe(50);
    expect(defaults.http.listenBacklog).toBe(4096);
    const tuned = loadConfig({ DISCORD_REST_GLOBAL_RPS: '5000', HTTP_LISTEN_BACKLOG: '1024' });
    expect(tuned.discordRestGlobalRps).toBe(5000);
    expect(tuned.http.listenBacklog).toBe(1024);
    expect(problemsOf({ DISCORD_REST_GLOBAL_RPS: '0' })[0]).toMatch(/^DISCORD_REST_GLOBAL_RPS: /);
    expect(problemsOf({ HTTP_LISTEN_BACKLOG: 'lots' })[0]).toMatch(/^HTTP_LISTEN_BACKLOG: /);
  });

  it('bounds heap growth to 50 % by default; V8_HEAP_GROWING_PERCENT=0 leaves it to V8', () => {
    expect(loadConfig({}).http.heapGrowingPercent).toBe(50);
    expect(loadConfig({ V8_HEAP_GROWING_PERCENT: '0' }).http.heapGrowingPercent).toBe(0);
    expect(problemsOf({ V8_HEAP_GROWING_PERCENT: '-5' })[0]).toMatch(/^V8_HEAP_GROWING_PERCENT: /);
  });
});

/** DISCORD_MAX_* and DISCORD_CAPACITY_RESERVE_*: Discord's limits the rooms are planned within. */


describe('Discord limits in the configuration', () => {
  it("defaults to Discord's numbers and a reserve of 5 channels and 5 roles", () => {
    expect(loadConfig({}).discordLimits).toEqual({ channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250, reserveChannels: 5, reserveRoles: 5 });
  });

  it('takes lower limits and other reserves (a test guild, an emulator with lowered limits)', () => {
    const config = loadConfig({
      DISCORD_MAX_CHANNELS_PER_CATEGORY: '5',
      DISCORD_MAX_GUILD_CHANNELS: '30',
      DISCORD_MAX_GUILD_ROLES: '20',
      DISCORD_CAPACITY_RESERVE_CHANNELS: '0',
      DISCORD_CAPACITY_RESERVE_ROLES: '19',
    });
    expect(config.discordLimits).toEqual({ channelsPerCategory: 5, channelsPerGuild: 30, rolesPerGuild: 20, reserveChannels: 0, reserveRoles: 19 });
    // Exactly Discord's numbers are fine.
    expect(loadConfig({ DISCORD_MAX_CHANNELS_PER_CATEGORY: '50', DISCORD_MAX_GUILD_CHANNELS: '500', DISCORD_MAX_GUILD_ROLES: '250' }).discordLimits.rolesPerGuild).toBe(250);
  });

  it("refuses more than Discord allows, zero, negatives and non-numbers, naming the variable", () => {
    expect(problemsOf({ DISCORD_MAX_CHANNELS_PER_CATEGORY: '51' })).toEqual(["DISCORD_MAX_CHANNELS_PER_CATEGORY: DISCORD_MAX_CHANNELS_PER_CATEGORY cannot exceed Discord's limit of 50"]);
    expect(problemsOf({ DISCORD_MAX_GUILD_CHANNELS: '501' })[0]).toMatch(/^DISCORD_MAX_GUILD_CHANNELS: .*500/);
    expect(problemsOf({ DISCORD_MAX_GUILD_ROLES: '251' })[0]).toMatch(/^DISCORD_MAX_GUILD_ROLES: .*250/);
    for (const bad of ['0', '-1', '2.5', 'fifty']) expect(problemsOf({ DISCORD_MAX_CHANNELS_PER_CATEGORY: bad })[0]).toMatch(/^DISCORD_MAX_CHANNELS_PER_CATEGORY: /);
    expect(problemsOf({ DISCORD_CAPACITY_RESERVE_ROLES: '-1' })[0]).toMatch(/^DISCORD_CAPACITY_RESERVE_ROLES: /);
  });

  it('refuses a reserve that leaves not even one room', () => {
    expect(problemsOf({ DISCORD_MAX_GUILD_ROLES: '20', DISCORD_CAPACITY_RESERVE_ROLES: '19' })).toEqual([]);
    expect(problemsOf({ DISCORD_MAX_GUILD_ROLES: '20', DISCORD_CAPACITY_RESERVE_ROLES: '20' })[0]).toMatch(/^DISCORD_CAPACITY_RESERVE_ROLES: 20 leaves no room/);
    // A room may need its category too: two channels.
    expect(problemsOf({ DISCORD_MAX_GUILD_CHANNELS: '30', DISCORD_CAPACITY_RESERVE_CHANNELS: '28' })).toEqual([]);
    expect(problemsOf({ DISCORD_MAX_GUILD_CHANNELS: '30', DISCORD_CAPACITY_RESERVE_CHANNELS: '29' })[0]).toMatch(/^DISCORD_CAPACITY_RESERVE_CHANNELS: 29 leaves no room/);
  });

  it('DISCORD_RESOURCE_LIMITS=off plans without limits, only against an emulator', () => {
    const remote = { DISCORD_BOT_TOKEN: 't', DISCORD_CLIENT_ID: '123456789012345678', DISCORD_CLIENT_SECRET: 's', DISCORD_GUILD_ID: '223456789012345678' };
    const emulator = loadConfig({ ...remote, DISCORD_API_URL: 'http://127.0.0.1:4100/api', DISCORD_RESOURCE_LIMITS: 'off' });
    expect(emulator.discordLimits).toMatchObject({ channelsPerCategory: 1e9, channelsPerGuild: 1e9, rolesPerGuild: 1e9, reserveChannels: 5 });
    expect(loadConfig({ DISCORD_RESOURCE_LIMITS: 'off' }).discordLimits.rolesPerGuild).toBe(1e9);
    expect(problemsOf({ ...remote, DISCORD_RESOURCE_LIMITS: 'off' })).toEqual(['DISCORD_RESOURCE_LIMITS: off is for an emulator with its limits off; discord.com enforces its limits whatever we plan.']);
    expect(problemsOf({ DISCORD_RESOURCE_LIMITS: 'none' })).toEqual(['DISCORD_RESOURCE_LIMITS: DISCORD_RESOURCE_LIMITS must be discord or off']);
    expect(loadConfig({ DISCORD_RESOURCE_LIMITS: 'discord' }).discordLimits.rolesPerGuild).toBe(250);
  });
});

describe('DISCORD_SHARD_COUNT', () => {
  it('is auto by default; a whole number from 1 to 4096 is kept; anything else is refused', () => {
    expect(loadConfig({}).discordShardCount).toBe('auto');
    expect(loadConfig({ DISCORD_SHARD_COUNT: 'auto' }).discordShardCount).toBe('auto');
    expect(loadConfig({ DISCORD_SHARD_COUNT: '1' }).discordShardCount).toBe(1);
    expect(loadConfig({ DISCORD_SHARD_COUNT: '4096' }).discordShardCount).toBe(4096);
    for (const bad of ['0', '4097', '2.5', 'AUTO', 'four']) {
      expect(problemsOf({ DISCORD_SHARD_COUNT: bad }), bad).toEqual(['DISCORD_SHARD_COUNT: DISCORD_SHARD_COUNT must be auto or a whole number from 1 to 4096']);
    }
  });
});
