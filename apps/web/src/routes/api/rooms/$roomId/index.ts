import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json } from '../../../../server/http/api.ts';
import { parseRoomId, roomDetails } from '../../../../server/rooms/room-api.ts';

/** `GET /api/rooms/:id`: room, players and who is in voice (members only). `DELETE`: close (creator only, idempotent). */
export const Route = createFileRoute('/api/rooms/$roomId/')({
  server: {
    handlers: {
      GET: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json(await roomDetails(services.rooms, session, parseRoomId(params.roomId)))),
      DELETE: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          await services.rooms.closeByUser(session, parseRoomId(params.roomId));
          return new Response(null, { status: 204 });
        }),
    },
  },
});
