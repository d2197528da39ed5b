import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute } from '../../../../../server/http/api.ts';
import { parsePersonId, parseRoomId } from '../../../../../server/rooms/room-api.ts';

/** `DELETE /api/rooms/:id/people/:userId`: remove a player or spectator (host only); barred until new links. */
export const Route = createFileRoute('/api/rooms/$roomId/people/$userId')({
  server: {
    handlers: {
      DELETE: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          await services.rooms.remove(session, parseRoomId(params.roomId), parsePersonId(params.userId));
          return new Response(null, { status: 204 });
        }),
    },
  },
});
