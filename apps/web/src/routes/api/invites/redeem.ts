import { createFileRoute } from '@tanstack/react-router';
import { authedApiRoute, json, readJson } from '../../../server/http/api.ts';
import { RedeemBody, redeemInvite } from '../../../server/rooms/room-api.ts';

/** `POST /api/invites/redeem {token}`: join the room an invite link points to. */
export const Route = createFileRoute('/api/invites/redeem')({
  server: {
    handlers: {
      POST: ({ request }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const { token } = await readJson(request, RedeemBody);
          // In the room's server first (issue 17): added with guilds.join, or told to join on Discord.
          const { room } = await services.rooms.openInvite(token, session.userId);
          await services.guilds.admit(session, room.guildId);
          return json(await redeemInvite(services.rooms, session, token));
        }),
    },
  },
});
