import { HeadContent, Link, Outlet, Scripts, createRootRoute } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { GatewayBanner } from '../components/gateway-banner.tsx';
import { UserMenu } from '../components/user-menu.tsx';
import { RealtimeProvider } from '../hooks/realtime.tsx';
import { getCurrentUser } from '../server/session.functions.ts';
import appCss from '../styles.css?url';

export const Route = createRootRoute({
  head: () => ({
    meta: [
      { charSet: 'utf-8' },
      { name: 'viewport', content: 'width=device-width, initial-scale=1' },
      { title: 'Spell Rooms' },
      { name: 'description', content: 'Game rooms for remote card games, wired live to Discord voice.' },
    ],
    links: [{ rel: 'stylesheet', href: appCss }],
    // Zod compiles object parsers with `new Function` where it may, deciding as each schema is
    // built, and its probe for eval (a caught `Function('')`) is itself a CSP violation under our
    // policy. This runs before the app's modules (an inline script, stamped with the page's nonce),
    // so the browser's zod never tries; the server keeps its compiled parsers.
    scripts: [{ children: 'globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true })' }],
  }),
  loader: () => getCurrentUser(),
  component: RootComponent,
});

function RootComponent() {
  const user = Route.useLoaderData();
  return (
    <RootDocument>
      {/* One live connection per tab, for signed-in users, shared by every page (R-RT8). */}
      <RealtimeProvider enabled={user !== null}>
        <header className="border-b border-zinc-800">
          <div className="mx-auto flex max-w-5xl items-center justify-between px-4 py-3">
            <Link to="/" className="flex items-center gap-2 text-lg font-semibold">
              <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-blurple text-base">
                ♠
              </span>
              Spell Rooms
            </Link>
            <UserMenu user={user} />
          </div>
        </header>
        <GatewayBanner />
        <Outlet />
      </RealtimeProvider>
    </RootDocument>
  );
}

function RootDocument({ children }: Readonly<{ children: ReactNode }>) {
  return (
    <html lang="en">
      <head>
        <HeadContent />
      </head>
      <body>
        {children}
        <Scripts />
      </body>
    </html>
  );
}
