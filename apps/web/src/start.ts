import { createCsrfMiddleware, createServerOnlyFn, createStart } from '@tanstack/react-start';
import { checkSameOrigin, isWrite } from './server/http/csrf.ts';

/**
 * Start's own options. Its CSRF middleware for server functions applies our one rule
 * (server/http/csrf.ts) instead of Start's default (which ranks Sec-Fetch-Site first, compares
 * Origin with the request's URL rather than PUBLIC_URL, falls back to Referer, and refuses GET calls
 * too). The server entry has already refused a failing write before Start runs; this keeps the rule
 * where Start looks for one, so server functions reached another way stay covered.
 */
const appOrigin = createServerOnlyFn(async (): Promise<string> => {
  const { getServices } = await import('./server/services.ts');
  return (await getServices()).config.http.publicUrl.origin;
});

// Start asks Sec-Fetch-Site first, Origin next, Referer last (turned off here); each matcher runs
// the whole rule on the request's headers, so the order does not matter.
const sameOrigin = async (_value: string, ctx: { request: Request }): Promise<boolean> => checkSameOrigin(ctx.request.headers, await appOrigin()).ok;

const csrf = createCsrfMiddleware({
  filter: (ctx) => ctx.handlerType === 'serverFn' && isWrite(ctx.request.method),
  secFetchSite: sameOrigin,
  origin: sameOrigin,
  referer: false,
  failureResponse: () => Response.json({ error: { kind: 'forbidden', message: 'Cross-site requests are not allowed.' } }, { status: 403, headers: { 'cache-control': 'no-store' } }),
});

export const startInstance = createStart(() => ({ requestMiddleware: [csrf] }));
