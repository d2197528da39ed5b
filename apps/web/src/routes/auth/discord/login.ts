import { createFileRoute } from '@tanstack/react-router';
import { getServices } from '../../../server/services.ts';

/** `GET /auth/discord/login?returnTo=/path` → Discord's authorize page (code + PKCE + state). */
export const Route = createFileRoute('/auth/discord/login')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const { auth } = await getServices();
        const returnTo = new URL(request.url).searchParams.get('returnTo');
        const { location, setCookie } = await auth.beginLogin(returnTo);
        return new Response(null, { status: 302, headers: { location, 'set-cookie': setCookie, 'cache-control': 'no-store' } });
      },
    },
  },
});
