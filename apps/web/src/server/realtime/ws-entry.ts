import type { Hooks } from 'crossws';
import { getServices, type Services } from '../services.ts';
import { createWebSocketHooks } from './ws-hooks.ts';

// One hooks object per services graph (a dev reload of this module starts a fresh memo).
const hooksByServices = new WeakMap<Services, Partial<Hooks>>();

/**
 * Entry point for both WebSocket front doors (the Vite dev plugin and the production server). It
 * resolves the hooks from the one services graph shared with the server functions.
 */
export async function resolveWebSocketHooks(): Promise<Partial<Hooks>> {
  const services = await getServices();
  let hooks = hooksByServices.get(services);
  if (!hooks) {
    hooks = createWebSocketHooks(services);
    hooksByServices.set(services, hooks);
  }
  return hooks;
}

export { getServices };
