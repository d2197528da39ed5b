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
          // A player seat needs the room's server (issue 17): RoomSeating asks GuildService.admission.
          return json(await redeemInvite(services.rooms, session, token));
        }),
    },
  },
});
