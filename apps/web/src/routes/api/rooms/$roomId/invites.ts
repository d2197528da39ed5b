import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json } from '../../../../server/http/api.ts';
import { parseRoomId, roomInvites } from '../../../../server/rooms/room-api.ts';

/** `GET /api/rooms/:id/invites`: fresh 24-hour invite links (spectator link for the creator only). */
export const Route = createFileRoute('/api/rooms/$roomId/invites')({
  server: {
    handlers: {
      GET: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json(await roomInvites(services.rooms, session, parseRoomId(params.roomId)))),
    },
  },
});
