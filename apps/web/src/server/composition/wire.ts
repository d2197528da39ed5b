import { ShardedGateway, shardOfGuild } from '@repo/discord-gateway';
import type { DiscordRestClient } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import type { Logger } from 'pino';
import { AuthService } from '../auth/auth-service.ts';
import { DiscordOAuth } from '../auth/discord-oauth.ts';
import { discordUserDirectory } from '../auth/discord-users.ts';
import { SessionCookies } from '../auth/session.ts';
import { WsTokens } from '../auth/ws-token.ts';
import type { Config } from '../config.ts';
import type { DiscordEndpoint } from '../discord/discord-endpoint.ts';
import { GatewayLeaseRunner } from '../gateway-ownership/lease-runner.ts';
import { GuildAccess } from '../guilds/guild-access.ts';
import { UserGuilds } from '../guilds/user-guilds.ts';
import { GuildEvents } from '../guilds/guild-events.ts';
import { GuildOutages } from '../guilds/guild-outages.ts';
import { GuildRooms } from '../guilds/guild-rooms.ts';
import { GuildPlaces } from '../guilds/guild-places.ts';
import { GuildService } from '../guilds/guild-service.ts';
import { settingsWithDefaults } from '../guilds/guild-settings.ts';
import type { HealthSources } from '../health.ts';
import { moduleLogger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ALL_TOPIC } from '../realtime/event-bus.ts';
import { Hub } from '../realtime/hub.ts';
import { CleanupJob } from '../rooms/cleanup-job.ts';
import { GatewayRouter } from '../rooms/gateway-router.ts';
import { GuildCapacity } from '../rooms/guild-capacity.ts';
import { GuildInventory } from '../rooms/guild-inventory.ts';
import { InviteTokens } from '../rooms/invite-token.ts';
import { RoomDiscord } from '../rooms/room-discord.ts';
import { RoomPlacement } from '../rooms/room-placement.ts';
import { roomTopic } from '../rooms/room-events.ts';
import { ReconcileDefaults } from '../rooms/reconcile.ts';
import { RoomRestore } from '../rooms/room-restore.ts';
import { RoomService } from '../rooms/room-service.ts';
import { GATEWAY_STATUS_EVENT, type Infrastructure } from './infrastructure.ts';

/** What the graph is built from: configuration, and what steps 1 and 2 of the start brought back. */
export interface WiringInput {
  config: Config;
  clock: Clock;
  log: Logger;
  /** Step 1: the memory or Redis parts. */
  infra: Infrastructure;
  /** Step 2: where Discord is, the bot token's REST client, the bot and the first rooms category. */
  discord: { endpoint: DiscordEndpoint; rest: DiscordRestClient; botUserId: string; roomsCategoryId: string };
  /** Step 2: the Gateway's shard count (DISCORD_SHARD_COUNT, or GET /gateway/bot's) and identify concurrency. */
  shards: { count: number; maxConcurrency: number };
  /** Built before the REST client, which reports to it. */
  metrics: Metrics;
  /** When this process started (health's uptime). */
  startedAt: number;
}

/** The graph: what the doors use (Services, in start.ts) and what the later start steps drive. */
export interface Wired {
  auth: AuthService;
  wsTokens: WsTokens;
  gateway: ShardedGateway;
  /** Step 5: takes this instance's share of the shards' leases, or stands by for them. */
  gatewayRunner: GatewayLeaseRunner;
  rooms: RoomService;
  /** The servers the bot is in, their settings and who may do what there (guilds/). */
  guilds: GuildService;
  /** Each server's capacity, placement and Discord side of rooms. */
  places: GuildPlaces;
  /** Each server's rooms as the server comes and goes; at start, every server with stored rooms is read back. */
  guildRooms: GuildRooms;
  /** The servers in an outage, as this instance tells its browsers (seeded from the registry at start). */
  outages: GuildOutages;
  /** Step 4: the rooms read back from Discord while the server listens (requests wait for it). */
  restore: RoomRestore;
  roomDiscord: RoomDiscord;
  cleanup: CleanupJob;
  hub: Hub;
  /** What /api/health reads. */
  health: HealthSources;
}

/**
 * Builds the object graph, and only that: no I/O, no awaits, no forward references. Each part is
 * built after everything it needs, so reading this function top to bottom is reading the graph.
 * The start (start.ts) brings what must be fetched first, and drives the result afterwards.
 */
export function wireServices(input: WiringInput): Wired {
  const { config, clock, log, infra, metrics } = input;
  const { endpoint, rest } = input.discord;

  // Sign-in and the WebSocket's tokens.
  const auth = new AuthService({
    cookies: new SessionCookies(config.sessionSecret, { secure: config.http.publicUrl.protocol === 'https:' }),
    oauth: new DiscordOAuth({
      clientId: endpoint.clientId,
      clientSecret: endpoint.clientSecret,
      redirectUri: new URL('/auth/discord/callback', config.http.publicUrl).toString(),
      apiUrl: endpoint.apiUrl,
    }),
    users: discordUserDirectory(rest, endpoint.guildId),
    log: moduleLogger(log, 'Auth'),
    now: () => clock.now(),
    refreshes: infra.refreshes,
    revocations: infra.revocations,
    siteUsers: infra.siteUsers,
  });
  const wsTokens = new WsTokens(config.sessionSecret);

  // The Discord Gateway (its shards, specs/sharding.md), and what this instance knows of it: the
  // holders' voice state and status, and the door events pass (only a shard's holder's, fenced).
  const identifyThrottle = infra.gateway.identifyThrottle(input.shards.maxConcurrency);
  const gateway = new ShardedGateway({
    token: endpoint.botToken,
    // Every guild the bot is in: each shard gets its own guilds' dispatches (rooms live in any of them).
    guildIds: [],
    restBaseUrl: endpoint.apiUrl,
    logger: log,
    sessionStore: infra.gateway.sessions,
    shardCount: input.shards.count,
    ...(identifyThrottle ? { identifyThrottle } : {}),
  });
  const attached = infra.gateway.attach(gateway);
  const gatewayRunner = new GatewayLeaseRunner({
    leases: infra.gateway.leases,
    gateway,
    startOptions: (shardId) => attached.startOptions(shardId),
    keepSessionOnStop: infra.kind === 'redis',
    log: moduleLogger(log, 'Gateway Init'),
  });

  // Rooms: where they go in Discord, how they are made there, and the one service that runs them.
  const roomLog = moduleLogger(log, 'Room');
  // The Gateway's cache counts channels and roles when this instance holds it; otherwise REST does.
  const inventory = new GuildInventory({ guildId: endpoint.guildId, gateway: gateway.inventory, rest, clock });
  const placementCapacity = new GuildCapacity(config.discordLimits);
  const placement = new RoomPlacement({
    guildId: endpoint.guildId,
    rest,
    inventory,
    capacity: placementCapacity,
    firstCategoryId: input.discord.roomsCategoryId,
    log: roomLog,
  });
  const roomDiscord = new RoomDiscord({ rest, guildId: endpoint.guildId, botUserId: input.discord.botUserId, placement, inventory, log: roomLog });

  // Servers: the registry the Gateway fills, each server's settings, and its rooms' Discord side
  // (the home server's is the one above; another server's is made on its first use).
  const guildDefaults = {
    reserveChannels: config.discordLimits.reserveChannels,
    reserveRoles: config.discordLimits.reserveRoles,
    homeCategoryId: config.discord.roomsCategoryId,
    channelsPerGuild: config.discordLimits.channelsPerGuild,
    rolesPerGuild: config.discordLimits.rolesPerGuild,
  };
  const places = new GuildPlaces(
    {
      rest,
      gateway: gateway.inventory,
      botUserId: input.discord.botUserId,
      clock,
      limits: { channelsPerCategory: config.discordLimits.channelsPerCategory, channelsPerGuild: config.discordLimits.channelsPerGuild, rolesPerGuild: config.discordLimits.rolesPerGuild },
      settingsOf: (guildId) => settingsWithDefaults(infra.guildSettings, guildId, { homeGuildId: endpoint.guildId, ...guildDefaults }),
      log: roomLog,
    },
    [{ guildId: endpoint.guildId, inventory, capacity: placementCapacity, placement, discord: roomDiscord }],
  );
  const guilds = new GuildService({
    homeGuildId: endpoint.guildId,
    registry: infra.guildRegistry,
    settings: infra.guildSettings,
    access: new GuildAccess({ rest, clock }),
    userGuilds: new UserGuilds({ rest, clock }),
    rest,
    defaults: guildDefaults,
    capacityOf: (guildId) => places.capacityOf(guildId),
    onSettingsChanged: (guildId, settings) => places.settingsChanged(guildId, settings),
    log: moduleLogger(log, 'Room'),
  });
  // Rooms are read back from Discord while the server already listens; requests wait for them.
  const restore = new RoomRestore({ clock, log: roomLog });
  const rooms = new RoomService({
    restore,
    store: infra.roomStore,
    discord: roomDiscord,
    // Any server's Discord side (issue 17): built on its first room.
    discordOf: (guildId) => places.get(guildId).then((place) => place.discord),
    voice: attached.voice,
    bus: infra.bus,
    invites: new InviteTokens(config.sessionSecret),
    guildId: endpoint.guildId,
    admission: (session, guildId) => guilds.admission(session, guildId),
    publicUrl: config.http.publicUrl,
    cdnUrl: endpoint.cdnUrl,
    siteUsers: infra.siteUsers,
    clock,
    log: roomLog,
  });
  const cleanup = new CleanupJob({
    rooms,
    // Someone in voice keeps a room alive. Viewing counts when it happens (a page opened, "Keep room
    // open" pressed: the hub's onViewersChanged below), not while a forgotten tab sits open: such a
    // tab is exactly who the 30 s warning is for.
    isActive: (room) => attached.voice.membersIn(room.guildId, room.channelId).size > 0,
    leader: infra.leader,
    clock,
    log: roomLog,
    onRun: () => metrics.cleanupRun(),
  });

  // Browsers: the hub holds the sockets and delivers what the bus carries.
  const outages = new GuildOutages();
  const hub = new Hub({
    log: moduleLogger(log, 'WS'),
    clock,
    verifyToken: (token) => wsTokens.verify(token, clock.now()),
    // What clients subscribe to are rooms: a room id names its stream's topic.
    streamTopic: roomTopic,
    viewAccess: (roomId, userId) => rooms.viewAccess(roomId, userId),
    snapshot: (roomId) => rooms.snapshot(roomId),
    // With the servers in an outage (issue 17): their rooms' pages show the delayed banner.
    gatewayStatus: () => ({ ...attached.status.current(), unavailableGuilds: outages.list() }),
    onViewersChanged: (roomId, _viewers, arrived) => {
      if (arrived) void cleanup.noteActivity(roomId);
    },
    onStat: (stat) => metrics.hub(stat),
  });
  // A holder publishes one server's outage change (guild-outages.ts): every instance applies it to
  // its own list and hands its browsers that whole list, never the publisher's.
  infra.bus.subscribe((message) => hub.deliver(message.event === GATEWAY_STATUS_EVENT && message.payload.outage ? { ...message, payload: outages.received(message.payload) } : message));
  infra.bus.onRevocation((revocation) => hub.revoke(revocation));

  // Flow 1: Gateway events → (the holder's, fenced) → room events.
  const router = new GatewayRouter(rooms, cleanup, roomLog);
  // The guild lifecycle (GUILD_CREATE / GUILD_DELETE) → the registry of servers, through the same door.
  const guildRooms = new GuildRooms({
    rooms,
    places,
    rest,
    settingsOf: (guildId) => guilds.settingsOf(guildId),
    clock,
    log: roomLog,
    halfMadeGraceMs: infra.kind === 'redis' ? ReconcileDefaults.halfMadeGraceMs : 0,
  });
  const guildEvents = new GuildEvents({
    registry: infra.guildRegistry,
    places,
    onRemoved: async (guildId) => void (await guildRooms.closeAll(guildId)),
    onReturned: async (guildId) => void (await guildRooms.readBack(guildId)),
    // The home server is read back at start (start.ts step 4); another one when the Gateway first shows it.
    onJoined: async (guildId) => void (guildId === endpoint.guildId ? undefined : await restore.whenReady().then(() => guildRooms.readBack(guildId))),
    // READY's list per shard: a registry server missing from its shard's list was left while down.
    shardOf: (guildId) => shardOfGuild(guildId, input.shards.count),
    outages: { list: outages, publish: (outage) => infra.bus.publish(ALL_TOPIC, GATEWAY_STATUS_EVENT, { ...attached.status.current(), outage }) },
    log: moduleLogger(log, 'Gateway'),
  });
  gateway.on('*', (event) => {
    metrics.gatewayEvent(event);
    attached.route(event, () => (GuildEvents.handles(event) ? guildEvents.handle(event) : router.handle(event)));
  });

  metrics.watch({
    connections: () => hub.connectionCount,
    subscriptions: () => hub.subscriptionCount,
    rooms: () => rooms.count(),
    gateway,
    capacity: () => placement.status(),
    restInvalidRequests: () => rest.invalidRequestCount(),
  });

  return {
    auth,
    wsTokens,
    gateway,
    gatewayRunner,
    rooms,
    guilds,
    places,
    outages,
    guildRooms,
    restore,
    roomDiscord,
    cleanup,
    hub,
    health: {
      instanceId: infra.instanceId,
      startedAt: input.startedAt,
      clock,
      gateway,
      isGatewayHolder: () => infra.gateway.leases.heldShards().length > 0,
      shards: () => infra.gateway.leases.holders(),
      redis: infra.redis,
      roomsRestored: () => restore.ready,
      connections: () => hub.connectionCount,
      rooms: () => rooms.count(),
      capacity: () => placement.status(),
      emulatorUrl: endpoint.emulatorUrl,
    },
  };
}
