import type { Hub } from '../src/server/realtime/hub.ts';
import type { Connection } from '../src/server/realtime/hub-options.ts';

/**
 * A browser tab as the hub sees it, without a socket: it authenticates (the hub under test takes the
 * user id as its token) and subscribes to one room; every frame the hub writes to it is kept, parsed.
 */
export async function openTab(hub: Hub, connectionId: string, userId: string, roomId: string): Promise<Array<Record<string, unknown>>> {
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
  await hub.message(connection.id, JSON.stringify({ v: 1, ts: 1, type: 'subscribe', room: roomId }));
  return frames;
}
