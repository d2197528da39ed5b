import { createFileRoute } from '@tanstack/react-router';
import { publicUser } from '../../server/auth/session.ts';
import { addToDiscordUrl } from '../../server/guilds/bot-install.ts';
import { authedApiRoute, json } from '../../server/http/api.ts';

/** `GET /api/me` → the signed-in user's public profile (never tokens), the servers they may make rooms in, and the bot's install link; or 401 with a loginUrl. */
export const Route = createFileRoute('/api/me')({
  server: {
    handlers: {
      GET: ({ request }) =>
        authedApiRoute(request, 'Auth', async ({ services, session }) => {
          // The servers this user may make rooms in (home first), each with its capacity (issue 17);
          // signInAgain: a sign-in from before the `guilds` scope sees only the home server.
          const { guilds, signInAgain } = await services.guilds.listForUser(session);
          return json({
            user: publicUser(session, services.discord.cdnUrl),
            guilds,
            signInAgain,
            addToDiscordUrl: addToDiscordUrl(services.discord.clientId, `${new URL(services.discord.apiUrl).origin}/oauth2/authorize`),
          });
        }),
    },
  },
});
