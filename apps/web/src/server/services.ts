import { randomUUID } from 'node:crypto';
import { DiscordRestClient } from '@repo/discord-rest';
import type { Logger } from 'pino';
import { AuthService } from './auth/auth-service.ts';
import { DiscordOAuth } from './auth/discord-oauth.ts';
import { discordUserDirectory } from './auth/discord-users.ts';
import { SessionCookies } from './auth/session.ts';
import { WsTokens } from './auth/ws-token.ts';
import { type Clock, systemClock } from './clock.ts';
import { loadConfig, type Config } from './config.ts';
import { createLogger, moduleLogger } from './log.ts';
import { Hub } from './realtime/hub.ts';

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

export interface Services {
  /** Distinguishes instances in logs and health output; new on every process start. */
  readonly instanceId: string;
  readonly startedAt: number;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hub: Hub;
  readonly discord: DiscordEndpoint;
  readonly rest: DiscordRestClient;
  readonly auth: AuthService;
  readonly wsTokens: WsTokens;
  shutdown(): Promise<void>;
}

/**
 * The composition root: the only place that builds the object graph. It runs once per process and
 * the result lives on globalThis, so Vite's dev reloads (which re-evaluate modules) and the
 * production entry (which loads the WebSocket hooks beside Start's handler) all share one graph.
 */
const GLOBAL_KEY = Symbol.for('spell-rooms.services');
type GlobalWithServices = typeof globalThis & { [GLOBAL_KEY]?: Promise<Services> };

export function getServices(): Promise<Services> {
  const g = globalThis as GlobalWithServices;
  g[GLOBAL_KEY] ??= buildServices().catch((error: unknown) => {
    // Let a later call try again (e.g. after fixing .env in dev) instead of caching the failure.
    delete g[GLOBAL_KEY];
    throw error;
  });
  return g[GLOBAL_KEY];
}

async function buildServices(): Promise<Services> {
  const config = loadConfig();
  const log = createLogger(config);
  const init = moduleLogger(log, 'Internal');
  const cleanups: Array<() => Promise<void> | void> = [];

  const clock = systemClock;
  const discord = await resolveDiscord(config, log, cleanups);

  const rest = new DiscordRestClient({
    botToken: discord.botToken,
    apiBaseUrl: discord.apiUrl,
    logger: moduleLogger(log, 'RateLimit'),
  });
  cleanups.push(() => rest.close());

  const auth = new AuthService({
    cookies: new SessionCookies(config.sessionSecret, { secure: config.http.publicUrl.protocol === 'https:' }),
    oauth: new DiscordOAuth({
      clientId: discord.clientId,
      clientSecret: discord.clientSecret,
      redirectUri: new URL('/auth/discord/callback', config.http.publicUrl).toString(),
      apiUrl: discord.apiUrl,
    }),
    users: discordUserDirectory(rest, discord.guildId),
    log: moduleLogger(log, 'Auth'),
    now: () => clock.now(),
  });
  const wsTokens = new WsTokens(config.sessionSecret);

  const hub = new Hub({ log: moduleLogger(log, 'WS') });
  cleanups.push(() => hub.closeAll());

  const services: Services = {
    instanceId: randomUUID(),
    startedAt: Date.now(),
    config,
    clock,
    log,
    hub,
    discord,
    rest,
    auth,
    wsTokens,
    async shutdown() {
      init.info('shutting down');
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
  init.info(
    { instanceId: services.instanceId, env: config.env, discord: discord.kind, apiUrl: discord.apiUrl, emulatorUrl: discord.emulatorUrl },
    'services ready',
  );
  return services;
}

async function resolveDiscord(
  config: Config,
  log: Logger,
  cleanups: Array<() => Promise<void> | void>,
): Promise<DiscordEndpoint> {
  const target = config.discord;
  if (target.kind === 'remote') {
    const { apiUrl, botToken, clientId, clientSecret, guildId } = target;
        // An emulator elsewhere (DISCORD_API_URL) serves avatars itself; discord.com uses its CDN.
    const cdnUrl = new URL(apiUrl).hostname === 'discord.com' ? 'https://cdn.discordapp.com' : new URL(apiUrl).origin;
    return { kind: 'discord', apiUrl, botToken, clientId, clientSecret, guildId, cdnUrl, emulatorUrl: undefined };
  }
  // Loaded lazily so a production deployment with a real bot token never starts (or even loads) it.
  const { startEmulator } = await import('@repo/discord-emulator');
  const emulator = await startEmulator({ port: target.emulatorPort, host: '127.0.0.1' });
  cleanups.push(() => emulator.close());
  moduleLogger(log, 'Emulator').info(
    { url: emulator.url, controlPanel: `${emulator.url}/_emulator/` },
    'no DISCORD_BOT_TOKEN: the bundled Discord emulator is running in this process',
  );
  return {
    kind: 'embedded-emulator',
    apiUrl: emulator.apiUrl,
    botToken: emulator.botToken,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    guildId: emulator.guildId,
    cdnUrl: emulator.url,
    emulatorUrl: emulator.url,
  };
}
