import { createServerFn } from '@tanstack/react-start';
import { z } from 'zod';
import { requireSession } from './auth/request-session.ts';
import { errorBody, logAppError } from './errors.ts';
import type { GuildCategory } from './guilds/guild-service.ts';
import type { GuildSettings } from './guilds/guild-settings.ts';
import { moduleLogger } from './log.ts';
import type { PageError } from './rooms.functions.ts';
import { getServices } from './services.ts';

export type ServerSettingsPageData =
  | {
      ok: true;
      guild: { id: string; name: string; available: boolean };
      settings: GuildSettings;
      categories: GuildCategory[];
      /** The most a reserve may keep free (Discord's per-server limits less one room). */
      maxReserve: { channels: number; roles: number };
    }
  | { ok: false; error: PageError };

/**
 * `/servers/$guildId/settings`: a server's settings for its admins, the same GuildService rules as
 * GET /api/guilds/:id/settings (403 `not_an_admin`, 404 for a server the bot is not in), answered
 * as a value so the page can say which. Saving is the page's PUT to the JSON API.
 */
export const getServerSettingsPage = createServerFn({ method: 'GET' })
  .validator((value: unknown) => {
    const parsed = z.object({ guildId: z.string().max(32) }).safeParse(value);
    if (!parsed.success) throw Object.assign(new Error('The input is not valid.'), { status: 400 });
    return parsed.data;
  })
  .handler(async ({ data }): Promise<ServerSettingsPageData> => {
    const services = await getServices();
    try {
      const me = await requireSession(services.auth, `/servers/${encodeURIComponent(data.guildId)}/settings`);
      const { guild, settings, categories } = await services.guilds.settingsPage(me.userId, data.guildId);
      const limits = services.config.discordLimits;
      return {
        ok: true,
        guild: { id: guild.id, name: guild.name, available: guild.available },
        settings,
        categories,
        maxReserve: { channels: limits.channelsPerGuild - 2, roles: limits.rolesPerGuild - 1 },
      };
    } catch (thrown) {
      const error = logAppError(thrown, moduleLogger(services.log, 'Room'));
      const { kind, message, loginUrl, reason } = errorBody(error).error;
      return { ok: false, error: { status: error.status, kind, message, ...(loginUrl ? { loginUrl } : {}), ...(reason !== undefined ? { reason } : {}) } };
    }
  });

export type JoinServerLink = { ok: true; name: string; url: string | null } | { ok: false; error: PageError };

/**
 * For an invite refused with `join_server_first`: the room's server and a Discord invite to it
 * (discord.gg on discord.com; the emulator's own address otherwise, where invites are not redeemable).
 */
export const getJoinServerLink = createServerFn({ method: 'GET' })
  .validator((value: unknown) => {
    const parsed = z.object({ token: z.string().max(2_000) }).safeParse(value);
    if (!parsed.success) throw Object.assign(new Error('The input is not valid.'), { status: 400 });
    return parsed.data;
  })
  .handler(async ({ data }): Promise<JoinServerLink> => {
    const services = await getServices();
    try {
      const me = await requireSession(services.auth, `/invite/${encodeURIComponent(data.token)}`);
      const { room } = await services.rooms.openInvite(data.token, me.userId);
      const origin = new URL(services.discord.apiUrl).origin;
      const base = new URL(origin).hostname === 'discord.com' ? 'https://discord.gg' : `${origin}/invite`;
      const link = await services.guilds.joinLink(room.guildId, base);
      if (!link) return { ok: false, error: { status: 404, kind: 'not_found', message: 'The bot is not in that server any more.' } };
      return { ok: true, name: link.name, url: link.url || null };
    } catch (thrown) {
      const error = logAppError(thrown, moduleLogger(services.log, 'Room'));
      const { kind, message, loginUrl, reason } = errorBody(error).error;
      return { ok: false, error: { status: error.status, kind, message, ...(loginUrl ? { loginUrl } : {}), ...(reason !== undefined ? { reason } : {}) } };
    }
  });
