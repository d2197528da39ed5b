import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { openRedis } from '../../src/server/redis/redis-client.ts';
import { RedisKeys } from '../../src/server/redis/redis-keys.ts';

/**
 * Redis for tests: the real server at REDIS_URL (default redis://127.0.0.1:6379), as in CI.
 *
 * When it cannot be reached, tests that need it are skipped on a developer's machine, and FAIL
 * under CI (.ci/run exports CI=true): a missing service must never turn into a green run. Every test
 * file that touches Redis asks `redisAvailable()` first (redis.test.ts checks that it does).
 */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** CI systems set CI=true (GitHub, GitLab, .ci/run) or CI=1; anything else is a developer's machine. */
export function isCi(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

export interface RedisProbeOptions {
  url: string;
  ci: boolean;
  /**
   * Connect + PING. A local Redis answers in well under a millisecond; 2 s bounds a black-holed
   * address, and a server that never gets ready (one that wants a password answers ioredis's ready
   * check with an error, and connect() then never settles).
   */
  timeoutMs?: number;
  warn?: (message: string) => void;
}

/** true when Redis answers PING; false (with a warning) when it does not; throws instead under CI. */
export async function probeRedis({ url, ci, timeoutMs = 2_000, warn = console.warn }: RedisProbeOptions): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // ioredis reports the socket's own error (ECONNREFUSED, NOAUTH) here and rejects with a generic
  // "Connection is closed."; keep the former for the message.
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError ??= error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = redis.connect().then(() => redis.ping());
    answered.catch(() => undefined);
    await Promise.race([
      answered,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to PING within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return true;
  } catch (error) {
    const reason = socketError?.message ?? (error instanceof Error ? error.message : String(error));
    const message = `Redis is not reachable at ${url} (${reason})`;
    if (ci) throw new Error(`${message}: under CI, tests that need Redis fail instead of skipping.`);
    warn(`${message}: skipping the tests that need it (set REDIS_URL, or run redis-server).`);
    return false;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

let probe: Promise<boolean> | undefined;

/** The probe of the test Redis, once per test file. */
export function redisAvailable(): Promise<boolean> {
  probe ??= probeRedis({ url: TEST_REDIS_URL, ci: isCi(process.env.CI) });
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
