import { createFileRoute } from '@tanstack/react-router';
import { z } from 'zod';
import { authedApiRoute, json, readJson } from '../../../../server/http/api.ts';

/**
 * `GET /api/guilds/:id/settings`: a server's room settings, for its admins (Manage Server,
 * Administrator or owner, from Discord's roles); 403 for anyone else, 404 for a server the bot is
 * not in. `PUT` (CSRF-checked like every write): any of the fields, validated (400 per field).
 */
export const Route = createFileRoute('/api/guilds/$guildId/settings')({
  server: {
    handlers: {
      GET: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          const { guild, settings } = await services.guilds.settingsFor(session.userId, params.guildId);
          return json({ guild: { id: guild.id, name: guild.name, available: guild.available }, settings });
        }),
      PUT: ({ request, params }) =>
        authedApiRoute(request, 'Room', async ({ services, session }) => {
          // The body is only shaped here; GuildService validates the values (its 400s name each field).
          const body = await readJson(request, z.unknown());
          return json({ settings: await services.guilds.updateSettings(session.userId, params.guildId, body) });
        }),
    },
  },
});
