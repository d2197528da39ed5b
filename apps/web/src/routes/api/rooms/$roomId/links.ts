import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json } from '../../../../server/http/api.ts';
import { parseRoomId } from '../../../../server/rooms/room-api.ts';

/** `POST /api/rooms/:id/links`: new player and spectator links (host only); every earlier link answers 410. */
export const Route = createFileRoute('/api/rooms/$roomId/links')({
  server: {
    handlers: {
      POST: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json(await services.rooms.rotateLinks(session, parseRoomId(params.roomId)))),
    },
  },
});
