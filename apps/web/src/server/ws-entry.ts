import type { Hooks } from 'crossws';
import { createWebSocketHooks } from './realtime/ws-hooks.ts';
import { getServices, type Services } from './services.ts';

// One hooks object per services graph (a dev reload of this module starts a fresh memo).
const hooksByServices = new WeakMap<Services, Partial<Hooks>>();

/**
 * The WebSocket door, for both front doors (the Vite dev plugin and the production server): the
 * hooks of the one services graph the server functions use, like a route's getServices().
 */
export async function resolveWebSocketHooks(): Promise<Partial<Hooks>> {
  const services = await getServices();
  let hooks = hooksByServices.get(services);
  if (!hooks) {
    hooks = createWebSocketHooks({ hub: services.hub, allowedOrigins: services.config.http.allowedOrigins });
    hooksByServices.set(services, hooks);
  }
  return hooks;
}

export { getServices };
