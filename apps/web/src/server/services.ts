import { DiscordGatewayClient, GatewayState } from '@repo/discord-gateway';
import { DiscordRestClient } from '@repo/discord-rest';
import type { Logger } from 'pino';
import { AuthService } from './auth/auth-service.ts';
import { DiscordOAuth } from './auth/discord-oauth.ts';
import { discordUserDirectory } from './auth/discord-users.ts';
import { SessionCookies } from './auth/session.ts';
import { WsTokens } from './auth/ws-token.ts';
import { type Clock, systemClock } from '@repo/platform';
import { loadConfig, type Config } from './config.ts';
import { createLogger, moduleLogger } from './log.ts';
import { Metrics } from './metrics.ts';
import { createInfrastructure } from './composition/infrastructure.ts';
import type { EventBus } from './realtime/event-bus.ts';
import { Hub } from './realtime/hub.ts';
import { CleanupJob } from './rooms/cleanup-job.ts';
import { GatewayRouter } from './rooms/gateway-router.ts';
import { InviteTokens } from './rooms/invite-token.ts';
import { GuildCapacity } from './rooms/guild-capacity.ts';
import { GuildInventory } from './rooms/guild-inventory.ts';
import { RoomDiscord } from './rooms/room-discord.ts';
import { RoomPlacement, ensureRoomsCategory } from './rooms/room-placement.ts';
import { RoomService } from './rooms/room-service.ts';
import { ReconcileDefaults, reconcileRooms } from './rooms/reconcile.ts';
import { RoomRestore } from './rooms/room-restore.ts';

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
  readonly discord: DiscordEndpoint;
  readonly rest: DiscordRestClient;
  readonly gateway: DiscordGatewayClient;
  readonly auth: AuthService;
  readonly wsTokens: WsTokens;
  readonly bus: EventBus;
  readonly hub: Hub;
  readonly rooms: RoomService;
  /** The rooms were read back from Discord after this start (room-restore.ts). */
  roomsRestored(): boolean;
  /** Where rooms go and how many more fit (Discord's channel and role limits). */
  readonly placement: RoomPlacement;
  readonly cleanup: CleanupJob;
  readonly metrics: Metrics;
  readonly infra: { kind: 'memory' | 'redis'; isGatewayHolder(): boolean; ping(): Promise<boolean> };
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
  const internal = moduleLogger(log, 'Internal');
  const cleanups: Array<() => Promise<void> | void> = [];
  const clock = systemClock;

  try {
    const discord = await resolveDiscord(config, log, cleanups);
    const infra = await createInfrastructure({ config, log, clock });
    cleanups.push(() => infra.close());

    // Metrics read from parts built below; the hooks reach it once it exists.
    let metrics: Metrics | undefined;
    const rest = new DiscordRestClient({
      botToken: discord.botToken,
      apiBaseUrl: discord.apiUrl,
      globalRequestsPerSecond: config.discordRestGlobalRps,
      // The Discord packages tag their own lines (`module` + a "[RateLimit]"-style prefix).
      logger: log,
      rateLimitStore: infra.rateLimits,
      onRequest: (event) => metrics?.restRequest(event),
      onRateLimit: (event) => metrics?.rateLimit(event),
      onRetry: (event) => metrics?.retry(event),
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
      refreshes: infra.refreshes,
      revocations: infra.revocations,
    });
    const wsTokens = new WsTokens(config.sessionSecret);

    const gateway = new DiscordGatewayClient({
      token: discord.botToken,
      guildIds: discord.guildId,
      restBaseUrl: discord.apiUrl,
      logger: log,
      sessionStore: infra.gatewaySessions,
    });
    const voice = infra.voiceView(gateway);
    const gatewayStatus = infra.gatewayStatus(gateway);

    const roomLog = moduleLogger(log, 'Room');
    const botUser = await rest.getBotUser();
    const categoryId = await ensureRoomsCategory(rest, discord.guildId, config.discord.roomsCategoryId, roomLog);
    // The Gateway's cache counts channels and roles when this instance holds it; otherwise REST does.
    const inventory = new GuildInventory({ guildId: discord.guildId, gateway: gateway.inventory, rest, clock });
    const placement = new RoomPlacement({
      guildId: discord.guildId,
      rest,
      inventory,
      capacity: new GuildCapacity(config.discordLimits),
      firstCategoryId: categoryId,
      log: roomLog,
    });
    const roomDiscord = new RoomDiscord({ rest, guildId: discord.guildId, botUserId: botUser.id, placement, inventory, log: roomLog });

    const bus = infra.bus;
    // Rooms are read back from Discord while the server already listens; requests wait for them.
    const restore = new RoomRestore({ clock, log: roomLog });
    const rooms = new RoomService({
      restore,
      store: infra.roomStore,
      discord: roomDiscord,
      voice,
      bus,
      invites: new InviteTokens(config.sessionSecret),
      guildId: discord.guildId,
      publicUrl: config.http.publicUrl,
      cdnUrl: discord.cdnUrl,
      clock,
      log: roomLog,
    });

    // Declared before the hub so the hub's viewer callback can reach it; assigned just below.
    let cleanup: CleanupJob | undefined;
    const hub = new Hub({
      log: moduleLogger(log, 'WS'),
      clock,
      verifyToken: (token) => wsTokens.verify(token, clock.now()),
      viewAccess: (roomId, userId) => rooms.viewAccess(roomId, userId),
      snapshot: (roomId) => rooms.snapshot(roomId),
      gatewayStatus: () => gatewayStatus.current(),
      onViewersChanged: (roomId, _viewers, arrived) => {
        if (arrived) void cleanup?.noteActivity(roomId);
      },
      onStat: (stat) => metrics?.hub(stat),
    });
    cleanup = new CleanupJob({
      rooms,
      // Someone in voice keeps a room alive. Viewing counts when it happens (a page opened, "Keep room
      // open" pressed: onViewersChanged above), not while a forgotten tab sits open: such a tab is
      // exactly who the 30 s warning is for.
      isActive: (room) => voice.membersIn(room.guildId, room.channelId).size > 0,
      leader: infra.leader,
      clock,
      log: roomLog,
      onRun: () => metrics?.cleanupRun(),
    });
    metrics = new Metrics({
      connections: () => hub.connectionCount,
      subscriptions: () => hub.subscriptionCount,
      rooms: () => infra.roomStore.count(),
      gateway,
      capacity: () => placement.status(),
      restInvalidRequests: () => rest.invalidRequestCount(),
    });

    bus.subscribe((message) => hub.deliver(message));
    bus.onRevocation((revocation) => hub.revoke(revocation));
    const router = new GatewayRouter(rooms, cleanup, roomLog);
    gateway.on('*', (event) => {
      metrics?.gatewayEvent(event);
      // With Redis only the lease holder routes, fenced (a stale holder's events are dropped).
      infra.routeGatewayEvent(event, () => router.handle(event));
    });

    hub.start();
    cleanups.push(() => hub.closeAll());

    // Only the lease holder connects to the Gateway (always this process without Redis).
    const gatewayInit = moduleLogger(log, 'Gateway Init');
    // A lease lost and won back: the new connection starts once the old one has written its session.
    let stopping: Promise<void> = Promise.resolve();
    infra.gatewayLease.start({
      onAcquired: (fencingToken) => {
        gatewayInit.info({ guildId: discord.guildId, fencingToken }, 'holding the Gateway lease: connecting to the Discord Gateway');
        // Read after the previous connection's stop has flushed its session: the seed must see it.
        const connecting = stopping.then(() => infra.gatewayStartOptions()).then((options) => {
          // The lease may have moved on while the start options were read.
          if (infra.gatewayLease.fencingToken() !== fencingToken) return;
          return gateway.start(options);
        });
        connecting.catch((error: unknown) => gatewayInit.error({ err: error }, 'the Gateway refused the bot; live voice presence is unavailable'));
      },
      onLost: () => {
        gatewayInit.warn('lost the Gateway lease: disconnecting (another instance takes over)');
        stopping = gateway.stop({ keepSession: true });
      },
    });
    cleanups.push(() => infra.gatewayLease.stop());
    cleanups.push(() => gateway.stop({ keepSession: infra.kind === 'redis' }));
    // R-ROOM8: the rooms are read back from Discord (reconcile.ts) without holding up the start; the
    // room service makes every request wait for it (room-restore.ts). It needs no Gateway: REST only.
    // With several instances one reads back at a time; another one starting meanwhile serves the
    // shared store as it is.
    const halfMadeGraceMs = infra.kind === 'redis' ? ReconcileDefaults.halfMadeGraceMs : 0;
    void restore
      .run(async () => {
        const ran = await infra.leader.runExclusive('reconcile', 60_000, () => reconcileRooms({ rooms, discord: roomDiscord, clock, log: roomLog, halfMadeGraceMs }).then(() => undefined));
        if (!ran) roomLog.info('another instance is reconciling the rooms with Discord; serving the shared store');
      })
      .then(() => {
        if (restore.ready) cleanup?.start();
      });
    cleanups.push(() => restore.stop());
    cleanups.push(() => cleanup?.stop());

    const services: Services = {
      instanceId: infra.instanceId,
      startedAt: clock.now(),
      config,
      clock,
      log,
      discord,
      rest,
      gateway,
      auth,
      wsTokens,
      bus,
      hub,
      rooms,
      roomsRestored: () => restore.ready,
      placement,
      cleanup,
      metrics,
      infra: { kind: infra.kind, isGatewayHolder: () => infra.gatewayLease.isHolder(), ping: () => infra.ping() },
      async shutdown() {
        internal.info('shutting down');
        for (const fn of cleanups.reverse()) await fn();
      },
    };
    internal.info(
      { instanceId: services.instanceId, env: config.env, discord: discord.kind, apiUrl: discord.apiUrl, emulatorUrl: discord.emulatorUrl, categoryId },
      'services ready',
    );
    return services;
  } catch (error) {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    throw error;
  }
}

export function gatewayStatusPayload(gateway: DiscordGatewayClient): { live: boolean; state: string } {
  const { state } = gateway.status();
  return { live: state === GatewayState.Connected, state };
}

async function resolveDiscord(config: Config, log: Logger, cleanups: Array<() => Promise<void> | void>): Promise<DiscordEndpoint> {
  const target = config.discord;
  if (target.kind === 'remote') {
    const { apiUrl, botToken, clientId, clientSecret, guildId } = target;
    // An emulator elsewhere (DISCORD_API_URL) serves avatars itself; discord.com uses its CDN.
    const cdnUrl = new URL(apiUrl).hostname === 'discord.com' ? 'https://cdn.discordapp.com' : new URL(apiUrl).origin;
    return { kind: 'discord', apiUrl, botToken, clientId, clientSecret, guildId, cdnUrl, emulatorUrl: undefined };
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
