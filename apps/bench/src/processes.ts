/**
 * The bench's child processes: the app (production build), the bare-`ws` reference server and the
 * client workers. Every child is tracked so that any exit of the bench — normal, error, timeout,
 * Ctrl-C — kills it; nothing outlives a run.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EmulatorHandle } from '@repo/discord-emulator';
import { monoMs, sleep } from './clock.ts';
import { APP_RESERVE } from './options.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
export const webDir = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The Node flags of apps/web's `start` script (`… node <flags> dist/prod.mjs`): they are part of
 * the production configuration (GC settings), so the one place they are written is that script.
 */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${webDir}package.json`, 'utf8')) as { scripts?: { start?: string } };
  const match = /\bnode\s+(.*?)\s*dist\/prod\.mjs\b/.exec(pkg.scripts?.start ?? '');
  if (!match) throw new Error('apps/web/package.json: the start script no longer runs `node … dist/prod.mjs`; update the bench');
  // `${NAME:-default}` as the shell would expand it for the app, which the bench starts without NAME.
  return match[1]!.replace(/\$\{\w+:-([^}]*)\}/g, '$1').split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/**
 * Node flags of the bench's own processes (this one, started so by `pnpm bench`, and the client
 * workers). They share one pinned core, where V8's GC helper threads (parallel scavenge, concurrent
 * marking) cannot run beside the main thread: they only take turns with it and with the other
 * processes on that core, and each turn shows as a receive delay. At 8,000 events/s on 2,000
 * connections (app only, 10 s, three runs each) the app's p99 read 69.2 / 69.8 / 50.4 ms with the
 * helpers and 35.4 / 30.1 / 32.0 ms without them; smaller worker semi-spaces on top did not help
 * (63.7 / 27.0 / 43.4 ms).
 */
export const BENCH_NODE_FLAGS = ['--single-threaded-gc'] as const;

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Last resort on any exit path: no child outlives the bench. */
export function killAllChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// ---- CPU placement ----------------------------------------------------------------------------

/**
 * The numbers were taken with the server on one core and the load client on the other.
 * With taskset and ≥ 2 cores we do the same: the bench (driver, emulator, workers) on CPU 0, the
 * app and the reference server on CPU 1. Returns the CPU for servers, or null when not pinning.
 */
export function pinCpus(enabled: boolean): { bench: string; server: string } | null {
  if (!enabled || cpus().length < 2 || !existsSync('/usr/bin/taskset')) return null;
  const placement = { bench: '0', server: '1' };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', placement.bench, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return placement;
}

/** `command` under taskset when pinning, as is otherwise. */
function placed(cpu: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', cpu, command, ...args]];
}

// ---- the app ----------------------------------------------------------------------------------

export interface AppProcess {
  pid: number;
  baseUrl: string;
  wsUrl: string;
  output(): string;
  stop(): Promise<void>;
  /** kill -9: no goodbye, its leases lapse. */
  kill(): void;
}

export async function startApp(options: {
  emulator: EmulatorHandle;
  port: number;
  cpu?: string;
  cpuProfDir?: string;
  nodeArgs?: string[];
  entry?: string;
  logFile?: string;
  logLevel: string;
  /** 'off' with an emulator whose limits are lifted: the app then plans rooms without Discord's caps too. */
  resourceLimits: 'discord' | 'off';
  /** The Node binary (default: the bench's own). */
  nodeBin?: string;
  /** Shared by every instance of a cluster (sessions are cookies sealed with it); default: a fresh one. */
  sessionSecret?: string;
  /** More environment (REDIS_URL, DISCORD_SHARD_COUNT, …); wins over the defaults. */
  env?: Record<string, string>;
}): Promise<AppProcess> {
  if (!existsSync(`${webDir}dist/server/server.js`) || !existsSync(`${webDir}dist/prod.mjs`)) {
    throw new Error('apps/web is not built: run `pnpm build` first (the bench measures the production build).');
  }
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const emu = options.emulator;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    NODE_ENV: 'production',
    PORT: String(options.port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    SESSION_SECRET: options.sessionSecret ?? randomBytes(32).toString('base64url'),
    DISCORD_API_URL: emu.apiUrl,
    DISCORD_BOT_TOKEN: emu.botToken,
    DISCORD_CLIENT_ID: emu.clientId,
    DISCORD_CLIENT_SECRET: emu.clientSecret,
    DISCORD_GUILD_ID: emu.guildId,
    LOG_LEVEL: options.logLevel,
    LOG_FORMAT: 'json',
    // The emulator runs with rate limits off; at Discord's 50/s global limit the app's bot REST
    // calls would make setup take ~N/20 s.
    DISCORD_REST_GLOBAL_RPS: '5000',
    // The app refuses rooms a real guild could not hold before asking Discord; the bench's
    // --emulator-limits off lifts that too, or the emulator's lifted limits would never be reached.
    DISCORD_RESOURCE_LIMITS: options.resourceLimits,
    // What the app keeps free per guild: the bench's capacity check (options.ts) counts with these.
    DISCORD_CAPACITY_RESERVE_CHANNELS: String(APP_RESERVE.channels),
    DISCORD_CAPACITY_RESERVE_ROLES: String(APP_RESERVE.roles),
    ...options.env,
  };
  const entry = options.entry ?? 'dist/prod.mjs';
  // The production flags too: the bench measures what `pnpm start` runs.
  const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx'] : [...startScriptNodeFlags()];
  if (options.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  nodeArgs.push(...(options.nodeArgs ?? []));
  const [bin, args] = placed(options.cpu, options.nodeBin ?? process.execPath, [...nodeArgs, entry]);
  const child = track(spawn(bin, args, { cwd: webDir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (options.logFile) {
    const file = createWriteStream(options.logFile);
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} before it was ready:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the app did not become healthy in 120 s:\n${output}`);
    await sleep(200);
  }
  return {
    pid: child.pid!,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${options.port}/api/ws`,
    output: () => output,
    stop: () => stopChild(child, 30_000),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}

// ---- the reference server ---------------------------------------------------------------------

export interface ReferenceProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export async function startReference(cpu?: string, nodeBin = process.execPath): Promise<ReferenceProcess> {
  return startServerScript('src/reference-server.ts', 'the reference server', cpu, nodeBin, {});
}

/**
 * A same-job reference (src/floor-server.ts or src/peer-server.ts): it connects to `emulator`'s
 * Gateway as the bot and is ready once it holds the guild's voice states.
 */
export async function startGatewayReference(kind: 'floor' | 'peer', emulator: EmulatorHandle, cpu?: string, nodeBin = process.execPath): Promise<ReferenceProcess> {
  const env = { DISCORD_API_URL: emulator.apiUrl, DISCORD_BOT_TOKEN: emulator.botToken, DISCORD_GUILD_ID: emulator.guildId };
  return startServerScript(`src/${kind}-server.ts`, `the ${kind} reference`, cpu, nodeBin, env);
}

async function startServerScript(script: string, name: string, cpu: string | undefined, nodeBin: string, extraEnv: Record<string, string>): Promise<ReferenceProcess> {
  // The same runtime settings as the app (the start script's GC flags): same core, same Node, same flags.
  const [bin, args] = placed(cpu, nodeBin, [...startScriptNodeFlags(), '--import', 'tsx', script]);
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NODE_ENV: 'production', ...extraEnv };
  const child = track(spawn(bin, args, { cwd: benchDir, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.on('message', (m: { type: string; port: number }) => {
      if (m.type !== 'listening') return;
      clearTimeout(timer);
      resolve(m.port);
    });
  });
  return { pid: child.pid!, url: `ws://127.0.0.1:${port}`, stop: () => stopChild(child, 5_000) };
}

// ---- client workers ---------------------------------------------------------------------------

export class Worker {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, Array<(m: FromWorker) => void>>();
  readonly #listeners = new Set<(m: FromWorker) => void>();

  constructor(index: number) {
    this.#child = track(
      fork(`${benchDir}src/client-worker.ts`, [], {
        cwd: benchDir,
        execArgv: [...BENCH_NODE_FLAGS, '--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    this.#child.on('message', (m: FromWorker) => {
      if (m.type === 'log') console.error(`[worker ${index}] ${m.message}`);
      for (const l of this.#listeners) l(m);
      const queue = this.#waiting.get(m.type);
      const next = queue?.shift();
      next?.(m);
    });
    this.#child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`[worker ${index}] exited with ${code}`);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  send(message: ToWorker): void {
    this.#child.send(message);
  }

  /** Sends `message` and waits for the worker's next message of type `reply`. */
  request<T extends FromWorker['type']>(message: ToWorker, reply: T, timeoutMs = 600_000): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker: no "${reply}" within ${timeoutMs} ms`)), timeoutMs);
      const queue = this.#waiting.get(reply) ?? [];
      queue.push((m) => {
        clearTimeout(timer);
        resolve(m as Extract<FromWorker, { type: T }>);
      });
      this.#waiting.set(reply, queue);
      this.send(message);
    });
  }

  on(listener: (m: FromWorker) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): Promise<void> {
    if (this.#child.connected) this.#child.send({ type: 'exit' } satisfies ToWorker);
    return stopChild(this.#child, 10_000, false);
  }
}

// ---- helpers ----------------------------------------------------------------------------------

async function stopChild(child: ChildProcess, graceMs: number, signal = true): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (signal) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The resident set once it stops falling: at least `minMs`, then until it has moved by less than 2 %
 * for 10 s (at most `maxMs`). Node 24's V8 hands freed heap pages back to the system seconds after a
 * burst (setup, a connect storm): 5 s after one the app held ~250 MB, ~10 s later ~147 MB with nothing
 * running; Node 20 had returned them by 5 s. A fixed wait read the two Node versions at different points.
 */
export async function settledRssBytes(pid: number, minMs = 5_000, maxMs = 45_000): Promise<number> {
  const start = monoMs();
  await sleep(minMs);
  let anchor = rssBytes(pid);
  let anchorAt = monoMs();
  for (;;) {
    await sleep(1_000);
    const now = rssBytes(pid);
    if (!Number.isFinite(now)) return now;
    if (Math.abs(now - anchor) > anchor * 0.02) {
      anchor = now;
      anchorAt = monoMs();
    } else if (monoMs() - anchorAt >= 10_000) return now;
    if (monoMs() - start >= maxMs) return now;
  }
}

/** Resident set size of a process in bytes (VmRSS from /proc), or NaN where /proc is missing. */
export function rssBytes(pid: number): number {
  return procStatusKb(pid, 'VmRSS') * 1024;
}

/** One `kB` field of /proc/<pid>/status (VmRSS, RssAnon, RssFile, VmData…), or NaN where it is missing. */
export function procStatusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

