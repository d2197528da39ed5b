// The composition root: the one place that builds the object graph (wire.ts, with no I/O) and
// starts it in numbered steps (this file). The memory-or-Redis parts it chooses between are in
// infrastructure.ts and redis-infrastructure.ts; services.ts keeps one started graph per process.
import { readGatewayBot, shardCountOf } from '@repo/discord-gateway';
import { type Clock, systemClock } from '@repo/platform';
import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.ts';
import type { WsTokens } from '../auth/ws-token.ts';
import { type Config, loadConfig } from '../config.ts';
import { type DiscordEndpoint, createRestClient, resolveDiscordEndpoint } from '../discord/discord-endpoint.ts';
import { type Health, checkHealth } from '../health.ts';
import { createLogger, moduleLogger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import { resolveHomeServer } from '../guilds/home-server.ts';
import type { GuildService } from '../guilds/guild-service.ts';
import type { Hub } from '../realtime/hub.ts';
import { ReconcileDefaults, reconcileRooms } from '../rooms/reconcile.ts';
import { ensureRoomsCategory } from '../rooms/room-placement.ts';
import type { RoomService } from '../rooms/room-service.ts';
import { type Infrastructure, memoryInfrastructure } from './infrastructure.ts';
import { type Wired, wireServices } from './wire.ts';

/**
 * What the doors (routes, server functions, the WebSocket entry) use, from getServices(). Server
 * modules never receive it whole: the wiring hands each one what it uses.
 */
export interface Services {
  /** Distinguishes instances in logs and health output; new on every process start. */
  readonly instanceId: string;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  readonly discord: DiscordEndpoint;
  readonly auth: AuthService;
  readonly wsTokens: WsTokens;
  readonly rooms: RoomService;
  /** The servers the bot is in, their settings, who may do what there. */
  readonly guilds: GuildService;
  readonly hub: Hub;
  readonly metrics: Metrics;
  /** Liveness and readiness (health.ts), with the internals an operator may see. */
  health(): Promise<{ ok: boolean; body: Health }>;
  shutdown(): Promise<void>;
}

/** The reconcile's lock (R-ROOM8): one instance reads the rooms back at a time. */
const RECONCILE_LOCK_TTL_MS = 60_000;

/**
 * Starts the app's services, step by step. What a step starts is stopped at shutdown, in reverse
 * order; a step that fails stops what the earlier ones started, and the start fails with its error.
 */
export async function startServices(options: { config?: Config; clock?: Clock } = {}): Promise<Services> {
  const config = options.config ?? loadConfig();
  const clock = options.clock ?? systemClock;
  const log = createLogger(config);
  const internal = moduleLogger(log, 'Internal');
  const startedAt = clock.now();
  const stops: Array<() => Promise<void> | void> = [];

  try {
    // 1. Redis (with REDIS_URL): both connections up and the event bus subscribed, or the memory
    //    parts. First, so that a wrong REDIS_URL stops the start before anything else begins. Loaded
    //    only when configured: the embedded mode never loads a Redis client.
    const infra = config.redisUrl
      ? await (await import('./redis-infrastructure.ts')).openRedisInfrastructure({ config, log, clock, redisUrl: config.redisUrl })
      : memoryInfrastructure(clock);
    stops.push(() => infra.close());

    // 2. Discord: where it is (the embedded emulator starts here), the bot token's one REST
    //    client, the bot's own user and the first rooms category (made on the first start).
    const discord = await resolveDiscordEndpoint(config, log);
    stops.push(() => discord.close());
    const metrics = new Metrics();
    const rest = createRestClient({ endpoint: discord.endpoint, config, log, rateLimits: infra.rateLimits, hooks: metrics.restHooks });
    stops.push(() => rest.close());
    const botUser = await rest.getBotUser();
    // The home server: DISCORD_GUILD_ID, or the oldest server the bot is in (issue 17).
    const endpoint: DiscordEndpoint = { ...discord.endpoint, guildId: await resolveHomeServer(discord.endpoint.guildId, rest, moduleLogger(log, 'Gateway Init')) };
    // The Gateway's shards: DISCORD_SHARD_COUNT, or (auto) what Discord recommends for the bot.
    const gatewayBot = await readGatewayBot({ token: discord.endpoint.botToken, restBaseUrl: discord.endpoint.apiUrl });
    const shards = { count: shardCountOf(config.discordShardCount, gatewayBot), maxConcurrency: gatewayBot.session_start_limit.max_concurrency };
    const roomsCategoryId = await ensureRoomsCategory(rest, endpoint.guildId, config.discord.roomsCategoryId, moduleLogger(log, 'Room'));

    // 3. The graph (wire.ts): built, not yet running.
    const wired = wireServices({ config, clock, log, infra, discord: { endpoint, rest, botUserId: botUser.id, roomsCategoryId }, shards, metrics, startedAt });
    stops.push(() => wired.hub.closeAll());

    // 3b. The home server is known before the Gateway says so (its name from REST), and its stored
    //     settings (another instance's admin may have changed the reserve) apply to its placement.
    const home = await rest.getGuild(endpoint.guildId);
    await infra.guildRegistry.available({ id: home.id, name: home.name });
    await wired.places.settingsChanged(home.id, await wired.guilds.settingsOf(home.id));
    // The servers already in an outage (the registry is shared with Redis): their rooms' banner shows
    // for browsers of an instance that starts during the outage.
    await wired.outages.seed(infra.guildRegistry);

    // 4. Reconcile: the rooms are read back from Discord without holding up the start; room
    //    requests wait for it meanwhile (room-restore.ts). The cleanup job starts once it is done.
    readBackRooms(wired, infra, clock, moduleLogger(log, 'Room'));
    stops.push(() => wired.restore.stop());
    stops.push(() => wired.cleanup.stop());

    // 5. The Gateway: connect if this instance takes the lease (always, without Redis), or stand by.
    wired.gatewayRunner.start();
    stops.push(() => wired.gatewayRunner.stop());

    // 6. Serve: the hub's heartbeats run; the doors get these services from here on.
    wired.hub.start();

    const services: Services = {
      instanceId: infra.instanceId,
      config,
      clock,
      log,
      discord: endpoint,
      auth: wired.auth,
      wsTokens: wired.wsTokens,
      rooms: wired.rooms,
      guilds: wired.guilds,
      hub: wired.hub,
      metrics,
      health: () => checkHealth(wired.health),
      async shutdown() {
        internal.info('shutting down');
        for (const stop of stops.reverse()) await stop();
      },
    };
    internal.info({ instanceId: infra.instanceId, env: config.env, discord: endpoint.kind, apiUrl: endpoint.apiUrl, emulatorUrl: endpoint.emulatorUrl, homeGuildId: endpoint.guildId, categoryId: roomsCategoryId }, 'services ready');
    return services;
  } catch (error) {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    throw error;
  }
}

/**
 * Step 4 (R-ROOM8): the rooms are read back from Discord (reconcile.ts). It needs no Gateway, REST
 * only. With several instances one reads back at a time; another one starting meanwhile serves the
 * shared store as it is, and objects that look half-made are left to whoever is making them.
 */
function readBackRooms(wired: Wired, infra: Infrastructure, clock: Clock, log: Logger): void {
  const halfMadeGraceMs = infra.kind === 'redis' ? ReconcileDefaults.halfMadeGraceMs : 0;
  void wired.restore
    .run(async () => {
      const ran = await infra.leader.runExclusive('reconcile', RECONCILE_LOCK_TTL_MS, async () => {
        await reconcileRooms({ rooms: wired.rooms, discord: wired.roomDiscord, clock, log, halfMadeGraceMs });
        // Every other server with stored rooms (Redis keeps them, and the registry, across restarts).
        await wired.guildRooms.readBackStored(async (guildId) => (await infra.guildRegistry.get(guildId)) !== null, wired.rooms.guildId);
      });
      if (!ran) log.info('another instance is reconciling the rooms with Discord; serving the shared store');
    })
    .then(() => {
      if (wired.restore.ready) wired.cleanup.start();
    });
}
