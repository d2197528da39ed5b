import { randomBytes } from 'node:crypto';

/**
 * Response headers for every answer of the server entry (specs/auth.md, "Headers"). Pages get a
 * Content-Security-Policy that allows exactly what they load: our own scripts, styles and images,
 * avatars from Discord's CDN (the emulator in development), and the WebSocket at /api/ws.
 *
 * Scripts: Start's SSR writes a few inline scripts (the dehydrated router state, the stream
 * bootstrap). They carry a per-response nonce (the router's `ssr.nonce`, src/router.tsx), so no
 * `'unsafe-inline'` is needed for scripts in production.
 *
 * Style attributes (`style="width:28px"` on avatars) cannot carry a nonce; `style-src-attr
 * 'unsafe-inline'` allows those and only those: `<style>` elements still need the nonce.
 *
 * Development (Vite): the dev server injects inline scripts (the React refresh preamble) and
 * `<style>` elements (CSS hot updates) that carry no nonce, so the dev policy allows inline
 * scripts and styles; everything else is as strict as in production.
 */
export interface CspSources {
  /** Where avatar images come from (an origin): Discord's CDN, or the emulator. */
  imageOrigin: string;
  /** The WebSocket endpoint's origin (`ws://…` or `wss://…` of PUBLIC_URL). */
  websocketOrigin: string;
  development: boolean;
}

/** 128 random bits, fresh for every page (CSP3 asks for at least 128). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string, sources: CspSources): string {
  const inline = sources.development ? "'unsafe-inline'" : `'nonce-${nonce}'`;
  return [
    "default-src 'none'",
    `script-src 'self' ${inline}`,
    `style-src 'self' ${inline}`,
    "style-src-attr 'unsafe-inline'",
    `img-src 'self' ${sources.imageOrigin}`,
    `connect-src 'self' ${sources.websocketOrigin}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP sources for an app served at `publicUrl` with avatars from `cdnUrl`. */
export function cspSources(publicUrl: URL, cdnUrl: string, development: boolean): CspSources {
  const websocketOrigin = `${publicUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicUrl.host}`;
  return { imageOrigin: new URL(cdnUrl).origin, websocketOrigin, development };
}

/**
 * Sets the headers on `response` (a copy when its headers are immutable, as `Response.redirect`'s
 * are). Every answer: nosniff, same-origin referrers (invite tokens travel in paths), no framing.
 * HTML pages, in addition: the CSP and `no-store`, since every page is rendered for its viewer
 * (the header shows who is signed in, invite pages hold tokens) and none may be cached.
 */
export function withSecurityHeaders(response: Response, page: { nonce: string; sources: CspSources }): Response {
  const html = (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html');
  return setHeaders(response, (headers) => {
    setBaseHeaders(headers);
    if (html) {
      headers.set('content-security-policy', contentSecurityPolicy(page.nonce, page.sources));
      headers.set('cache-control', 'no-store');
    }
  });
}

/** The headers every answer gets, pages or not: for the client assets the production server serves itself. */
export function withBaseSecurityHeaders(response: Response): Response {
  return setHeaders(response, setBaseHeaders);
}

function setBaseHeaders(headers: Headers): void {
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'same-origin');
  headers.set('x-frame-options', 'DENY');
}

function setHeaders(response: Response, set: (headers: Headers) => void): Response {
  try {
    set(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    set(copy.headers);
    return copy;
  }
}
