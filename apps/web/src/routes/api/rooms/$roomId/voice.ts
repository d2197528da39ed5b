import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json } from '../../../../server/http/api.ts';
import { parseRoomId } from '../../../../server/rooms/room-api.ts';

/** `POST /api/rooms/:id/voice`: move me into the room's voice channel, or get a link that opens it in Discord. */
export const Route = createFileRoute('/api/rooms/$roomId/voice')({
  server: {
    handlers: {
      POST: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json(await services.rooms.joinVoice(session, parseRoomId(params.roomId)))),
    },
  },
});
