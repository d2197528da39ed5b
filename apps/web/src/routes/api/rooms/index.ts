import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json, readJson } from '../../../server/http/api.ts';
import { CreateRoomBody, createRoom } from '../../../server/rooms/room-api.ts';

/** `GET /api/rooms`: my rooms. `POST /api/rooms {name}`: create one (201). */
export const Route = createFileRoute('/api/rooms/')({
  server: {
    handlers: {
      GET: ({ request }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json({ rooms: await services.rooms.listForUser(session.userId) })),
      POST: ({ request }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const body = await readJson(request, CreateRoomBody);
          return json(await createRoom(services.rooms, session, body.name), { status: 201 });
        }),
    },
  },
});
