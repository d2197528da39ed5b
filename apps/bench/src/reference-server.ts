/**
 * The bare-`ws` reference: the fan-out the issue measures as "bare ws" — one JSON.stringify per
 * event, then `for (const c of room) c.send(str)` — and nothing else (no auth, no backpressure
 * policy, no metrics). Clients join a room with `?room=<index>`; the driver opens `?control=1`
 * and sends one small JSON message per event, as the Discord Gateway sends the app one dispatch
 * per voice change. Run as a child process of the bench (its own core, like the app).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** What the driver sends per event: the room and the member whose voice state changed. */
export interface ReferenceEvent {
  room: number;
  seq: number;
  roomId: string;
  member: Record<string, unknown>;
}

const rooms = new Map<number, Set<WebSocket>>();
const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws, req) => {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  if (params.has('control')) {
    ws.on('message', (data) => publish(JSON.parse(data.toString()) as ReferenceEvent));
    return;
  }
  const room = Number(params.get('room'));
  let set = rooms.get(room);
  if (!set) rooms.set(room, (set = new Set()));
  set.add(ws);
  ws.on('close', () => set.delete(ws));
  ws.on('error', () => set.delete(ws));
});

function publish(event: ReferenceEvent): void {
  const set = rooms.get(event.room);
  if (!set) return;
  // The same envelope the app sends for a voice change (same fields, same size within a few bytes).
  const now = Date.now();
  const str = JSON.stringify({
    v: 1,
    type: 'event',
    event: 'voice.updated',
    payload: { roomId: event.roomId, member: event.member, receivedAt: now, seq: event.seq },
    ts: now,
  });
  for (const c of set) c.send(str);
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
