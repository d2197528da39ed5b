import { readdirSync } from 'node:fs';
import type { ServerMiddleware } from 'srvx';
import { staticMiddleware } from 'srvx/static';

/**
 * srvx's static middleware for the built client (dist/client), asked only for paths that can be
 * there: srvx's own middleware stat()s the disk for every GET, which was ~8 % of the app's CPU in a
 * connect storm (every `GET /api/ws-token` and page looked for a file first). The build output does
 * not change while the server runs, so its top-level names (`assets`, `favicon.ico`, …) are read
 * once; `/api/*`, `/auth/*` and page routes go straight to Start.
 */
export function clientAssets(dir: string): ServerMiddleware {
  const serve = staticMiddleware({ dir });
  const topLevel = new Set(readdirSync(dir));
  return (request, next) => {
    const { pathname } = new URL(request.url);
    const end = pathname.indexOf('/', 1);
    const first = decodeSegment(end === -1 ? pathname.slice(1) : pathname.slice(1, end));
    return first !== undefined && topLevel.has(first) ? serve(request, next) : next();
  };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
