import { describe, expect, it } from 'vitest';
import { parseCliEnv } from './cli-env.ts';

describe('parseCliEnv', () => {
  it('uses defaults when nothing is set', () => {
    expect(parseCliEnv({})).toEqual({ ok: true, options: { port: 4100, host: '127.0.0.1', rateLimits: 'discord', resourceLimits: 'discord' } });
  });

  it('maps every variable', () => {
    const result = parseCliEnv({
      EMULATOR_PORT: '0',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_HEARTBEAT_MS: '5000',
      EMULATOR_RESUME_WINDOW_MS: '1000',
      EMULATOR_TOKEN_TTL_S: '60',
      EMULATOR_USERS: '10000',
      EMULATOR_GUILDS: '3',
      EMULATOR_RECOMMENDED_SHARDS: '2',
      EMULATOR_RATE_LIMITS: 'off',
      EMULATOR_MAX_CHANNELS_PER_CATEGORY: '5',
      EMULATOR_MAX_GUILD_CHANNELS: '20',
      EMULATOR_MAX_GUILD_ROLES: '0',
      EMULATOR_RESOURCE_LIMITS: 'off',
      EMULATOR_SESSION_START_TOTAL: '3',
      EMULATOR_INVALID_REQUEST_LIMIT: '100',
      EMULATOR_IGNORED: 'x',
    });
    expect(result).toEqual({
      ok: true,
      options: {
        port: 0,
        host: '0.0.0.0',
        heartbeatIntervalMs: 5000,
        resumeWindowMs: 1000,
        tokenTtlSeconds: 60,
        extraUsers: 10000,
        guilds: 3,
        recommendedShards: 2,
        rateLimits: 'off',
        resourceLimits: 'off',
        limits: { channelsPerCategory: 5, channelsPerGuild: 20, rolesPerGuild: 0 },
        sessionStartLimit: { total: 3 },
        invalidRequestLimit: { limit: 100 },
      },
    });
  });

  it('sets only the limits that are given', () => {
    const result = parseCliEnv({ EMULATOR_MAX_GUILD_ROLES: '20' });
    expect(result.ok && result.options.limits).toEqual({ rolesPerGuild: 20 });
    expect(result.ok && 'sessionStartLimit' in result.options).toBe(false);
  });

  it('takes 1 to 50,000 guilds and at least 1 recommended shard', () => {
    const guilds = (v: string) => {
      const r = parseCliEnv({ EMULATOR_GUILDS: v });
      return r.ok ? r.options.guilds : r.message;
    };
    expect(guilds('1')).toBe(1);
    expect(guilds('50000')).toBe(50_000);
    expect(guilds('0')).toContain('EMULATOR_GUILDS');
    expect(guilds('50001')).toContain('EMULATOR_GUILDS');
    expect(guilds('2.5')).toContain('EMULATOR_GUILDS');
    const shards = parseCliEnv({ EMULATOR_RECOMMENDED_SHARDS: '0' });
    expect(shards.ok ? shards.options : shards.message).toContain('EMULATOR_RECOMMENDED_SHARDS');
    const one = parseCliEnv({ EMULATOR_RECOMMENDED_SHARDS: '1' });
    expect(one.ok && one.options.recommendedShards).toBe(1);
  });

  it('names the variable and the bad value', () => {
    const result = parseCliEnv({
      EMULATOR_PORT: '70000',
      EMULATOR_RATE_LIMITS: 'sometimes',
      EMULATOR_RESOURCE_LIMITS: 'on',
      EMULATOR_MAX_GUILD_ROLES: '-1',
      EMULATOR_INVALID_REQUEST_LIMIT: '0',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('EMULATOR_PORT');
      expect(result.message).toContain('"70000"');
      expect(result.message).toContain('EMULATOR_RATE_LIMITS');
      expect(result.message).toContain('EMULATOR_RESOURCE_LIMITS');
      expect(result.message).toContain('EMULATOR_MAX_GUILD_ROLES');
      expect(result.message).toContain('"-1"');
      expect(result.message).toContain('EMULATOR_INVALID_REQUEST_LIMIT');
    }
  });
});
