import { createFileRoute } from '@tanstack/react-router';
import { getServices } from '../../server/services.ts';

/**
 * `POST /auth/logout` ends the sign-in (its session id is revoked on every instance) and clears
 * the cookie, then returns to the lobby. A cross-site POST never gets here: the server entry's
 * CSRF rule refuses it (403), so no other site can sign a user out.
 */
export const Route = createFileRoute('/auth/logout')({
  server: {
    handlers: {
      POST: async ({ request }) => {
        const { auth } = await getServices();
        const clear = await auth.logout(request.headers.get('cookie'));
        return new Response(null, { status: 303, headers: { location: '/', 'set-cookie': clear, 'cache-control': 'no-store' } });
      },
    },
  },
});
