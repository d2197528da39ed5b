import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json, readJson } from '../../../../server/http/api.ts';
import { PatchRoomBody, parseRoomId, patchRoom, roomDetails } from '../../../../server/rooms/room-api.ts';

/**
 * `GET /api/rooms/:id`: room, players and who is in voice (members only). `PATCH {name?, locked?}`:
 * rename and/or lock (host only). `DELETE`: close (host only, idempotent).
 */
export const Route = createFileRoute('/api/rooms/$roomId/')({
  server: {
    handlers: {
      GET: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json(await roomDetails(services.rooms, session, parseRoomId(params.roomId)))),
      PATCH: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const roomId = parseRoomId(params.roomId);
          return json(await patchRoom(services.rooms, session, roomId, await readJson(request, PatchRoomBody)));
        }),
      DELETE: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          await services.rooms.closeByUser(session, parseRoomId(params.roomId));
          return new Response(null, { status: 204 });
        }),
    },
  },
});
