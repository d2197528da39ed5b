import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json, readJson } from '../../../../server/http/api.ts';
import { HandOverBody, handOver, parseRoomId } from '../../../../server/rooms/room-api.ts';

/** `PUT /api/rooms/:id/host {userId}`: hand hosting to a seated player (host only). */
export const Route = createFileRoute('/api/rooms/$roomId/host')({
  server: {
    handlers: {
      PUT: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const roomId = parseRoomId(params.roomId);
          const { userId } = await readJson(request, HandOverBody);
          return json(await handOver(services.rooms, session, roomId, userId));
        }),
    },
  },
});
