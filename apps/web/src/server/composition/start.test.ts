import { hostname } from 'node:os';
import { startEmulator } from '@repo/discord-emulator';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisTestSpace, TEST_REDIS_URL, redisAvailable } from '../../../test/cluster/redis.ts';
import { loadConfig } from '../config.ts';
import type { Health } from '../health.ts';
import { type Services, startServices } from './start.ts';

const available = await redisAvailable();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Health as a load balancer would poll it, until `done` or the deadline (the Gateway connects over the network). */
async function healthUntil(services: Services, done: (body: Health) => boolean, timeoutMs = 20_000): Promise<{ ok: boolean; body: Health }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await services.health();
    if (done(answer.body) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** This process's Redis connections (instance ids are `<host>-<pid>-<random>`), by CLIENT LIST. */
async function ourRedisClients(): Promise<string[]> {
  const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    const list = (await admin.client('LIST')) as string;
    const prefix = `name=sr-${hostname()}-${process.pid}-`;
    return list.split('\n').filter((line) => line.includes(prefix));
  } finally {
    admin.disconnect();
  }
}

/** The composition root's steps, end to end: the services a door gets, and what shutdown leaves. */
describe('startServices', () => {
  it('starts on the embedded emulator, is ready once the rooms are read back and the Gateway is connected, and stops what it started', async () => {
    const config = loadConfig({ NODE_ENV: 'test', EMULATOR_PORT: '0', LOG_LEVEL: 'silent' });
    const services = await startServices({ config });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await services.shutdown();
    });

    expect(services.discord.kind).toBe('embedded-emulator');
    const { ok, body } = await healthUntil(services, (b) => b.roomsRestored && b.gateway.state === 'CONNECTED');
    expect(ok).toBe(true);
    expect(body).toMatchObject({ status: 'ok', roomsRestored: true, rooms: 0, gateway: { state: 'CONNECTED', holder: true } });
    expect(body.redis).toBeUndefined();
    expect(body.emulatorUrl).toBe(services.discord.emulatorUrl);

    const emulatorUrl = services.discord.emulatorUrl!;
    expect((await fetch(`${emulatorUrl}/_emulator/`)).ok).toBe(true);
    await services.shutdown();
    stopped = true;
    // Step 2 started the emulator: shutdown stops it.
    await expect(fetch(`${emulatorUrl}/_emulator/`)).rejects.toThrow();
  });

  describe.runIf(available)('with REDIS_URL (real Redis)', () => {
    it('takes the Gateway lease, answers with Redis in health, and closes its Redis connections at shutdown', async () => {
      const space = new RedisTestSpace(undefined, 'embedded');
      cleanups.push(() => space.cleanup());
      const config = loadConfig({ NODE_ENV: 'test', EMULATOR_PORT: '0', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: space.prefix });
      const services = await startServices({ config });
      let stopped = false;
      cleanups.push(async () => {
        if (!stopped) await services.shutdown();
      });

      const { ok, body } = await healthUntil(services, (b) => b.roomsRestored && b.gateway.state === 'CONNECTED');
      expect(ok).toBe(true);
      expect(body).toMatchObject({ status: 'ok', redis: 'ok', gateway: { state: 'CONNECTED', holder: true } });
      // Commands and subscriber.
      expect((await ourRedisClients()).filter((line) => line.includes(services.instanceId))).toHaveLength(2);

      await services.shutdown();
      stopped = true;
      expect(await ourRedisClients()).toEqual([]);
    });

    it('closes both Redis connections when the event bus cannot start on them (Redis refuses its baseline read)', async () => {
      const space = new RedisTestSpace(undefined, 'embedded');
      cleanups.push(() => space.cleanup());
      // The bus epoch is a string; a list under its name makes Redis answer WRONGTYPE after both connections are open.
      const admin = await space.connect('poison');
      await admin.rpush(space.keys.busEpoch, 'not-an-epoch');
      const config = loadConfig({ NODE_ENV: 'test', EMULATOR_PORT: '0', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: space.prefix });
      await expect(startServices({ config })).rejects.toThrow(/WRONGTYPE/);
      expect(await ourRedisClients()).toEqual([]);
    });

    it('stops what the earlier steps started when a later step fails: Discord refusing the bot closes Redis again', async () => {
      const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
      cleanups.push(() => emulator.close());
      const space = new RedisTestSpace(undefined, emulator.guildId);
      cleanups.push(() => space.cleanup());
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: space.prefix,
        DISCORD_API_URL: emulator.apiUrl,
        // Not the emulator's bot token: step 2 asks Discord who the bot is, and Discord answers 401.
        DISCORD_BOT_TOKEN: `${emulator.botToken}-revoked`,
        DISCORD_CLIENT_ID: emulator.clientId,
        DISCORD_CLIENT_SECRET: emulator.clientSecret,
        DISCORD_GUILD_ID: emulator.guildId,
      });
      await expect(startServices({ config })).rejects.toMatchObject({ status: 401 });
      // Step 1 had opened two connections; the failed start closed them.
      expect(await ourRedisClients()).toEqual([]);
    });
  });
});
