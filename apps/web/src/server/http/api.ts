// The HTTP door: the /api routes' one way in (this file: auth gate, errors → responses, JSON
// bodies), the request guard every request passes first, the CSRF rule and the security headers.
// It may reach every part through getServices(); no part reaches back into it.
import type { z } from 'zod';
import type { Session } from '../auth/session.ts';
import { toErrorResponse, validationError } from '../errors.ts';
import { moduleLogger, type LogModule } from '../log.ts';
import { type Services, getServices } from '../services.ts';
import { readJsonBody } from './body.ts';
import { checkSameOrigin, isWrite } from './csrf.ts';
import { crossSiteRefusal } from './request-guard.ts';

/**
 * The /api door: every JSON route goes through here, so errors map to HTTP in one place and an
 * authenticated route always passes the one auth gate (with its silent refresh).
 */
export async function apiRoute(module: LogModule, handle: (services: Services) => Promise<Response>): Promise<Response> {
  const services = await getServices();
  try {
    return await handle(services);
  } catch (error) {
    return toErrorResponse(error, moduleLogger(services.log, module));
  }
}

export interface UserContext {
  services: Services;
  session: Session;
}

/** Like apiRoute, for routes that need a signed-in user; re-issues the cookie after a refresh. */
export function authedApiRoute(request: Request, module: LogModule, handle: (ctx: UserContext) => Promise<Response>): Promise<Response> {
  return apiRoute(module, async (services) => {
    // The server entry applies the same rule to every request; a route reached another way keeps it.
    assertSameOriginWrite(request, services.config.http.publicUrl.origin);
    const { session, setCookie } = await services.auth.authenticate(request.headers.get('cookie'), pageOf(request));
    const response = await handle({ services, session });
    if (setCookie) response.headers.append('set-cookie', setCookie);
    return response;
  });
}

/** Throws 403 for a write that fails the CSRF rule (csrf.ts); reads and same-origin writes pass. */
export function assertSameOriginWrite(request: Request, appOrigin: string): void {
  if (!isWrite(request.method)) return;
  const verdict = checkSameOrigin(request.headers, appOrigin);
  if (!verdict.ok) throw crossSiteRefusal(verdict.reason);
}

/**
 * The page the user was on when a browser called an API route (its same-origin Referer), so a
 * 401's login URL brings them back there. Anything else: the lobby.
 */
export function pageOf(request: Request): string {
  const referer = request.headers.get('referer');
  if (!referer) return '/';
  try {
    const ref = new URL(referer);
    return ref.origin === new URL(request.url).origin ? `${ref.pathname}${ref.search}` : '/';
  } catch {
    return '/';
  }
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** JSON bodies of the rooms API: a name or a token, far below this. */
export const API_BODY_MAX_BYTES = 16 * 1024;

/** The body, bounded (413), strictly UTF-8 and JSON (400), then parsed with `schema` (400 with field errors). */
export async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  const json = (await readJsonBody(request, API_BODY_MAX_BYTES)) ?? {};
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
