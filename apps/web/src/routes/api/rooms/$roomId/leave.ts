import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute } from '../../../../server/http/api.ts';
import { parseRoomId } from '../../../../server/rooms/room-api.ts';

/** `POST /api/rooms/:id/leave`: give my seat back (a host's hosting passes on; the only player closes the room). */
export const Route = createFileRoute('/api/rooms/$roomId/leave')({
  server: {
    handlers: {
      POST: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          await services.rooms.leave(session, parseRoomId(params.roomId));
          return new Response(null, { status: 204 });
        }),
    },
  },
});
