import type { Hooks } from 'crossws';
import { isRunnableDevEnvironment, type Plugin } from 'vite';
import { createUpgradeRouter } from './ws-upgrade.ts';

// Start aliases this id to src/server.ts: importing it through the SSR runner gives us the same
// module instances the server functions run in.
const SERVER_ENTRY = 'virtual:tanstack-start-server-entry';

interface ServerEntryModule {
  resolveWebSocketHooks(): Promise<Partial<Hooks>>;
  getServices(): Promise<unknown>;
}

/** Serves `/api/ws` on Vite's own HTTP server (same port as the pages) during `pnpm dev`. */
export function devWebSocket(options: { path: string }): Plugin {
  return {
    name: 'spell-rooms:dev-websocket',
    apply: 'serve',
    configureServer(server) {
      const httpServer = server.httpServer;
      if (!httpServer) return;
      const load = async (): Promise<ServerEntryModule> => {
        const ssr = server.environments.ssr;
        if (!ssr || !isRunnableDevEnvironment(ssr)) throw new Error('the SSR environment cannot run modules');
        return (await ssr.runner.import(SERVER_ENTRY)) as ServerEntryModule;
      };
      const router = createUpgradeRouter({
        path: options.path,
        // Re-import per connection: after an edit the runner hands back the fresh module, whose
        // hooks still reach the one services object kept on globalThis.
        resolveHooks: async () => (await load()).resolveWebSocketHooks(),
      });
      httpServer.on('upgrade', (req, socket, head) => {
        router.handle(req, socket, head);
      });
      // Build the services (and start the embedded emulator) as soon as the server listens, so the
      // first page load does not pay for it and configuration errors show at once.
      httpServer.once('listening', () => {
        load()
          .then((mod) => mod.getServices())
          .catch((error: unknown) => server.config.logger.error(`[Internal] startup failed: ${String(error)}`));
      });
    },
  };
}
