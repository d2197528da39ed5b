import { createFileRoute } from '@tanstack/react-router';
import { wsTokenResponse } from '../../server/http/ws-token-route.ts';

/** `GET /api/ws-token` → `{ token, expiresAt }`. The server entry (src/server.ts) answers it first. */
export const Route = createFileRoute('/api/ws-token')({
  server: {
    handlers: {
      GET: ({ request }) => wsTokenResponse(request),
    },
  },
});
