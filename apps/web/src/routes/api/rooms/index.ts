import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json, readJson } from '../../../server/http/api.ts';
import { CreateRoomBody, createRoom } from '../../../server/rooms/room-api.ts';
import { parseRoomName } from '../../../server/rooms/room-creation.ts';

/**
 * `GET /api/rooms`: my rooms. `POST /api/rooms {name, guildId?}`: create one (201) in that server
 * (default: the home server): 400 for a server the bot is not in, 403 `not_a_member` / `rooms_off`.
 */
export const Route = createFileRoute('/api/rooms/')({
  server: {
    handlers: {
      GET: ({ request }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => json({ rooms: await services.rooms.listForUser(session.userId) })),
      POST: ({ request }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const body = await readJson(request, CreateRoomBody);
          // The name's 400 first (nothing asked of Discord for it), then where the room may go.
          parseRoomName(body.name);
          const { guildId } = await services.guilds.assertCanCreate(session.userId, body.guildId);
          return json(await createRoom(services.rooms, session, body.name, guildId), { status: 201 });
        }),
    },
  },
});
