import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json } from '../../server/http/api.ts';

/** `GET /api/ws-token` → `{ token, expiresAt }`: a 5-minute JWT for the first WebSocket frame. */
export const Route = createFileRoute('/api/ws-token')({
  server: {
    handlers: {
      GET: ({ request }) =>
        authedApiRoute(request, 'Auth', async ({ services, session }) => json(await services.wsTokens.issue(session.userId, services.clock.now()))),
    },
  },
});
