/**
 * Test support only: a gateway on its own HTTP server (port 0), a clock the test moves, and a raw
 * `ws` client that records every frame, so tests can assert exact opcodes, sequence numbers and
 * close codes without a client library smoothing them over.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateSync, constants as zlibConstants, createInflate } from 'node:zlib';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { WebSocket } from 'ws';
import { EmulatorState, type EmulatorStateOptions } from '../state.ts';
import { createGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server.ts';
import { FakeClock } from '@repo/platform/testing';

export interface Harness {
  state: EmulatorState;
  gateway: GatewayServer;
  clock: FakeClock;
  /** `ws://127.0.0.1:<port>/gateway` without a query. */
  url: string;
  publicUrl: string;
  /** `http://127.0.0.1:<port>/api`, serving only GET /gateway/bot. */
  apiUrl: string;
  token: string;
  guildId: string;
  connect(query?: string): Promise<RawGatewayClient>;
  close(): Promise<void>;
}

export const TEST_HEARTBEAT_MS = 1_000;
export const TEST_RESUME_WINDOW_MS = 10_000;
export const ALL_TEST_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates | GatewayIntentBits.GuildMembers;

export async function startHarness(
  overrides: Partial<GatewayServerOptions> = {},
  stateOptions: EmulatorStateOptions = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const state = new EmulatorState({ ...stateOptions });
  let publicUrl = '';
  // Just enough REST for @discordjs/ws to find the gateway (E-REST's real server does the rest).
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/v10/gateway/bot') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          url: `${publicUrl}/gateway`,
          shards: 1,
          session_start_limit: gateway.sessionStartLimit.snapshot(),
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  publicUrl = `ws://127.0.0.1:${port}`;
  const gateway = createGatewayServer({
    state,
    heartbeatIntervalMs: TEST_HEARTBEAT_MS,
    resumeWindowMs: TEST_RESUME_WINDOW_MS,
    publicUrl,
    now: () => clock.now(),
    tickMs: 5,
    ...overrides,
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/gateway') gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const url = `${publicUrl}/gateway`;
  const clients: RawGatewayClient[] = [];
  return {
    state,
    gateway,
    clock,
    url,
    publicUrl,
    apiUrl: `http://127.0.0.1:${port}/api`,
    token: state.credentials.botToken,
    guildId: state.defaultGuildId,
    async connect(query = '?v=10&encoding=json') {
      const client = await RawGatewayClient.connect(`${url}${query}`, query.includes('zlib-stream'));
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.terminate();
      await gateway.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Frame {
  op: number;
  d: any;
  s: number | null;
  t: string | null;
}

/** A bare gateway client: no heartbeating, no reconnecting; every frame is kept in arrival order. */
export class RawGatewayClient {
  readonly ws: WebSocket;
  readonly #frames: Frame[] = [];
  #waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Raw binary messages, for checking the zlib-stream framing. */
  readonly rawMessages: Buffer[] = [];

  private constructor(ws: WebSocket, zlibStream: boolean) {
    this.ws = ws;
    const inflate = zlibStream ? createInflate({ flush: zlibConstants.Z_SYNC_FLUSH }) : null;
    let inflated: Buffer[] = [];
    inflate?.on('data', (c: Buffer) => inflated.push(c));
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return this.#push(JSON.parse(data.toString('utf8')) as Frame);
      this.rawMessages.push(data);
      if (!inflate) return this.#push(JSON.parse(inflateSync(data).toString('utf8')) as Frame);
      inflate.write(data, () => {
        const text = Buffer.concat(inflated).toString('utf8');
        inflated = [];
        this.#push(JSON.parse(text) as Frame);
      });
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
  }

  static async connect(url: string, zlibStream = false): Promise<RawGatewayClient> {
    const ws = new WebSocket(url);
    const client = new RawGatewayClient(ws, zlibStream);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  #push(frame: Frame): void {
    this.#frames.push(frame);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** The next frame in arrival order. */
  async next(timeoutMs = 2_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a gateway frame');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#frames.shift() as Frame;
  }

  /** Skips frames until one matches. */
  async nextMatching(match: (f: Frame) => boolean, timeoutMs = 2_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (match(frame)) return frame;
    }
  }

  nextDispatch(t: string, timeoutMs?: number): Promise<Frame> {
    return this.nextMatching((f) => f.op === GatewayOpcodes.Dispatch && f.t === t, timeoutMs);
  }

  /** Frames received and not consumed yet. */
  pending(): Frame[] {
    return [...this.#frames];
  }

  send(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  identify(token: string, extra: Record<string, unknown> = {}): void {
    this.send(GatewayOpcodes.Identify, {
      token,
      intents: ALL_TEST_INTENTS,
      properties: { os: 'linux', browser: 'test', device: 'test' },
      ...extra,
    });
  }

  resume(token: string, sessionId: string, seq: number): void {
    this.send(GatewayOpcodes.Resume, { token, session_id: sessionId, seq });
  }

  /** HELLO, IDENTIFY, READY, and every initial GUILD_CREATE; returns READY. */
  async handshake(token: string, extra: Record<string, unknown> = {}, guildCount = 1): Promise<Frame> {
    const hello = await this.next();
    if (hello.op !== GatewayOpcodes.Hello) throw new Error(`expected HELLO, got op ${hello.op}`);
    this.identify(token, extra);
    const ready = await this.nextDispatch('READY');
    for (let i = 0; i < guildCount; i++) await this.nextDispatch('GUILD_CREATE');
    return ready;
  }

  close(code = 4200): void {
    this.ws.close(code);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Polls until `check` is true (for effects that happen on the server's tick). */
export async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
