import { authedApiRoute, json } from './api.ts';

export const WS_TOKEN_PATH = '/api/ws-token';

/**
 * `GET /api/ws-token` → `{ token, expiresAt }`: a 5-minute JWT for the first WebSocket frame
 * (R-RT2). Declared as a Start route (routes/api/ws-token.ts) and also served by the server entry
 * before Start's handler: every connection asks for one, and Start builds a router per request,
 * which was ~5 % of the CPU of a 10k-connection storm.
 */
export function wsTokenResponse(request: Request): Promise<Response> {
  return authedApiRoute(request, 'Auth', async ({ services, session }) => json(await services.wsTokens.issue(session.userId, services.clock.now())));
}

/** True for the requests wsTokenResponse answers. */
export function isWsTokenRequest(request: Request): boolean {
  return request.method === 'GET' && new URL(request.url).pathname === WS_TOKEN_PATH;
}
