import { createFileRoute } from '@tanstack/react-router';
import { getServices } from '../../server/services.ts';

/** `POST /auth/logout` clears the session cookie and returns to the lobby. */
export const Route = createFileRoute('/auth/logout')({
  server: {
    handlers: {
      POST: async () => {
        const { auth } = await getServices();
        return new Response(null, { status: 303, headers: { location: '/', 'set-cookie': auth.logout(), 'cache-control': 'no-store' } });
      },
    },
  },
});
