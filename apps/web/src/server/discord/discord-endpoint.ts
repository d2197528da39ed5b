// How this app reaches Discord: where it is (discord.com, an emulator elsewhere, or the emulator
// started inside this process), the one REST client of the bot token, and that token's REST budget
// shared across instances (redis-rate-limit-store.ts). The Discord packages know nothing of rooms;
// this part only connects them to this app's configuration.
import { DiscordRestClient, type DiscordRestHooks, type RateLimitStateStore } from '@repo/discord-rest';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { moduleLogger } from '../log.ts';

/** Discord as this process reaches it, once any embedded emulator is up. */
export interface DiscordEndpoint {
  kind: 'discord' | 'embedded-emulator';
  apiUrl: string;
  botToken: string;
  clientId: string;
  clientSecret: string;
  guildId: string;
  /** Where avatars are served: Discord's CDN, or the emulator. */
  cdnUrl: string;
  /** The emulator's own URL (control panel, authorize page) when it runs in this process. */
  emulatorUrl: string | undefined;
}

/**
 * Where Discord is. With a bot token: as configured. Without one, in development: the bundled
 * emulator, started here; `close` stops it (a no-op otherwise).
 */
export async function resolveDiscordEndpoint(config: Config, log: Logger): Promise<{ endpoint: DiscordEndpoint; close(): Promise<void> }> {
  const target = config.discord;
  if (target.kind === 'remote') {
    const { apiUrl, botToken, clientId, clientSecret, guildId } = target;
    // An emulator elsewhere (DISCORD_API_URL) serves avatars itself; discord.com uses its CDN.
    const cdnUrl = new URL(apiUrl).hostname === 'discord.com' ? 'https://cdn.discordapp.com' : new URL(apiUrl).origin;
    return { endpoint: { kind: 'discord', apiUrl, botToken, clientId, clientSecret, guildId, cdnUrl, emulatorUrl: undefined }, close: async () => undefined };
  }
  // Loaded lazily so a production deployment with a real bot token never starts (or even loads) it.
  const { startEmulator } = await import('@repo/discord-emulator');
  // The embedded emulator enforces the limits the app plans within, so lowering DISCORD_MAX_* in
  // development shows spill-over and a full server by hand; DISCORD_RESOURCE_LIMITS=off lifts both.
  const { channelsPerCategory, channelsPerGuild, rolesPerGuild } = config.discordLimits;
  const emulator = await startEmulator({
    port: target.emulatorPort,
    host: '127.0.0.1',
    ...(config.discordResourceLimits === 'off' ? { resourceLimits: 'off' } : { limits: { channelsPerCategory, channelsPerGuild, rolesPerGuild } }),
  });
  moduleLogger(log, 'Emulator').info(
    { url: emulator.url, controlPanel: `${emulator.url}/_emulator/` },
    'no DISCORD_BOT_TOKEN: the bundled Discord emulator is running in this process',
  );
  return {
    endpoint: {
      kind: 'embedded-emulator',
      apiUrl: emulator.apiUrl,
      botToken: emulator.botToken,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      guildId: emulator.guildId,
      cdnUrl: emulator.url,
      emulatorUrl: emulator.url,
    },
    close: () => emulator.close(),
  };
}

/** The bot token's one REST client: Discord's global limit from config, its budget from `rateLimits`. */
export function createRestClient(options: { endpoint: DiscordEndpoint; config: Config; log: Logger; rateLimits: RateLimitStateStore; hooks: DiscordRestHooks }): DiscordRestClient {
  const { endpoint, config, log, rateLimits, hooks } = options;
  return new DiscordRestClient({
    botToken: endpoint.botToken,
    apiBaseUrl: endpoint.apiUrl,
    globalRequestsPerSecond: config.discordRestGlobalRps,
    // The Discord packages tag their own lines (`module` + a "[RateLimit]"-style prefix).
    logger: log,
    rateLimitStore: rateLimits,
    ...hooks,
  });
}
