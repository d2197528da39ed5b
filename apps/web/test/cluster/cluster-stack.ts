import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { Redis } from 'ioredis';
import { assertWebBuildFresh } from '../build-freshness.ts';
import { redisMajorVersion } from '../../src/server/redis/redis-client.ts';
import { RedisKeys } from '../../src/server/redis/redis-keys.ts';
import type { WireMessage } from '../../src/server/realtime/redis-ordered-channel.ts';
import { deleteKeys, TEST_REDIS_URL, testPrefix } from './redis.ts';

const appDir = fileURLToPath(new URL('../..', import.meta.url));

export interface InstanceHealth {
  status: string;
  instanceId: string;
  gateway: { state: string; holder: boolean; sessionId?: string; seq: number | null };
  redis?: string;
}

/** One production instance (`dist/prod.mjs`, what `pnpm start` runs), as its own process. */
export class ClusterInstance {
  #output = '';
  lastHealthError = '';
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.#output;
  }

  /** JSON log lines whose message matches. */
  logLines(match: RegExp): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of this.#output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (typeof parsed.msg === 'string' && match.test(parsed.msg)) lines.push(parsed);
      } catch {
        // not a log line
      }
    }
    return lines;
  }

  async health(): Promise<InstanceHealth | null> {
    try {
      const res = await fetch(`${this.baseUrl}/api/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as InstanceHealth;
      if (!body.gateway) {
        this.lastHealthError = JSON.stringify(body);
        return null;
      }
      return body;
    } catch {
      return null;
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGCONT'); // a paused process cannot handle SIGTERM
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface ClusterOptions {
  instances?: number;
  emulator?: EmulatorOptions;
  env?: Record<string, string>;
}

/**
 * N production instances + one emulator + the test Redis, each instance a real process: what an
 * operator runs, shrunk. Every run has its own key prefix, deleted on close.
 */
export class Cluster {
  readonly instances: ClusterInstance[] = [];
  readonly prefix = testPrefix('cluster');
  readonly sessionSecret = randomBytes(32).toString('base64url');
  #count = 0;

  private constructor(
    readonly emulator: EmulatorHandle,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    await assertWebBuildFresh();
    const emulator = await startEmulator({ port: 0, rateLimits: 'off', ...options.emulator });
    const cluster = new Cluster(emulator, options.env ?? {});
    try {
      await Promise.all(Array.from({ length: options.instances ?? 2 }, () => cluster.add()));
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  get keys(): RedisKeys {
    return new RedisKeys(this.prefix, this.emulator.guildId);
  }

  /** Starts one more instance and waits until it answers /api/health. */
  async add(env: Record<string, string> = {}): Promise<ClusterInstance> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const name = `i${++this.#count}`;
    const child = spawn(process.execPath, ['dist/prod.mjs'], {
      cwd: appDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: baseUrl,
        LOG_LEVEL: process.env.CLUSTER_LOG_LEVEL ?? 'info',
        LOG_FORMAT: 'json',
        SESSION_SECRET: this.sessionSecret,
        DISCORD_API_URL: this.emulator.apiUrl,
        DISCORD_BOT_TOKEN: this.emulator.botToken,
        DISCORD_CLIENT_ID: this.emulator.clientId,
        DISCORD_CLIENT_SECRET: this.emulator.clientSecret,
        DISCORD_GUILD_ID: this.emulator.guildId,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: this.prefix,
        ...this.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new ClusterInstance(name, baseUrl, child);
    this.instances.push(instance);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!instance.alive) throw new Error(`instance ${name} exited before it was ready:\n${instance.output()}`);
      if ((await instance.health()) !== null) return instance;
      if (Date.now() > deadline) throw new Error(`instance ${name} did not answer within 60 s:\n${instance.output()}`);
      await sleep(100);
    }
  }

  /** The instance that says it holds the Gateway lease and is connected, if any. */
  async holder(): Promise<ClusterInstance | undefined> {
    for (const instance of this.instances) {
      if (!instance.alive) continue;
      const health = await instance.health();
      if (health?.gateway.holder && health.gateway.state === 'CONNECTED') return instance;
    }
    return undefined;
  }

  async waitForHolder(timeoutMs = 20_000, except?: ClusterInstance): Promise<ClusterInstance> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const holder = await this.holder();
      if (holder && holder !== except) return holder;
      if (Date.now() > deadline) throw new Error(`no instance holds the Gateway after ${timeoutMs} ms:\n${this.outputs()}`);
      await sleep(50);
    }
  }

  outputs(): string {
    return this.instances.map((i) => `---- ${i.name} (${i.alive ? 'alive' : 'exited'}) ----\n${i.output().slice(-6_000)}`).join('\n');
  }

  async control(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.emulator.controlUrl}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`emulator ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  }

  async emulatorState(): Promise<EmulatorStateView> {
    return (await (await fetch(`${this.emulator.controlUrl}/state`)).json()) as EmulatorStateView;
  }

  /** Every message on the cluster's bus channel from now on, as Redis carries it. */
  async tap(): Promise<{ messages: WireMessage[]; close(): void }> {
    const sub = new Redis(TEST_REDIS_URL);
    const messages: WireMessage[] = [];
    const sharded = (await redisMajorVersion(sub)) >= 7;
    sub.on(sharded ? 'smessage' : 'message', (_channel: string, text: string) => messages.push(JSON.parse(text) as WireMessage));
    if (sharded) await sub.ssubscribe(this.keys.busChannel);
    else await sub.subscribe(this.keys.busChannel);
    return { messages, close: () => sub.disconnect() };
  }

  async redisGet(key: string): Promise<string | null> {
    const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    try {
      return await admin.get(key);
    } finally {
      admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.emulator.close();
    const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    try {
      await deleteKeys(admin, `${this.prefix}*`);
    } finally {
      admin.disconnect();
    }
  }
}

export interface EmulatorStateView {
  guilds: Array<{ id: string; voiceStates: Array<{ user_id: string; channel_id: string | null; self_mute: boolean; self_deaf: boolean }> }>;
  gateway: { identifies: number; resumes: number; connections: number; sessions: Array<{ sessionId: string; seq: number; connected: boolean }> };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
