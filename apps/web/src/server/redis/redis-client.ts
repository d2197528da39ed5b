// Redis plumbing, and only that: the client (this file), every key and channel name
// (redis-keys.ts) and the Lua that every writer of the event bus shares (bus-lua.ts). Each Redis
// implementation sits beside the interface it implements (rooms/, auth/, realtime/, …), not here.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export const RedisClientDefaults = {
  /** A start-up that cannot reach Redis fails after this long, with a message naming REDIS_URL. */
  connectTimeoutMs: 5_000,
  /** Reconnect backoff: 100 ms more per attempt, capped (ioredis retries forever). */
  reconnectStepMs: 100,
  reconnectMaxMs: 2_000,
} as const;

export class RedisUnavailableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Redis at ${redactUrl(url)} is not reachable (REDIS_URL): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Opens one ioredis connection and waits until it answers. Each instance uses two: commands (every
 * store, script and lease renewal, on one connection so their order is Redis's order) and the
 * subscriber (a connection in subscribe mode can do nothing else).
 */
export async function openRedis(url: string, options: { name: string; log: Logger; subscriber?: boolean }): Promise<Redis> {
  const { name, log } = options;
  const redisOptions: RedisOptions = {
    connectionName: name,
    lazyConnect: true,
    connectTimeout: RedisClientDefaults.connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * RedisClientDefaults.reconnectStepMs, RedisClientDefaults.reconnectMaxMs),
    // The bus resubscribes itself, then fills the gap from its log before delivering again.
    autoResubscribe: false,
    // Commands issued while reconnecting wait (in order) instead of failing at once; a request
    // that still cannot run after this many reconnects fails with an error the caller reports.
    maxRetriesPerRequest: 20,
  };
  const redis = new Redis(url, redisOptions);
  let wasReady = false;
  let down = false;
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; one line per distinct failure is enough.
    if (error.message === lastError) return;
    lastError = error.message;
    log.warn({ connection: name, err: error.message }, 'Redis connection error');
  });
  redis.on('reconnecting', () => {
    if (!wasReady || down) return;
    down = true;
    log.warn({ connection: name }, 'Redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: name }, 'Redis connection restored');
    wasReady = true;
    down = false;
    lastError = '';
  });
  try {
    await withDeadline(redis.connect(), RedisClientDefaults.connectTimeoutMs + 500);
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(url, error);
  }
  return redis;
}

/** The Redis server's major version (7 brings sharded pub/sub). */
export async function redisMajorVersion(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  const match = /redis_version:(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}

export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await withDeadline(redis.quit(), 1_000);
  } catch {
    redis.disconnect();
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
