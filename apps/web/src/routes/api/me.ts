import { createFileRoute } from '@tanstack/react-router';
import { publicUser } from '../../server/auth/session.ts';
import { authedApiRoute, json } from '../../server/http/api.ts';

/** `GET /api/me` → the signed-in user's public profile (never tokens), or 401 with a loginUrl. */
export const Route = createFileRoute('/api/me')({
  server: {
    handlers: {
      GET: ({ request }) => authedApiRoute(request, 'Auth', async ({ services, session }) => json({ user: publicUser(session, services.discord.cdnUrl) })),
    },
  },
});
