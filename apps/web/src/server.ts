import { getServerFnById } from '#tanstack-start-server-fn-resolver';
import handler, { createServerEntry } from '@tanstack/react-start/server-entry';
import { toErrorResponse } from './server/errors.ts';
import { guardRequest } from './server/http/request-guard.ts';
import { cspSources, newNonce, withBaseSecurityHeaders, withSecurityHeaders } from './server/http/security-headers.ts';
import { isWsTokenRequest, wsTokenResponse } from './server/http/ws-token-route.ts';
import { moduleLogger } from './server/log.ts';
import { getServices } from './server/services.ts';

/**
 * Start's server entry. Besides the fetch handler it exports the WebSocket hooks, so the production
 * Node entry (server/prod.ts) and the dev plugin (server/dev-websocket.ts) reach them through this
 * very module graph: the same `services` object the server functions use.
 *
 * Every request passes our own guard first (server/http/request-guard.ts: path limits, the CSRF
 * rule, malformed server-function calls), and every answer gets the security headers
 * (server/http/security-headers.ts), pages with a CSP whose nonce Start stamps on its inline
 * scripts (the `nonce` of the request context, read by src/router.tsx).
 */
export default createServerEntry({
  async fetch(request) {
    // Once per WebSocket connection: served without building Start's per-request router (JSON, no page).
    if (isWsTokenRequest(request)) return withBaseSecurityHeaders(await wsTokenResponse(request));
    const services = await getServices();
    const { publicUrl } = services.config.http;
    const page = { nonce: newNonce(), sources: cspSources(publicUrl, services.discord.cdnUrl, services.config.env === 'development') };
    const guarded = await guardRequest(request, { appOrigin: publicUrl.origin, serverFnExists });
    if (!guarded.ok) return withSecurityHeaders(toErrorResponse(guarded.error, moduleLogger(services.log, 'Internal')), page);
    return withSecurityHeaders(await handler.fetch(guarded.request, { context: { nonce: page.nonce } }), page);
  },
});

/** Start's own table of server functions (the resolver it uses itself), asked before Start is. */
function serverFnExists(id: string): Promise<boolean> {
  return getServerFnById(id, { origin: 'client' }).then(
    () => true,
    () => false,
  );
}

export { resolveWebSocketHooks, getServices } from './server/ws-entry.ts';
