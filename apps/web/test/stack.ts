import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { assertWebBuildFresh } from './build-freshness.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));

export interface Stack {
  baseUrl: string;
  emulator: { url: string; apiUrl: string };
  /** Everything the app process printed, for failure messages. */
  output(): string;
  /** Resolves once /api/health answers 200 (startStack waits for it unless told not to). */
  healthy(): Promise<void>;
  /** Signals the app process (not the emulator) and waits until it has exited: `kill -9` by default. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /**
   * production: `pnpm start` on the built app against an emulator started here.
   * development: `vite dev` with no bot token, so the app starts its own embedded emulator.
   */
  mode: 'production' | 'development';
  env?: Record<string, string>;
  /**
   * production: run against this emulator instead of starting one. The caller owns it (close() leaves
   * it running), so the app can be killed and started again on the same Discord.
   */
  emulator?: EmulatorHandle;
  /** Listen here (and keep PUBLIC_URL) instead of on a fresh port: a restarted app at the same address. */
  port?: number;
  /** Return as soon as the process is spawned, without waiting for /api/health (then call healthy()). */
  waitUntilHealthy?: boolean;
}


/** Starts the app as its own process, exactly as a developer or an operator would. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  let emulator: EmulatorHandle | undefined;
  let ownEmulator = false;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
  };

  let command: string[];
  if (options.mode === 'production') {
    await assertWebBuildFresh();
    emulator = options.emulator ?? (await startEmulator({ port: 0 }));
    ownEmulator = options.emulator === undefined;
    Object.assign(env, {
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      DISCORD_API_URL: emulator.apiUrl,
      DISCORD_BOT_TOKEN: emulator.botToken,
      DISCORD_CLIENT_ID: emulator.clientId,
      DISCORD_CLIENT_SECRET: emulator.clientSecret,
      DISCORD_GUILD_ID: emulator.guildId,
    });
    command = [process.execPath, 'dist/prod.mjs'];
  } else {
    Object.assign(env, { NODE_ENV: 'development', EMULATOR_PORT: '0' });
    command = [process.execPath, `${appDir}node_modules/vite/bin/vite.js`, 'dev', '--port', String(port), '--host', '127.0.0.1', '--strictPort'];
  }
  Object.assign(env, options.env);

  const [bin, ...args] = command as [string, ...string[]];
  const child = spawn(bin, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const close = async () => {
    await stopChild(child);
    if (ownEmulator) await emulator?.close();
  };
  const healthy = () => waitForHealth(`${baseUrl}/api/health`, child, () => output);
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };

  if (options.waitUntilHealthy !== false || !emulator) {
    try {
      await healthy();
    } catch (error) {
      await close();
      throw error;
    }
  }

  const emulatorUrl = emulator?.url ?? (await lobbyEmulatorUrl(baseUrl));
  return {
    baseUrl,
    emulator: { url: emulatorUrl, apiUrl: `${emulatorUrl}/api` },
    output: () => output,
    healthy,
    kill,
    close,
  };
}

async function lobbyEmulatorUrl(baseUrl: string): Promise<string> {
  const health = (await (await fetch(`${baseUrl}/api/health`)).json()) as { emulatorUrl?: string };
  if (!health.emulatorUrl) throw new Error('the development server did not report its embedded emulator');
  return health.emulatorUrl;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the app did not become healthy within ${timeoutMs} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
