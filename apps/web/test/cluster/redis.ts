import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { openRedis } from '../../src/server/cluster/redis-client.ts';
import { RedisKeys } from '../../src/server/cluster/redis-keys.ts';

/**
 * Redis for tests: the real server at REDIS_URL (default redis://127.0.0.1:6379), as in CI.
 *
 * When it cannot be reached, tests that need it are skipped on a developer's machine, and FAIL
 * under CI=true: a missing service must never turn into a green run.
 */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

let probe: Promise<boolean> | undefined;

export function redisAvailable(): Promise<boolean> {
  probe ??= (async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return true;
    } catch (error) {
      const message = `Redis is not reachable at ${TEST_REDIS_URL} (${error instanceof Error ? error.message : String(error)})`;
      if (process.env.CI === 'true') throw new Error(`${message}: CI=true, so tests that need Redis fail instead of skipping.`);
      console.warn(`${message}: skipping the tests that need it (set REDIS_URL, or run redis-server).`);
      return false;
    } finally {
      redis.disconnect();
    }
  })();
  return probe;
}

/** A random key prefix per test run (and per call): parallel test files never share a key. */
export function testPrefix(label = 't'): string {
  return `test:${label}:${randomBytes(5).toString('hex')}:`;
}

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Connections and key names under one fresh prefix; `cleanup()` closes them and deletes the keys. */
export class RedisTestSpace {
  readonly connections: Redis[] = [];

  constructor(
    readonly prefix = testPrefix(),
    readonly scope = 'guild',
  ) {}

  get keys(): RedisKeys {
    return new RedisKeys(this.prefix, this.scope);
  }

  async connect(name = 'test'): Promise<Redis> {
    const redis = await openRedis(TEST_REDIS_URL, { name: `sr-test-${name}`, log: silentLog });
    this.connections.push(redis);
    return redis;
  }

  async cleanup(): Promise<void> {
    const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await deleteKeys(admin, `${this.prefix}*`);
    } finally {
      admin.disconnect();
    }
    for (const redis of this.connections.splice(0)) redis.disconnect();
  }
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
