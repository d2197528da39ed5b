import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createConnection, type Socket, createServer as createTcpServer } from 'node:net';
import type { RoomSnapshot } from '@repo/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createUpgradeRouter } from '../../../server/ws-upgrade.ts';
import { systemClock } from '@repo/platform';
import { loadConfig } from '../config.ts';
import { voiceMember } from '@repo/protocol/testing';
import { roomTopic } from '../rooms/room-events.ts';
import { MemoryEventBus } from './event-bus.ts';
import type { Connection } from './hub.ts';
import { PreparedFrame } from './prepared-frame.ts';
import { Hub, type HubStat, type HubTuning } from './hub.ts';
import { TickWriter, createWebSocketHooks } from './ws-hooks.ts';

const ORIGIN = 'http://localhost:3000';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** The production wiring in miniature: node:http → createUpgradeRouter (crossws) → our hooks → a real Hub. */
async function start(tuning: Partial<HubTuning> = {}) {
  const bus = new MemoryEventBus();
  const stats: HubStat[] = [];
  const hub = new Hub({
    log: pino({ level: 'silent' }),
    clock: systemClock,
    verifyToken: async (token) => (token === 'good' ? 'alice' : null),
    streamTopic: roomTopic,
    viewAccess: async (roomId) => (roomId === 'r1' ? 'allowed' : 'denied'),
    snapshot: async (roomId): Promise<RoomSnapshot> => ({
      roomId,
      room: { id: roomId, name: 'Room', creatorId: 'alice', guildId: 'g', channelId: 'ch', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
      players: [],
      spectators: [],
      voice: [],
      seq: await bus.currentSeq(roomTopic(roomId)),
    }),
    gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
    onStat: (stat) => stats.push(stat),
    tuning,
  });
  bus.subscribe((m) => hub.deliver(m));
  hub.start();
  // The close codes the hub chose, seen on the real connections ws-hooks hands it.
  const closes: number[] = [];
  const open = hub.open.bind(hub);
  hub.open = (connection) => {
    const close = connection.close.bind(connection);
    connection.close = (code, reason) => {
      closes.push(code);
      close(code, reason);
    };
    open(connection);
  };
  // The app's own Origin list, as config.ts builds it from PUBLIC_URL.
  const config = loadConfig({ PUBLIC_URL: ORIGIN });
  const hooks = createWebSocketHooks({ hub, allowedOrigins: config.http.allowedOrigins });
  const router = createUpgradeRouter({ path: '/api/ws', resolveHooks: async () => hooks });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  /** The server side of each upgraded connection, in connection order: the sockets the hub writes to. */
  const serverSockets: Socket[] = [];
  server.on('upgrade', (req, socket, head) => {
    serverSockets.push(socket as Socket);
    if (!router.handle(req, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    hub.closeAll();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws`;
  return { bus, hub, hooks, url, stats, closes, serverSockets };
}

/** A client that records every text frame as parsed JSON. */
async function client(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  const until = async (count: number) => {
    while (frames.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const send = (body: Record<string, unknown>) => ws.send(JSON.stringify({ v: 1, ts: Date.now(), ...body }));
  return { ws, frames, until, send };
}

describe('WebSocket hooks over crossws (prepared frames written to the socket)', () => {
  it('delivers acks, the snapshot and room events in order as text frames', async () => {
    const { bus, url } = await start();
    const c = await client(url);
    c.send({ type: 'auth', token: 'good' });
    await c.until(2);
    c.send({ type: 'subscribe', room: 'r1' });
    await c.until(4);
    await bus.publish(roomTopic('r1'), 'voice.updated', { roomId: 'r1', member: voiceMember('u1') });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'u1' });
    await c.until(6);
    expect(c.frames.map((f) => f.event)).toEqual(['auth.ok', 'gateway.status', 'subscribed', 'room.snapshot', 'voice.updated', 'voice.left']);
    expect(c.frames.slice(4).map((f) => (f.payload as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('pings with raw ping frames; a client that answers stays, one that does not is dropped', async () => {
    const { hub, url } = await start({ heartbeatIntervalMs: 200, heartbeatSliceMs: 20 });
    const alive = await client(url);
    const mute = await client(url);
    // ws answers pings by itself; this one cannot (autoPong off is not exposed, so pause its reading).
    mute.ws.pause();
    let pings = 0;
    alive.ws.on('ping', () => (pings += 1));
    // Polled, not slept: the mute one is dropped after a missed pong, the alive one has answered three rounds.
    await vi.waitFor(
      () => {
        expect(pings).toBeGreaterThanOrEqual(3);
        expect(hub.connectionCount).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.connectionCount).toBe(1);
  });

  it('upgrades the app\'s exact Origin and a client with none; refuses every look-alike with 403', async () => {
    const { url, hub } = await start();
    expect(await upgradeStatus(url, ORIGIN)).toBe(101);
    expect(await upgradeStatus(url, undefined)).toBe(101);
    const lookAlikes = [
      'https://evil.example',
      'http://localhost:3000.evil.com',
      'http://localhost:30000',
      'http://localhost:300',
      'http://localhost:3000/',
      'https://localhost:3000',
      'http://LOCALHOST:3000',
      'HTTP://localhost:3000',
      'http://localhost',
      'http://127.0.0.1:3000',
      'http://localhost:3000@evil.com',
      'null',
    ];
    const refused: Record<string, number> = {};
    for (const origin of lookAlikes) refused[origin] = await upgradeStatus(url, origin);
    expect(refused).toEqual(Object.fromEntries(lookAlikes.map((origin) => [origin, 403])));
    // Every refusal has been answered by now, so only the two upgrades can still be registering.
    await vi.waitFor(() => expect(hub.connectionCount).toBe(2), { timeout: 5_000, interval: 10 });
    expect(hub.connectionCount).toBe(2);
  });

  it('forgets a connection the client closed', async () => {
    const { hub, url } = await start();
    const c = await client(url, { origin: ORIGIN });
    c.send({ type: 'auth', token: 'good' });
    await c.until(2);
    expect(hub.connectionCount).toBe(1);
    c.ws.close(1000);
    await once(c.ws, 'close');
    await vi.waitFor(() => expect(hub.connectionCount).toBe(0), { timeout: 5_000, interval: 10 });
  });
});

/** 101 when the upgrade succeeded (the socket is left open for the test's cleanup), else the HTTP status. */
async function upgradeStatus(url: string, origin: string | undefined): Promise<number> {
  const ws = new WebSocket(url, origin === undefined ? {} : { headers: { origin } });
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/**
 * A binary frame of exactly `bytes` bytes on the wire (10-byte header, 64-bit length): filler the
 * client's ws parses and ignores, written to the server's socket beside the hub's own frames.
 */
function binaryFrame(bytes: number): Buffer {
  const payload = bytes - 10;
  if (payload <= 0xffff) throw new Error('a 64-bit length frame carries more than 65,535 bytes');
  const frame = Buffer.alloc(bytes);
  frame[0] = 0x82; // FIN + binary
  frame[1] = 127;
  frame.writeBigUInt64BE(BigInt(payload), 2);
  return frame;
}

/** R-RT6 and the spec: "more than 1 MB queued" closes. Written out, not read from HubDefaults, so changing the default fails here. */
const ONE_MB = 1024 * 1024;

describe('slow consumer at its edge, over a real socket (R-RT6)', () => {
  /**
   * One subscribed client that stops reading, one that keeps reading. The paused client's kernel
   * buffers are filled until the server's socket holds bytes it cannot hand to the kernel; from then
   * on every byte written stays in `socket.writableLength`, which is what ws's `bufferedAmount` (read
   * by the hub) reports. In one synchronous step the test tops the queue up to `queued` bytes and
   * publishes an event, so the hub's check sees exactly that many.
   */
  async function publishWithQueued(queued: (limit: number) => number) {
    const server = await start({ heartbeatIntervalMs: 3_600_000 });
    const { bus, serverSockets } = server;
    const slow = new WebSocket(server.url);
    const slowText: Array<Record<string, unknown>> = [];
    slow.on('message', (data, isBinary) => {
      if (!isBinary) slowText.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    slow.on('error', () => undefined);
    cleanups.push(() => slow.terminate());
    await once(slow, 'open');
    const socket = serverSockets[0]!;
    const fast = await client(server.url);
    for (const ws of [slow, fast.ws]) {
      ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'auth', token: 'good' }));
      ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'subscribe', room: 'r1' }));
    }
    await fast.until(4);
    while (slowText.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));

    slow.pause();
    const chunk = binaryFrame(128 * 1024);
    let written = 0;
    while (socket.writableLength === 0) {
      socket.write(chunk);
      written += chunk.length;
      if (written > 256 * ONE_MB) throw new Error('the kernel never stopped taking bytes');
    }
    // From here to the publish nothing yields to the event loop: no write can complete in between.
    const target = queued(ONE_MB);
    socket.write(binaryFrame(target - socket.writableLength));
    const before = socket.writableLength;
    void bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('u1') });
    return { ...server, slow, slowText, fast, socket, before, after: socket.writableLength };
  }

  it('keeps a connection with exactly 1 MB queued: the event is written and arrives once it reads again', async () => {
    const { hub, closes, stats, slow, slowText, before, after } = await publishWithQueued((limit) => limit);
    expect(before).toBe(ONE_MB);
    expect(after).toBeGreaterThan(ONE_MB); // the frame went into the queue
    expect(closes).toEqual([]);
    expect(stats.some((s) => s.kind === 'slow-consumer')).toBe(false);
    slow.resume();
    while (!slowText.some((f) => f.event === 'voice.joined')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(slow.readyState).toBe(WebSocket.OPEN);
    expect(hub.connectionCount).toBe(2);
  });

  it('closes a connection with 1 MB + 1 byte queued with 1008, and the others still get the event', async () => {
    const { hub, closes, stats, slow, slowText, fast, before } = await publishWithQueued((limit) => limit + 1);
    expect(before).toBe(ONE_MB + 1);
    expect(closes).toEqual([1008]);
    expect(stats.filter((s) => s.kind === 'slow-consumer')).toHaveLength(1);
    expect(hub.connectionCount).toBe(1);
    await fast.until(5);
    expect(fast.frames[4]).toMatchObject({ event: 'voice.joined', payload: { seq: 1 } });
    // Cut, not waited for: the socket is dropped at once (its backlog would hold the close frame
    // too); reading again, the client finds the end of what the kernel had, and no event.
    const closed = once(slow, 'close');
    slow.resume();
    await closed;
    expect(slowText.some((f) => f.event === 'voice.joined')).toBe(false);
  });
});

describe('TickWriter', () => {
  it('turns the frames due to one socket in one tick into one write', async () => {
    const tcp = createTcpServer();
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const accepted = once(tcp, 'connection') as Promise<[Socket]>;
    const remote = createConnection((tcp.address() as AddressInfo).port, '127.0.0.1');
    const [socket] = await accepted;
    cleanups.push(() => {
      remote.destroy();
      socket.destroy();
      tcp.close();
    });
    let writes = 0;
    const original = { write: socket._write.bind(socket), writev: socket._writev?.bind(socket) };
    socket._write = (chunk, encoding, cb) => {
      writes++;
      original.write(chunk, encoding, cb);
    };
    socket._writev = (chunks, cb) => {
      writes++;
      original.writev!(chunks, cb);
    };
    const writer = new TickWriter();
    writer.write(socket, Buffer.from('a'));
    writer.write(socket, Buffer.from('b'));
    writer.write(socket, Buffer.from('c'));
    let got = '';
    remote.on('data', (d) => (got += d.toString()));
    await vi.waitFor(() => expect(got).toBe('abc'), { timeout: 5_000, interval: 5 });
    expect(writes).toBe(1);
  });
});

describe('the connection ws-hooks hands the hub, over crossws’s Node peer', () => {
  /** Every connection the hub is handed and every peer crossws opens, in order. */
  async function started() {
    const server = await start();
    const connections: Connection[] = [];
    const peers: Array<{ peer: Parameters<NonNullable<typeof server.hooks.open>>[0]; context: unknown }> = [];
    const hubOpen = server.hub.open.bind(server.hub);
    server.hub.open = (connection) => {
      connections.push(connection);
      hubOpen(connection);
    };
    const hooksOpen = server.hooks.open!.bind(server.hooks);
    server.hooks.open = (peer) => {
      peers.push({ peer, context: peer.context });
      return hooksOpen(peer);
    };
    return { ...server, connections, peers };
  }

  it('writes raw frames to the socket, under its own short id, and keeps of the upgrade request only what crossws reads later', async () => {
    const { url, connections, peers } = await started();
    await client(url, { origin: ORIGIN, cookie: `sr_session=${'x'.repeat(2_000)}` });
    await client(url);
    await vi.waitFor(() => expect(connections).toHaveLength(2), { timeout: 5_000, interval: 10 });
    const ids = connections.map((c) => c.id);
    expect(ids.every((id) => /^ws[1-9][0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(2);
    // The raw path: prepared frames go to the socket, not through ws.send.
    expect(connections.every((c) => typeof c.sendPrepared === 'function')).toBe(true);
    for (const { peer, context } of peers) {
      const internal = (peer as unknown as { _internal: { request?: unknown; nodeReq: Record<string, unknown> } })._internal;
      expect(internal.request).toBeUndefined();
      expect(Object.keys(internal.nodeReq).sort()).toEqual(['_context', 'socket']);
      expect(peer.context).toBe(context);
      expect(peer.remoteAddress).toBe('127.0.0.1');
    }
  });

  it('sends text, prepared frames and pings while open; after its close frame nothing more goes out', async () => {
    const { url, connections, serverSockets } = await started();
    const c = await client(url);
    let pings = 0;
    c.ws.on('ping', () => (pings += 1));
    await vi.waitFor(() => expect(connections).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const connection = connections[0]!;
    connection.send(JSON.stringify({ n: 1 }));
    connection.sendPrepared!(new PreparedFrame(JSON.stringify({ n: 2 })));
    connection.ping();
    await c.until(2);
    expect(c.frames).toEqual([{ n: 1 }, { n: 2 }]);
    await vi.waitFor(() => expect(pings).toBe(1), { timeout: 5_000, interval: 10 });
    expect(connection.bufferedAmount()).toBe(0);

    const closed = once(c.ws, 'close');
    c.ws.pause();
    connection.close(4001, 'bye');
    const socket = serverSockets[0]!;
    await new Promise((resolve) => setImmediate(resolve));
    const written = socket.bytesWritten;
    connection.sendPrepared!(new PreparedFrame(JSON.stringify({ n: 3 })));
    connection.send(JSON.stringify({ n: 4 }));
    connection.ping();
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.bytesWritten).toBe(written);
    c.ws.resume();
    const [code, reason] = (await closed) as [number, Buffer];
    expect(code).toBe(4001);
    expect(reason.toString()).toBe('bye');
    expect(c.frames).toHaveLength(2);
    expect(pings).toBe(1);
  });

  it('terminate drops the socket without a close frame', async () => {
    const { url, connections } = await started();
    const c = await client(url);
    await vi.waitFor(() => expect(connections).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const closed = once(c.ws, 'close');
    connections[0]!.terminate();
    const [code] = (await closed) as [number];
    expect(code).toBe(1006);
  });
});
