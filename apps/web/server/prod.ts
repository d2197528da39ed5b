/**
 * Production entry: serves Start's built fetch handler and the client assets with srvx, and routes
 * `/api/ws` upgrades to crossws on the same port. `pnpm build` bundles it to dist/prod.mjs (plain
 * JavaScript, see prod-bundle.ts); `pnpm start` runs that with node.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { Hooks } from 'crossws';
import { serve } from 'srvx';
import { withBaseSecurityHeaders } from '../src/server/http/security-headers.ts';
import { clientAssets } from './client-assets.ts';
import { createUpgradeRouter } from './ws-upgrade.ts';

interface BuiltServerEntry {
  default: { fetch(request: Request): Response | Promise<Response> };
  resolveWebSocketHooks(): Promise<Partial<Hooks>>;
  getServices(): Promise<{
    config: { http: { host: string; port: number; trustProxy: boolean; listenBacklog: number; heapGrowingPercent: number } };
    shutdown(): Promise<void>;
  }>;
}

// Resolves to apps/web/dist/ both from server/prod.ts and from the bundle at dist/prod.mjs.
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
const serverEntryPath = `${distDir}server/server.js`;
if (!existsSync(serverEntryPath)) {
  console.error(`[Internal] ${serverEntryPath} is missing: run \`pnpm build\` first.`);
  process.exit(1);
}

const entry = (await import(serverEntryPath)) as BuiltServerEntry;
// Build the services before listening: bad configuration stops the process here, with its message.
let services: Awaited<ReturnType<BuiltServerEntry['getServices']>>;
try {
  services = await entry.getServices();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const { host, port, trustProxy, listenBacklog, heapGrowingPercent } = services.config.http;
// V8 grows the old generation up to 4× what survived the last full GC when collection looks cheap:
// at 10k connections that left ~100 MB of garbage in RSS (350 MB idle instead of ~240). `pnpm start`
// passes the factor on the command line (--heap-growing-percent=${V8_HEAP_GROWING_PERCENT:-50}):
// Node 24's V8 ignores it when set at run time (full GCs came at ~85 MB instead of ~65 MB after
// setup, apps/bench/README.md). Set here too for Node 20/22 started without the flag; harmless on 24.
if (heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);

const server = serve({
  fetch: (request) => entry.default.fetch(request),
  // The server entry sets the security headers on its own answers; the client assets (scripts,
  // styles) get nosniff and the rest here.
  middleware: [async (request, next) => withBaseSecurityHeaders(await next()), clientAssets(`${distDir}client`)],
  hostname: host,
  port,
  // Node's default backlog is 511: a storm of ~1,000 simultaneous connects overflowed it and the
  // kernel dropped the rest (clients saw 1006). The kernel caps it at net.core.somaxconn.
  node: { backlog: listenBacklog },
  trustProxy,
  silent: true,
  // We close WebSockets and the services ourselves, in order, below.
  gracefulShutdown: false,
});
await server.ready();

const upgrades = createUpgradeRouter({ path: '/api/ws', resolveHooks: () => entry.resolveWebSocketHooks() });
const httpServer = server.node?.server;
if (!httpServer) throw new Error('srvx did not expose the Node HTTP server');
httpServer.on('upgrade', (req, socket, head) => {
  if (upgrades.handle(req, socket, head)) return;
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
});

console.log(`[Internal] listening on ${server.url ?? `http://${host}:${port}/`}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[Internal] ${signal}: closing WebSockets and the HTTP server`);
  upgrades.closeAll(1001, 'server going away');
  await Promise.allSettled([server.close(true), services.shutdown()]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
