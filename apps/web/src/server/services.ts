import { type Services, startServices } from './composition/start.ts';

export type { Services };

/**
 * The door to the one services graph of this process (composition/start.ts builds and starts it).
 * It is started once and kept on globalThis, so Vite's dev reloads (which re-evaluate modules) and
 * the production entry (which loads the WebSocket hooks beside Start's handler) all share it.
 */
const GLOBAL_KEY = Symbol.for('spell-rooms.services');
type GlobalWithServices = typeof globalThis & { [GLOBAL_KEY]?: Promise<Services> };

export function getServices(): Promise<Services> {
  const g = globalThis as GlobalWithServices;
  g[GLOBAL_KEY] ??= startServices().catch((error: unknown) => {
    // Let a later call try again (e.g. after fixing .env in dev) instead of caching the failure.
    delete g[GLOBAL_KEY];
    throw error;
  });
  return g[GLOBAL_KEY];
}
