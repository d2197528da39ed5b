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
      'DISCORD_GUILD_ID: required when DISCORD_BOT_TOKEN is set.',
    ]);
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
