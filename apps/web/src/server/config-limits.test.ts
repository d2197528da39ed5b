import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

/** DISCORD_MAX_* and DISCORD_CAPACITY_RESERVE_*: Discord's limits the rooms are planned within. */

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

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
