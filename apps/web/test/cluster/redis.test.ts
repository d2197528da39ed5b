import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@repo/platform/free-port';
import { afterEach, describe, expect, it } from 'vitest';
import { isCi, probeRedis, redisAvailable, TEST_REDIS_URL } from './redis.ts';

const available = await redisAvailable();
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.close();
    await once(server, 'close');
  }
});

/** A TCP server on a free port that is not Redis: it answers every byte with `reply`, or hangs up. */
async function impostor(reply: string | null): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    if (reply === null) socket.destroy();
    else socket.on('data', () => socket.write(reply));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `redis://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('isCi', () => {
  it.each([
    ['true', true],
    ['1', true],
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['TRUE ', false],
  ])('CI=%j → %s', (value, expected) => {
    expect(isCi(value)).toBe(expected);
  });
});

describe('probeRedis when nothing answers', () => {
  it('fails under CI, naming the URL, instead of skipping', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const warnings: string[] = [];
    await expect(probeRedis({ url, ci: true, warn: (m) => warnings.push(m) })).rejects.toThrow(
      new RegExp(`^Redis is not reachable at ${url} \\(.*ECONNREFUSED.*\\): under CI, tests that need Redis fail instead of skipping\\.$`),
    );
    expect(warnings).toEqual([]);
  });

  it('skips with a warning on a developer machine', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const warnings: string[] = [];
    await expect(probeRedis({ url, ci: false, warn: (m) => warnings.push(m) })).resolves.toBe(false);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^Redis is not reachable at ${url} .*: skipping the tests that need it`))]);
  });

  it.each([
    ['hangs up', null],
    ['answers every command with an error (a Redis that wants a password)', '-NOAUTH Authentication required.\r\n'],
    ['never answers', ''],
  ])('fails under CI, within its timeout, when the port is taken by something that %s', async (_, reply) => {
    const url = await impostor(reply);
    const started = Date.now();
    await expect(probeRedis({ url, ci: true, timeoutMs: 1_000, warn: () => undefined })).rejects.toThrow(/under CI, tests that need Redis fail/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe.runIf(available)('probeRedis against the test Redis', () => {
  it('answers true, under CI or not', async () => {
    await expect(probeRedis({ url: TEST_REDIS_URL, ci: true })).resolves.toBe(true);
    await expect(probeRedis({ url: TEST_REDIS_URL, ci: false })).resolves.toBe(true);
  });
});

// Every test file that touches Redis must ask redisAvailable() first: a file that connects on its
// own would skip or hang where the helper fails fast, and the CI guarantee above would not hold.
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const TOUCHES_REDIS = /from 'ioredis'|\bopenRedis\(|\bRedisTestSpace\b|\bTEST_REDIS_URL\b|\bCluster\.start\(|\bclusterPerTest\(|process\.env\.REDIS_URL\b/;
const ASKS_FIRST = /^const \w+ = await redisAvailable\(\);$/m;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return /\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function unguardedRedisTests(files: Array<{ path: string; text: string }>): string[] {
  return files.filter(({ text }) => TOUCHES_REDIS.test(text) && !ASKS_FIRST.test(text)).map(({ path }) => path);
}

describe('Redis test files', () => {
  const files = [...testFiles(join(repoRoot, 'apps')), ...testFiles(join(repoRoot, 'packages'))].map((path) => ({
    path: relative(repoRoot, path),
    text: readFileSync(path, 'utf8'),
  }));

  it('every one asks redisAvailable() before anything else', () => {
    const redisFiles = files.filter(({ text }) => TOUCHES_REDIS.test(text)).map(({ path }) => path);
    // The scan finds the known Redis suites (so an empty or broken scan cannot pass).
    expect(redisFiles).toEqual(
      expect.arrayContaining([
        'apps/web/src/server/rooms/redis-room-store.test.ts',
        'apps/web/src/server/realtime/redis-event-bus.test.ts',
        'apps/web/test/cluster/failover.test.ts',
        'apps/web/test/cluster/redis.test.ts',
      ]),
    );
    expect(unguardedRedisTests(files)).toEqual([]);
  });

  it.each([
    ["import { Redis } from 'ioredis';\nconst r = new Redis();", true],
    ["import { RedisTestSpace } from './redis.ts';\ndescribe.skipIf(!process.env.X)('x', () => {});", true],
    ["const cluster = await Cluster.start();", true],
    ["const { watchers, start } = clusterPerTest();", true],
    ["if (process.env.REDIS_URL) run();", true],
    // config.test.ts: the variable as data, not a connection.
    ["loadConfig({ REDIS_URL: '' });", false],
    ["import { Redis } from 'ioredis';\n// const available = await redisAvailable();", true],
    ["import { Redis } from 'ioredis';\nconst available = await redisAvailable();", false],
    ["import { MemoryRoomStore } from './room-store.ts';\nconst redisLike = 1;", false],
  ])('flags a file that touches Redis without asking first: %j → %s', (text, flagged) => {
    expect(unguardedRedisTests([{ path: 'x.test.ts', text }])).toEqual(flagged ? ['x.test.ts'] : []);
  });
});
