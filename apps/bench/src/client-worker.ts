/**
 * A client worker: a share of the bench's simulated browsers, each signed in for real through the
 * emulator's OAuth2, in a room, holding one WebSocket to the app (and one to the bare-`ws`
 * reference). It timestamps every frame on arrival (monotonic clock shared with the driver) and
 * hands the records over on `collect`. Runs as a child process; see worker-protocol.ts.
 */
import { WebSocket } from 'ws';
import { pool, post, setupClients } from './client-setup.ts';
import { monoMs, sleep } from './clock.ts';
import { takeGc, watchGc } from './gc-watch.ts';
import { SampleBuffer } from './stats.ts';
import { type ClientSpec, type CollectReport, type ConnectReport, type FromWorker, type Target, TARGETS, type ToWorker } from './worker-protocol.ts';

interface Waiter {
  kind: 'auth' | 'snapshot';
  resolve(): void;
  reject(error: Error): void;
}

interface Conn {
  readonly target: Target;
  readonly client: Client;
  readonly ws: WebSocket;
  /** Last room sequence seen (snapshot or event); -1 before the snapshot. */
  lastSeq: number;
  waiter: Waiter | null;
  /** We closed it (disconnect): not a failure. */
  closing: boolean;
  closed: boolean;
}

interface Client {
  readonly spec: ClientSpec;
  cookie: string | null;
  roomId: string | null;
  app: Conn | null;
  ref: Conn | null;
  floor: Conn | null;
  peer: Conn | null;
}

const STEP_TIMEOUT_MS = 30_000;
/** Every room event frame the app (and the reference) sends starts like this; `seq` ends the payload. */
const VOICE_PREFIX = Buffer.from('{"v":1,"type":"event","event":"voice.');
const LOBBY_PREFIX = Buffer.from('{"v":1,"type":"event","event":"lobby.rooms"');
const SEQ_KEY = Buffer.from('"seq":');

let baseUrl = '';
let clients: Client[] = [];
const byIndex = new Map<number, Client>();
const records: Record<Target | 'lobby' | 'resync', SampleBuffer> = { app: new SampleBuffer(), ref: new SampleBuffer(), floor: new SampleBuffer(), peer: new SampleBuffer(), lobby: new SampleBuffer(), resync: new SampleBuffer() };
/** App connections spread over several instances (client i → urls[i mod n]), reconnecting on a drop. */
let spread: { urls: string[]; reconnect: boolean } | null = null;
const outOfOrder: Record<Target, number> = { app: 0, ref: 0, floor: 0, peer: 0 };
let closes: Record<string, number> = {};

function send(message: FromWorker): void {
  process.send?.(message);
}

process.on('message', (message: ToWorker) => {
  handle(message).catch((error: unknown) => send({ type: 'log', message: `worker failed on ${message.type}: ${String(error)}` }));
});
process.on('disconnect', () => process.exit(0));
watchGc();

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      baseUrl = message.baseUrl;
      clients = message.clients.map((spec) => ({ spec, cookie: null, roomId: null, app: null, ref: null, floor: null, peer: null }));
      for (const c of clients) byIndex.set(c.spec.index, c);
      concurrency = message.concurrency;
      send({ type: 'ready' });
      return;
    case 'setup':
      send(await setupClients(clients, baseUrl, concurrency));
      return;
    case 'connect':
      spread = message.urls?.length ? { urls: message.urls, reconnect: message.reconnect ?? false } : null;
      send(await connectAll(message.target, message.url, message.subscribe, message.concurrency, message.rooms));
      return;
    case 'disconnect':
      await disconnectAll(message.target);
      send({ type: 'disconnected', target: message.target });
      return;
    case 'mark': {
      const seqs: Array<[number, number, number]> = [];
      for (const c of clients) {
        const conn = c[message.target];
        if (conn && !conn.closed) seqs.push([c.spec.index, c.spec.group, conn.lastSeq]);
      }
      send({ type: 'marked', target: message.target, seqs });
      return;
    }
    case 'collect':
      send(collect());
      return;
    case 'pause': {
      const conn = byIndex.get(message.client)?.app;
      // Stops reading: the server's send buffer to this socket fills up (R-RT6's slow consumer).
      if (conn) {
        conn.closing = true;
        conn.ws.pause();
      }
      return;
    }
    case 'redeem': {
      const client = byIndex.get(message.client);
      const startedAt = monoMs();
      let status = 0;
      try {
        const res = await post(baseUrl, client!, '/api/invites/redeem', { token: message.token });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = -1;
      }
      send({ type: 'redeemed', id: message.id, startedAt, finishedAt: monoMs(), status });
      return;
    }
    case 'exit':
      for (const target of TARGETS) await disconnectAll(target);
      process.exit(0);
  }
}

let concurrency = 32;

// ---- connections ------------------------------------------------------------------------------

async function connectAll(target: Target, url: string, subscribe: boolean, limit: number, rooms?: Record<number, string>): Promise<ConnectReport> {
  const ready = clients.filter((c) => c.roomId !== null && c.cookie !== null);
  const tokenMs = new Float64Array(ready.length);
  const authMs = new Float64Array(ready.length);
  const subscribeMs = new Float64Array(ready.length);
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  const startedAt = monoMs();
  let i = 0;
  await pool(ready, limit, async (c) => {
    const slot = i++;
    try {
      const t = target === 'app' ? await connectApp(c, spread ? spread.urls[c.spec.index % spread.urls.length]! : url, subscribe) : target === 'ref' ? await connectRef(c, url, rooms?.[c.spec.group] ?? '') : await connectSameJob(c, target, url, rooms?.[c.spec.group] ?? '');
      tokenMs[slot] = t.token;
      authMs[slot] = t.auth;
      subscribeMs[slot] = t.subscribe;
      ok++;
    } catch (error) {
      failed++;
      if (errors.length < 5) errors.push(`${c.spec.username}: ${String(error)}`);
    }
  });
  return { type: 'connected', target, ok, failed, errors, tokenMs, authMs, subscribeMs, startedAt, finishedAt: monoMs() };
}

/** Token → open → auth → auth.ok (→ subscribe → snapshot), as the browser hook does. */
async function connectApp(c: Client, url: string, subscribe: boolean): Promise<{ token: number; auth: number; subscribe: number }> {
  const t0 = monoMs();
  // The token from the instance the socket goes to (the one the browser's page came from).
  const res = await fetch(`${url.replace(/^ws/, 'http').replace(/\/api\/ws$/, '')}/api/ws-token`, { headers: { cookie: c.cookie ?? '' } });
  if (!res.ok) throw new Error(`ws-token answered ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  const t1 = monoMs();
  // A browser sends its cookies with the upgrade (same origin), so the server sees them too.
  const conn = open(c, 'app', url, c.cookie ?? '');
  c.app = conn;
  await opened(conn);
  conn.ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'auth', token }));
  await wait(conn, 'auth');
  const t2 = monoMs();
  if (!subscribe) return { token: t1 - t0, auth: t2 - t0, subscribe: 0 };
  conn.ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'subscribe', room: c.roomId }));
  await wait(conn, 'snapshot');
  return { token: t1 - t0, auth: t2 - t0, subscribe: monoMs() - t0 };
}

async function connectRef(c: Client, url: string, roomId: string): Promise<{ token: number; auth: number; subscribe: number }> {
  const t0 = monoMs();
  const conn = open(c, 'ref', `${url}/?room=${c.spec.group}&id=${roomId}`, c.cookie ?? '');
  c.ref = conn;
  await opened(conn);
  conn.lastSeq = 0;
  const t = monoMs() - t0;
  return { token: 0, auth: t, subscribe: t };
}

/**
 * The same-job references' protocol, the simplest that keeps the job: the room is the voice
 * channel, named in the URL; the server answers with the room's snapshot (members and sequence).
 */
async function connectSameJob(c: Client, target: 'floor' | 'peer', url: string, channelId: string): Promise<{ token: number; auth: number; subscribe: number }> {
  const t0 = monoMs();
  const conn = open(c, target, `${url}/?channel=${channelId}`, '');
  c[target] = conn;
  // The snapshot may come with the upgrade's answer: wait for it from the start.
  await Promise.all([wait(conn, 'snapshot'), opened(conn)]);
  const t = monoMs() - t0;
  return { token: 0, auth: t, subscribe: t };
}

function open(client: Client, target: Target, url: string, cookie: string): Conn {
  const ws = new WebSocket(url, { perMessageDeflate: false, headers: cookie ? { cookie } : {} });
  const conn: Conn = { target, client, ws, lastSeq: -1, waiter: null, closing: false, closed: false };
  ws.on('message', (data: Buffer) => onFrame(conn, data));
  ws.on('close', (code) => {
    conn.closed = true;
    if (!conn.closing) closes[`${target}:${code}`] = (closes[`${target}:${code}`] ?? 0) + 1;
    if (target === 'app' && !conn.closing && spread?.reconnect && client.app === conn) void reconnect(client, spread.urls);
    conn.waiter?.reject(new Error(`closed with ${code}`));
    conn.waiter = null;
  });
  ws.on('error', () => undefined);
  return conn;
}

/**
 * A dropped app socket, as the browser handles it: reconnect to the next instance (new token,
 * auth, subscribe), and take the fresh snapshot; its sequence is recorded as a resync.
 */
const reconnecting = new Set<Client>();
async function reconnect(c: Client, urls: string[]): Promise<void> {
  if (reconnecting.has(c)) return;
  reconnecting.add(c);
  try {
    await reconnectLoop(c, urls);
  } finally {
    reconnecting.delete(c);
  }
}

async function reconnectLoop(c: Client, urls: string[]): Promise<void> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    const url = urls[(c.spec.index + attempt) % urls.length]!;
    try {
      await connectApp(c, url, true);
      records.resync.push(c.spec.index, c.app!.lastSeq, monoMs());
      return;
    } catch {
      await sleep(100);
    }
  }
}

function opened(conn: Conn): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('open timed out')), STEP_TIMEOUT_MS);
    conn.ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    conn.ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed with ${code} before open`));
    });
  });
}

function wait(conn: Conn, kind: Waiter['kind']): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    conn.waiter = {
      kind,
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    };
  });
}

async function disconnectAll(target: Target): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const c of clients) {
    const conn = c[target];
    if (!conn) continue;
    c[target] = null;
    conn.closing = true;
    if (conn.closed) continue;
    closing.push(new Promise((resolve) => conn.ws.once('close', () => resolve())));
    conn.ws.close(1000);
  }
  await Promise.race([Promise.all(closing), sleep(5_000)]);
  for (const c of clients) c[target]?.ws.terminate();
}

// ---- receiving --------------------------------------------------------------------------------

function onFrame(conn: Conn, data: Buffer): void {
  const t = monoMs();
  if (startsWith(data, VOICE_PREFIX)) {
    // The hot path: no JSON.parse, just the sequence number at the end of the payload.
    roomEvent(conn, readSeq(data), t);
    return;
  }
  if (startsWith(data, LOBBY_PREFIX)) {
    records.lobby.push(conn.client.spec.index, 0, t);
    return;
  }
  const msg = JSON.parse(data.toString()) as { type: string; event?: string; payload?: { seq?: number }; error?: string };
  if (msg.type === 'ack' && msg.event === 'auth.ok') settle(conn, 'auth');
  else if (msg.type === 'event' && msg.event === 'room.snapshot') {
    conn.lastSeq = msg.payload?.seq ?? 0;
    settle(conn, 'snapshot');
  } else if (msg.type === 'event' && typeof msg.payload?.seq === 'number') roomEvent(conn, msg.payload.seq, t);
  else if (msg.type === 'error') {
    conn.waiter?.reject(new Error(`server error: ${msg.error}`));
    conn.waiter = null;
  }
}

function roomEvent(conn: Conn, seq: number, t: number): void {
  if (conn.lastSeq < 0) return; // before the snapshot: the hub holds these back, so never
  if (seq !== conn.lastSeq + 1) {
    if (seq <= conn.lastSeq) outOfOrder[conn.target]++;
  }
  if (seq > conn.lastSeq) conn.lastSeq = seq;
  records[conn.target].push(conn.client.spec.index, seq, t);
}

function settle(conn: Conn, kind: Waiter['kind']): void {
  if (conn.waiter?.kind !== kind) return;
  const w = conn.waiter;
  conn.waiter = null;
  w.resolve();
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length > prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

function readSeq(data: Buffer): number {
  let i = data.lastIndexOf(SEQ_KEY) + SEQ_KEY.length;
  let n = 0;
  for (let ch = data[i]!; ch >= 48 && ch <= 57; ch = data[++i]!) n = n * 10 + (ch - 48);
  return n;
}

function collect(): CollectReport {
  const report: CollectReport = {
    type: 'collected',
    frames: { app: records.app.take(), ref: records.ref.take(), floor: records.floor.take(), peer: records.peer.take() },
    lobby: records.lobby.take(),
    resyncs: records.resync.take(),
    outOfOrder: { ...outOfOrder },
    closes,
    closedClients: clients.filter((c) => c.app?.closed).map((c) => c.spec.index),
    gc: takeGc(),
  };
  for (const target of TARGETS) outOfOrder[target] = 0;
  closes = {};
  return report;
}
