import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hooks } from 'crossws';
import crossws from 'crossws/adapters/node';

/**
 * Routes HTTP upgrades for one path to crossws's Node adapter, leaving every other upgrade to the
 * caller (Vite's HMR socket in dev; a 404 in production). Shared by both front doors.
 */
export function createUpgradeRouter(options: { path: string; resolveHooks: () => Promise<Partial<Hooks>> }) {
  const adapter = crossws({
    // Our hub runs its own heartbeat with the protocol's timings; crossws's idle sweep would duplicate it.
    idleTimeout: 0,
    // crossws resolves once per connection and keeps the result for that connection's lifetime.
    resolve: () => options.resolveHooks(),
    serverOptions: {
      // The protocol's own limit is 4 KB (closed with 4009 by the hub); this only bounds memory.
      maxPayload: 64 * 1024,
      // The hub writes pre-framed messages straight to each socket (ws-hooks.ts), which needs frames
      // to go out uncompressed; the JSON envelopes are small anyway.
      perMessageDeflate: false,
      // crossws tracks its peers itself; ws's own client Set would be one more entry per connection.
      clientTracking: false,
    },
  });
  return {
    /** Returns false when the request is not for our path (the caller decides what to do with it). */
    handle(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (pathname !== options.path) return false;
      void adapter.handleUpgrade(req, socket, head);
      return true;
    },
    closeAll(code: number, reason: string) {
      adapter.closeAll(code, reason);
    },
  };
}
