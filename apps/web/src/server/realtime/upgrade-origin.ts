/**
 * The Origin rule of the `/api/ws` upgrade (R-RT7), against cross-site WebSocket hijacking.
 *
 * A browser sends the Origin of the page opening the socket, serialized one way only:
 * `scheme://host[:port]`, lowercase, default port dropped, no path (the HTML/Fetch "ASCII
 * serialization of an origin"); a page cannot change it. So the header must equal an allowed origin
 * exactly: anything else, however close (`http://localhost:3000.evil.com`, `http://localhost:30000`,
 * a trailing slash, another scheme or case), is another origin or was not written by a browser.
 *
 * `Origin: null` comes from browsers too (sandboxed frames, `file:` pages, cross-origin redirects):
 * an opaque origin is nobody we trust, refused.
 *
 * No Origin header at all is allowed: browsers always send one on a WebSocket handshake (RFC 6455
 * §4.1), so its absence means a non-browser client (the bench, a bot, `wscat`), which could send any
 * Origin it liked anyway. Such a client carries no victim's cookies into the socket either: the
 * socket is authenticated by a token in its first frame, and only a same-origin page can fetch one.
 */
export function createUpgradeOriginCheck(allowed: readonly string[]): (origin: string | null) => boolean {
  const origins = new Set(allowed.map(asBrowserSendsIt));
  return (origin) => origin === null || (origin !== 'null' && origins.has(origin));
}

/**
 * A configured origin as a browser serializes it (`https://Rooms.example.com/` → `https://rooms.example.com`),
 * so operators may write either. A value that is no URL stays as it is: no browser sends it.
 */
function asBrowserSendsIt(configured: string): string {
  try {
    return new URL(configured).origin;
  } catch {
    return configured;
  }
}
