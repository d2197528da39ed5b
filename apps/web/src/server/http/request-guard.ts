import { INVITE_TOKEN_MAX_LENGTH } from '../rooms/invite-token.ts';
import { decodeUtf8, parseJsonText, readBodyBytes } from './body.ts';
import { type CsrfRefusal, checkSameOrigin, isWrite } from './csrf.ts';
import { AppError } from '../errors.ts';
import { isPlainServerFnPayload } from './server-fn-payload.ts';

/**
 * Our own front door, run by the server entry (src/server.ts, in dev and production) on every
 * request before TanStack Start sees it. Start answers 500 to what it cannot parse (an unknown
 * server function, a payload its decoder refuses, a path param its validator refuses); this turns
 * each of those into a clear 4xx, and applies the one CSRF rule (csrf.ts) to every write.
 */
export const RequestLimits = {
  /** A room id in a path (`/rooms/<id>`, `/api/rooms/<id>/…`): ours are 10 characters. */
  roomIdMaxLength: 64,
  /** An invite token in a path (`/invite/<token>`). */
  inviteTokenMaxLength: INVITE_TOKEN_MAX_LENGTH,
  /** Any path: the longest route is `/invite/` plus the longest token. */
  pathMaxLength: INVITE_TOKEN_MAX_LENGTH + 64,
  /** A server-function call: our inputs are a token or an id, a few KB at most once encoded. */
  serverFnBodyMaxBytes: 64 * 1024,
  /**
   * A server-function id: 64 hex characters in a build (a SHA-256), base64url of
   * `{file, export}` in development (longer for deep paths).
   */
  serverFnIdMaxLength: 1024,
} as const;

/**
 * Start's default base for server-function calls (`tanstackStart({ serverFns: { base } })`, which
 * vite.config.ts leaves alone). The process-level tests call a real function through it.
 */
export const SERVER_FN_BASE = '/_serverFn/';

const PATH_PARAMS: ReadonlyArray<{ prefix: string; maxLength: number }> = [
  { prefix: '/invite/', maxLength: RequestLimits.inviteTokenMaxLength },
  { prefix: '/rooms/', maxLength: RequestLimits.roomIdMaxLength },
  { prefix: '/api/rooms/', maxLength: RequestLimits.roomIdMaxLength },
];

const SERVER_FN_ID = /^[A-Za-z0-9_-]+$/;

export interface RequestGuardOptions {
  /** The app's own origin (PUBLIC_URL's): the only one allowed to write. */
  appOrigin: string;
  /** Whether Start knows this server-function id (its own resolver, see src/server.ts). */
  serverFnExists(id: string): Promise<boolean>;
}

export type GuardResult = { ok: true; request: Request } | { ok: false; error: AppError };

export async function guardRequest(request: Request, options: RequestGuardOptions): Promise<GuardResult> {
  try {
    return { ok: true, request: await guard(request, options) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
}

async function guard(request: Request, options: RequestGuardOptions): Promise<Request> {
  const url = new URL(request.url);
  // Measured as sent (percent-encoded): a decoded value is never longer.
  const path = url.pathname;
  if (path.length > RequestLimits.pathMaxLength) throw noSuchPage();
  for (const { prefix, maxLength } of PATH_PARAMS) {
    if (!path.startsWith(prefix)) continue;
    const end = path.indexOf('/', prefix.length);
    const param = end === -1 ? path.slice(prefix.length) : path.slice(prefix.length, end);
    if (param.length > maxLength) throw noSuchPage();
  }

  if (isWrite(request.method)) {
    const verdict = checkSameOrigin(request.headers, options.appOrigin);
    if (!verdict.ok) throw crossSiteRefusal(verdict.reason);
  }

  if (path.startsWith(SERVER_FN_BASE)) return guardServerFn(request, url, options);
  return request;
}

async function guardServerFn(request: Request, url: URL, options: RequestGuardOptions): Promise<Request> {
  const id = url.pathname.slice(SERVER_FN_BASE.length).split('/')[0] ?? '';
  if (id.length === 0 || id.length > RequestLimits.serverFnIdMaxLength || !SERVER_FN_ID.test(id) || !(await options.serverFnExists(id))) {
    throw new AppError('not_found', 'There is no such server function.');
  }
  const method = request.method.toUpperCase();
  if (method === 'GET') {
    const raw = rawQueryParam(url.search, 'payload');
    if (raw !== null) {
      if (raw.length > RequestLimits.serverFnBodyMaxBytes) throw new AppError('too_large', 'The call is too large.');
      const payload = parseJsonText(decodeQueryValue(raw), 'The call’s payload');
      if (payload !== undefined) checkPayload(payload);
    }
    return request;
  }
  if (method !== 'POST') return request; // Start answers 405 before reading anything.
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new AppError('unsupported_media_type', 'Server functions take a JSON body.');
  }
  const bytes = await readBodyBytes(request, RequestLimits.serverFnBodyMaxBytes);
  const payload = parseJsonText(decodeUtf8(bytes, 'The call’s payload'), 'The call’s payload');
  // No data at all is a valid call of a function without input.
  if (payload !== undefined) checkPayload(payload);
  // The body has been read: Start gets the same bytes.
  return new Request(request.url, { method: request.method, headers: request.headers, body: bytes, signal: request.signal });
}

function checkPayload(json: unknown): void {
  if (!isPlainServerFnPayload(json)) throw new AppError('validation', 'The call’s payload is not valid.', { reason: 'invalid_payload' });
}

/** The raw (still percent-encoded) value of a query parameter: URLSearchParams would decode invalid UTF-8 to U+FFFD. */
function rawQueryParam(search: string, name: string): string | null {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key === name) return eq === -1 ? '' : pair.slice(eq + 1);
  }
  return null;
}

function decodeQueryValue(raw: string): string {
  try {
    // decodeURIComponent throws on percent-escapes that are not UTF-8.
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new AppError('validation', 'The call’s payload is not valid UTF-8.', { reason: 'invalid_utf8' });
  }
}

export function crossSiteRefusal(reason: CsrfRefusal): AppError {
  return new AppError('forbidden', 'Cross-site requests are not allowed.', { reason });
}

function noSuchPage(): AppError {
  return new AppError('not_found', 'There is no such page.');
}
