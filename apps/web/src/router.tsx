import { createRouter } from '@tanstack/react-router';
import { getGlobalStartContext } from '@tanstack/react-start';
import { ErrorPage } from './components/error-page.tsx';
import { NotFoundPage } from './components/not-found-page.tsx';
import { routeTree } from './routeTree.gen.ts';

export function getRouter() {
  return createRouter({
    routeTree,
    scrollRestoration: true,
    defaultPreload: 'intent',
    defaultErrorComponent: ErrorPage,
    defaultNotFoundComponent: NotFoundPage,
    // Start stamps this nonce on the inline scripts and styles it renders; the page's CSP allows it
    // (src/server.ts). In the browser the router reads it back from the page.
    ssr: { nonce: requestNonce() },
  });
}

/** The CSP nonce the server entry put in this request's context (server side; undefined in the browser). */
function requestNonce(): string | undefined {
  try {
    const nonce = (getGlobalStartContext() as { nonce?: unknown } | undefined)?.nonce;
    return typeof nonce === 'string' ? nonce : undefined;
  } catch {
    // Not inside a request (no context yet): nothing to stamp.
    return undefined;
  }
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof getRouter>;
  }
}
