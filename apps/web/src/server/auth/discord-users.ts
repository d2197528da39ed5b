import type { DiscordRestClient } from '@repo/discord-rest';
import type { DiscordUserDirectory } from './auth-service.ts';

/** Sign-in's view of Discord, on the one REST client (rate limits and retries included). */
export function discordUserDirectory(rest: DiscordRestClient, guildId: string): DiscordUserDirectory {
  return {
    async getCurrentUser(accessToken) {
      const user = await rest.getCurrentUser(accessToken);
      return { id: user.id, username: user.username, globalName: user.global_name ?? null, avatar: user.avatar ?? null };
    },
    async ensureGuildMember(userId, accessToken) {
      const result = await rest.addGuildMember(guildId, userId, { accessToken }, { auditLogReason: 'Signed in to Spell Rooms' });
      return result.outcome === 'added' ? 'added' : 'already-member';
    },
  };
}
