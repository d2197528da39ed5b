/**
 * The one CSRF rule, for every write on every door: the JSON API (`authedApiRoute`), server
 * functions (Start's CSRF middleware, src/start.ts) and `POST /auth/logout`; the server entry
 * applies it to every request before Start sees it (request-guard.ts). Free of imports: the
 * browser bundle loads src/start.ts. SameSite=Lax already keeps the session cookie off cross-site POSTs; this refuses what
 * Lax lets through (same-site subdomains, top-level navigations, browsers without SameSite).
 *
 * - `Origin` present: it must be the app's own origin, character for character (scheme, host,
 *   port). Browsers serialize it as `URL.origin` does, so no normalization is needed, and any
 *   look-alike (`…:3000.evil.com`, `…:30000`, `https` for `http`, `null`, a trailing slash) differs.
 * - no `Origin`: `Sec-Fetch-Site` must say `same-origin`.
 * - neither header: refused. No non-browser client of these routes exists (see specs/auth.md);
 *   a script must send the app's Origin like a browser does.
 * - when both are present they must agree: a browser never sends the app's Origin with a
 *   cross-site `Sec-Fetch-Site`, so such a request did not come from a page of ours.
 */
export type CsrfRefusal = 'foreign_origin' | 'cross_site' | 'no_origin';
export type CsrfVerdict = { ok: true } | { ok: false; reason: CsrfRefusal };

/** GET and HEAD change nothing here, so only the other methods are writes. */
export function isWrite(method: string): boolean {
  const m = method.toUpperCase();
  return m !== 'GET' && m !== 'HEAD';
}

export function checkSameOrigin(headers: Headers, appOrigin: string): CsrfVerdict {
  const origin = headers.get('origin');
  const fetchSite = headers.get('sec-fetch-site');
  if (origin !== null) {
    if (origin !== appOrigin) return { ok: false, reason: 'foreign_origin' };
    if (fetchSite !== null && fetchSite !== 'same-origin') return { ok: false, reason: 'cross_site' };
    return { ok: true };
  }
  if (fetchSite === null) return { ok: false, reason: 'no_origin' };
  return fetchSite === 'same-origin' ? { ok: true } : { ok: false, reason: 'cross_site' };
}
