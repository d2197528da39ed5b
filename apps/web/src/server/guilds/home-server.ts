import type { DiscordRestClient } from '@repo/discord-rest';
import type { Logger } from 'pino';

/**
 * The home server (issue 17): DISCORD_GUILD_ID when set; otherwise the oldest server the bot is in
 * (GET /users/@me/guilds, oldest first), so a deployment can start from nothing but the bot's
 * credentials. The home server is the create form's default and where sign-in adds people. A bot
 * in no server yet cannot run rooms: the start fails, saying how to install it.
 */
export async function resolveHomeServer(configured: string, rest: Pick<DiscordRestClient, 'getBotGuilds'>, log: Logger): Promise<string> {
  if (configured) return configured;
  const [oldest] = await rest.getBotGuilds({ limit: 1 });
  if (!oldest) {
    throw new Error(
      'DISCORD_GUILD_ID is not set and the bot is in no Discord server yet: add it to one with the link in README "Installing the bot in more servers", or set DISCORD_GUILD_ID.',
    );
  }
  log.info({ guildId: oldest.id, name: oldest.name }, 'no DISCORD_GUILD_ID: the home server is the oldest server the bot is in');
  return oldest.id;
}
