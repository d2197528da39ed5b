import handler, { createServerEntry } from '@tanstack/react-start/server-entry';
import { isWsTokenRequest, wsTokenResponse } from './server/http/ws-token-route.ts';

/**
 * Start's server entry. Besides the fetch handler it exports the WebSocket hooks, so the production
 * Node entry (server/prod.ts) and the dev plugin (server/dev-websocket.ts) reach them through this
 * very module graph: the same `services` object the server functions use.
 */
export default createServerEntry({
  fetch(request) {
    // Once per WebSocket connection: served without building Start's per-request router.
    if (isWsTokenRequest(request)) return wsTokenResponse(request);
    return handler.fetch(request);
  },
});

export { resolveWebSocketHooks, getServices } from './server/realtime/ws-entry.ts';
