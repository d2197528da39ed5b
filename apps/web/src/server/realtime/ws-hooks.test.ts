import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createConnection, type Socket, createServer as createTcpServer } from 'node:net';
import type { RoomSnapshot } from '@repo/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createUpgradeRouter } from '../../../server/ws-upgrade.ts';
import { systemClock } from '../clock.ts';
import type { Services } from '../services.ts';
import { MemoryEventBus, roomTopic } from './event-bus.ts';
import { Hub, type HubTuning } from './hub.ts';
import { TickWriter, createWebSocketHooks } from './ws-hooks.ts';

const ORIGIN = 'http://127.0.0.1:3000';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** The production wiring in miniature: node:http → createUpgradeRouter (crossws) → our hooks → a real Hub. */
async function start(tuning: Partial<HubTuning> = {}) {
  const bus = new MemoryEventBus();
  const hub = new Hub({
    log: pino({ level: 'silent' }),
    clock: systemClock,
    verifyToken: async (token) => (token === 'good' ? 'alice' : null),
    viewAccess: async (roomId) => (roomId === 'r1' ? 'allowed' : 'denied'),
    snapshot: async (roomId): Promise<RoomSnapshot> => ({
      roomId,
      room: { id: roomId, name: 'Room', creatorId: 'alice', guildId: 'g', channelId: 'ch', createdAt: 0, playerLimit: 4, closingAt: null },
      players: [],
      spectators: [],
      voice: [],
      seq: await bus.currentSeq(roomTopic(roomId)),
    }),
    gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
    tuning,
  });
  bus.subscribe((m) => hub.deliver(m));
  hub.start();
  const services = { hub, config: { http: { allowedOrigins: [ORIGIN] } } } as unknown as Services;
  const hooks = createWebSocketHooks(services);
  const router = createUpgradeRouter({ path: '/api/ws', resolveHooks: async () => hooks });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
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
  return { bus, hub, url };
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
    await bus.publish(roomTopic('r1'), 'voice.updated', { roomId: 'r1', member: { userId: 'u1' } });
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
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.connectionCount).toBe(1);
  });

  it('refuses a foreign Origin before upgrading', async () => {
    const { url } = await start();
    const ws = new WebSocket(url, { headers: { origin: 'https://evil.example' } });
    ws.on('error', () => undefined);
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(403);
  });

  it('forgets a connection the client closed', async () => {
    const { hub, url } = await start();
    const c = await client(url, { origin: ORIGIN });
    c.send({ type: 'auth', token: 'good' });
    await c.until(2);
    expect(hub.connectionCount).toBe(1);
    c.ws.close(1000);
    await once(c.ws, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.connectionCount).toBe(0);
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toBe('abc');
    expect(writes).toBe(1);
  });
});
