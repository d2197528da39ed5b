/**
 * `pnpm dev:cluster`: the scale-out topology on one machine, for a newcomer to try. One Discord
 * emulator, N production instances of the app (each its own process, REDIS_URL set), and a tiny
 * round-robin proxy on one port in front of them; Redis must be running (REDIS_URL, default
 * redis://127.0.0.1:6379). Builds the app first if it has not been built.
 *
 *   CLUSTER_PORT=3000  CLUSTER_INSTANCES=2  EMULATOR_PORT=4100  REDIS_URL=redis://127.0.0.1:6379
 *
 * Try: open the proxy URL in two browsers, make a room, join voice from the emulator's panel; then
 * `kill -9` the instance that holds the Gateway (printed below, and in /api/health) and watch the
 * other take over within ~10 s with nothing lost. See specs/scale-out.md.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { Redis } from 'ioredis';
import { startRoundRobinProxy } from './round-robin-proxy.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const proxyPort = Number(process.env.CLUSTER_PORT ?? 3000);
const instanceCount = Number(process.env.CLUSTER_INSTANCES ?? 2);
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 4100);
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const publicUrl = `http://localhost:${proxyPort}`;

function say(line: string): void {
  console.log(`[dev:cluster] ${line}`);
}


async function checkRedis(): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    console.error(`[dev:cluster] Redis is not reachable at ${redisUrl} (${error instanceof Error ? error.message : String(error)}).`);
    console.error('[dev:cluster] Start one (e.g. `redis-server` or `docker run -p 6379:6379 redis:7`) or set REDIS_URL.');
    process.exit(1);
  } finally {
    redis.disconnect();
  }
}

await checkRedis();

if (!existsSync(`${appDir}dist/server/server.js`) || !existsSync(`${appDir}dist/prod.mjs`)) {
  say('building the app first (vite build)…');
  const built = spawnSync(process.execPath, [`${appDir}node_modules/vite/bin/vite.js`, 'build'], { cwd: appDir, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const emulator = await startEmulator({ port: emulatorPort, host: '127.0.0.1' });
const sessionSecret = randomBytes(32).toString('base64url');
// The emulator starts empty each run: so do this run's Redis keys (deleted again on Ctrl-C).
const keyPrefix = `dev-cluster-${randomBytes(3).toString('hex')}:`;
const instances: Array<{ name: string; port: number; child: ChildProcess }> = [];

for (let i = 1; i <= instanceCount; i++) {
  const port = await freePort();
  const name = `i${i}`;
  const child = spawn(process.execPath, ['dist/prod.mjs'], {
    cwd: appDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      SESSION_SECRET: sessionSecret,
      DISCORD_API_URL: emulator.apiUrl,
      DISCORD_BOT_TOKEN: emulator.botToken,
      DISCORD_CLIENT_ID: emulator.clientId,
      DISCORD_CLIENT_SECRET: emulator.clientSecret,
      DISCORD_GUILD_ID: emulator.guildId,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => say(`${name} (pid ${child.pid}) exited (${signal ?? code}); the others carry on`));
  instances.push({ name, port, child });
}

const proxy = await startRoundRobinProxy({
  port: proxyPort,
  // As \`pnpm dev\` does: this machine only.
  host: 'localhost',
  targets: () => instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null).map((i) => ({ host: '127.0.0.1', port: i.port })),
});

// Wait until every instance answers, then tell the newcomer what they are looking at.
for (const instance of instances) {
  for (let tries = 0; tries < 600; tries++) {
    try {
      const res = await fetch(`http://127.0.0.1:${instance.port}/api/health`);
      const health = (await res.json()) as { gateway?: { holder: boolean } };
      if (health.gateway) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
say(`open ${publicUrl} (a round-robin proxy over ${instanceCount} instances; Redis ${redisUrl})`);
say(`Discord emulator panel: ${emulator.url}/_emulator/`);
for (const instance of instances) {
  const health = (await (await fetch(`http://127.0.0.1:${instance.port}/api/health`)).json()) as { gateway: { holder: boolean; state: string } };
  say(`${instance.name}: http://127.0.0.1:${instance.port} pid ${instance.child.pid} ${health.gateway.holder ? `holds the Gateway (${health.gateway.state})` : 'standby'}`);
}
say('try a failover: kill -9 <pid of the holder>; Ctrl-C stops everything');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping');
  for (const instance of instances) instance.child.kill('SIGTERM');
  await Promise.all(instances.map((i) => (i.child.exitCode === null && i.child.signalCode === null ? new Promise((r) => i.child.once('exit', r)) : undefined)));
  await proxy.close();
  await emulator.close();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
