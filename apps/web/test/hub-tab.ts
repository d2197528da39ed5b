import pino from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Hub } from '../src/server/realtime/hub.ts';
import type { Connection } from '../src/server/realtime/hub-options.ts';
import { roomTopic } from '../src/server/rooms/room-events.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * A real Hub over a rooms harness, wired as services.ts wires it: the bus's events and revocations
 * go in, access and snapshots come from the harness's RoomService. Its tokens are user ids.
 */
export function hubOver(h: RoomsHarness): Hub {
  const hub = new Hub({
    log: pino({ level: 'silent' }),
    clock: h.clock,
    verifyToken: async (token) => token,
    streamTopic: roomTopic,
    viewAccess: (roomId, userId) => h.rooms.viewAccess(roomId, userId),
    snapshot: (roomId) => h.rooms.snapshot(roomId),
    gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
  });
  h.bus.subscribe((m) => hub.deliver(m));
  h.bus.onRevocation((r) => hub.revoke(r));
  return hub;
}

/**
 * A browser tab as the hub sees it, without a socket: it authenticates (the hub under test takes the
 * user id as its token) and subscribes to a room, or to several; every frame the hub writes to it is kept, parsed.
 */
export async function openTab(hub: Hub, connectionId: string, userId: string, rooms: string | readonly string[]): Promise<Array<Record<string, unknown>>> {
  const frames: Array<Record<string, unknown>> = [];
  const connection: Connection = {
    id: connectionId,
    send: (f) => frames.push(JSON.parse(f) as Record<string, unknown>),
    close: () => undefined,
    bufferedAmount: () => 0,
    ping: () => undefined,
    terminate: () => undefined,
  };
  hub.open(connection);
  await hub.message(connection.id, JSON.stringify({ v: 1, ts: 1, type: 'auth', token: userId }));
  for (const room of typeof rooms === 'string' ? [rooms] : rooms) await hub.message(connection.id, JSON.stringify({ v: 1, ts: 1, type: 'subscribe', room }));
  return frames;
}

/**
 * One rooms harness and a Hub over it for a whole test file: `ready` gets both once they are up;
 * before each test every room is closed, the emulator's faults cleared and `users` taken out of
 * voice; after the file the hub's connections and the harness are closed.
 */
export function hubSuite(users: readonly string[], ready: (parts: { h: RoomsHarness; hub: Hub }) => void): void {
  let h: RoomsHarness | undefined;
  let hub: Hub | undefined;
  beforeAll(async () => {
    h = await roomsHarness();
    hub = hubOver(h);
    ready({ h, hub });
  });
  afterAll(async () => {
    hub?.closeAll();
    await h?.close();
  });
  beforeEach(async () => {
    if (!h) throw new Error('hubSuite: the harness did not start');
    for (const room of await h.store.list()) await h.rooms.closeFor(room.id, 'closed');
    await fetch(`${h.emulator.controlUrl}/faults`, { method: 'DELETE' });
    for (const user of users) await h.control('voice', { userId: user, channelId: null });
  });
}
