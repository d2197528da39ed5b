import type { Hooks, Peer } from 'crossws';
import type { Services } from '../services.ts';
import type { Connection } from './hub.ts';

/**
 * crossws hooks for `/api/ws`. crossws owns the upgrade and the socket; the hub owns what the
 * messages mean. The same hooks serve Vite's dev server and the production Node entry.
 */
export function createWebSocketHooks(services: Services): Partial<Hooks> {
  const { hub, config } = services;
  const connections = new WeakMap<Peer, Connection>();

  return {
    upgrade(request) {
      // Browsers always send Origin; refusing foreign origins stops cross-site WebSocket hijacking.
      const origin = request.headers.get('origin');
      if (origin !== null && !config.http.allowedOrigins.includes(origin)) {
        return new Response('Origin not allowed', { status: 403 });
      }
      return undefined;
    },
    open(peer) {
      const connection: Connection = {
        id: peer.id,
        send: (frame) => void peer.send(frame, { compress: false }),
        close: (code, reason) => peer.close(code, reason),
        bufferedAmount: () => peer.bufferedAmount,
        ping: () => peer.ping(),
        terminate: () => peer.terminate(),
      };
      connections.set(peer, connection);
      hub.open(connection);
    },
    message(peer, message) {
      const connection = connections.get(peer);
      if (connection) void hub.message(connection.id, message.text());
    },
    pong(peer) {
      const connection = connections.get(peer);
      if (connection) hub.pong(connection.id);
    },
    close(peer) {
      const connection = connections.get(peer);
      if (connection) hub.close(connection.id);
    },
    error(peer) {
      const connection = connections.get(peer);
      if (connection) hub.close(connection.id);
    },
  };
}
