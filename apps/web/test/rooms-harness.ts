import { DiscordGatewayClient } from '@repo/discord-gateway';
import { DiscordRestClient } from '@repo/discord-rest';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '@repo/discord-emulator';
import pino from 'pino';
import type { Session } from '../src/server/auth/session.ts';
import { MemorySiteUsers } from '../src/server/auth/site-users.ts';
import { FakeClock } from '@repo/platform/testing';
import { type BusMessage, MemoryEventBus } from '../src/server/realtime/event-bus.ts';
import { CleanupJob } from '../src/server/rooms/cleanup-job.ts';
import { GatewayRouter } from '../src/server/rooms/gateway-router.ts';
import { InviteTokens } from '../src/server/rooms/invite-token.ts';
import { SingleInstanceLeader } from '../src/server/rooms/leader.ts';
import { type CapacityLimits, GuildCapacity } from '../src/server/rooms/guild-capacity.ts';
import { GuildInventory } from '../src/server/rooms/guild-inventory.ts';
import { RoomDiscord } from '../src/server/rooms/room-discord.ts';
import { RoomPlacement, ensureRoomsCategory } from '../src/server/rooms/room-placement.ts';
import { RoomService } from '../src/server/rooms/room-service.ts';
import { MemoryRoomStore, type RoomStore } from '../src/server/rooms/room-store.ts';

export const SECRET = 'rooms-test-secret-0123456789abcdef0123456789';

/**
 * The rooms part of the object graph, wired as services.ts wires it, against an in-process emulator
 * and the real Gateway client. Room time runs on a FakeClock; Discord's on real time.
 */
export interface RoomsHarness {
  emulator: EmulatorHandle;
  rest: DiscordRestClient;
  gateway: DiscordGatewayClient;
  clock: FakeClock;
  bus: MemoryEventBus;
  published: BusMessage[];
  /** Who has signed in to the site (a test remembers them as a sign-in would). */
  siteUsers: MemorySiteUsers;
  store: RoomStore;
  rooms: RoomService;
  cleanup: CleanupJob;
  /** The first rooms category ("Spell Rooms"). */
  categoryId: string;
  botUserId: string;
  roomDiscord: RoomDiscord;
  placement: RoomPlacement;
  inventory: GuildInventory;
  session(name: string): Session;
  /** A fresh service graph over the same Discord (a restart), with the given store. */
  restart(store: RoomStore): RoomService;
  control(path: string, body: unknown): Promise<Response>;
  discordState(): Promise<DiscordState>;
  waitFor(check: () => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

export interface DiscordState {
  channels: Array<{ id: string; type: number; name: string; parent_id: string | null; user_limit?: number; permission_overwrites?: Array<{ id: string; type: number; allow: string; deny: string }> }>;
  roles: Array<{ id: string; name: string }>;
  members: Array<{ userId: string; username: string; roles: string[] }>;
  voiceStates: Array<{ user_id: string; channel_id: string | null }>;
}

/** Discord's numbers and the default reserve, as config.ts sets them. */
export const DEFAULT_CAPACITY: CapacityLimits = { channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250, reserveChannels: 5, reserveRoles: 5 };

export async function roomsHarness(
  options: EmulatorOptions = {},
  /** `discordOnRoomClock`: the emulator and the REST client run on the room clock too (Discord's own time windows, moved by the test). */
  app: { capacity?: Partial<CapacityLimits>; discordOnRoomClock?: boolean } = {},
): Promise<RoomsHarness> {
  // Room time starts well after Discord's (real time): a room the emulator just made is not "younger
  // than the start", which the read-back's grace for half-made rooms would leave alone.
  const clock = new FakeClock({ startMs: Date.UTC(2026, 10, 25, 12) });
  const onRoomClock = app.discordOnRoomClock === true;
  // Discord-like rate limits would only make these tests wait; the REST package proves we obey them.
  const emulator = await startEmulator({ port: 0, heartbeatIntervalMs: 1_000, rateLimits: 'off', ...(onRoomClock ? { now: () => clock.now() } : {}), ...options });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl, maxRateLimitWaitMs: 60_000, ...(onRoomClock ? { clock } : {}) });
  const gateway = new DiscordGatewayClient({ token: emulator.botToken, guildIds: emulator.guildId, restBaseUrl: emulator.apiUrl });
  await gateway.start();
  const botUserId = (await rest.getBotUser()).id;
  const categoryId = await ensureRoomsCategory(rest, emulator.guildId, undefined, log);
  const inventory = new GuildInventory({ guildId: emulator.guildId, gateway: gateway.inventory, rest, clock });
  const placement = new RoomPlacement({
    guildId: emulator.guildId,
    rest,
    inventory,
    capacity: new GuildCapacity({ ...DEFAULT_CAPACITY, ...app.capacity }),
    firstCategoryId: categoryId,
    log,
  });
  const roomDiscord = new RoomDiscord({ rest, guildId: emulator.guildId, botUserId, placement, inventory, log });
  const bus = new MemoryEventBus();
  const published: BusMessage[] = [];
  bus.subscribe((m) => published.push(m));

  const siteUsers = new MemorySiteUsers();
  const build = (store: RoomStore) =>
    new RoomService({
      store,
      siteUsers,
      discord: roomDiscord,
      voice: gateway.cache,
      bus,
      invites: new InviteTokens(SECRET),
      guildId: emulator.guildId,
      publicUrl: new URL('http://rooms.test'),
      cdnUrl: emulator.url,
      clock,
      log,
    });
  const store = new MemoryRoomStore(() => clock.now());
  const rooms = build(store);
  const cleanup = new CleanupJob({
    rooms,
    isActive: (room) => gateway.cache.membersIn(room.guildId, room.channelId).size > 0,
    leader: new SingleInstanceLeader(),
    clock,
    log,
  });
  const router = new GatewayRouter(rooms, cleanup, log);
  gateway.on('*', (event) => void router.handle(event));

  const harness: RoomsHarness = {
    emulator,
    rest,
    gateway,
    clock,
    bus,
    published,
    siteUsers,
    store,
    rooms,
    cleanup,
    categoryId,
    botUserId,
    roomDiscord,
    placement,
    inventory,
    session(name) {
      const user = emulator.users[name];
      if (!user) throw new Error(`no test user ${name}`);
      return { userId: user.id, username: user.username, globalName: user.global_name ?? null, avatar: user.avatar ?? null, accessToken: 'unused', refreshToken: 'unused', accessTokenExpiresAt: Number.MAX_SAFE_INTEGER };
    },
    restart: build,
    control: (path, body) => fetch(`${emulator.controlUrl}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    async discordState() {
      const state = (await (await fetch(`${emulator.controlUrl}/state`)).json()) as { guilds: Array<DiscordState & { id: string }> };
      const guild = state.guilds.find((g) => g.id === emulator.guildId);
      if (!guild) throw new Error('guild missing from emulator state');
      return guild;
    },
    async waitFor(check, what) {
      const deadline = Date.now() + 5_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      cleanup.stop();
      await gateway.stop();
      rest.close();
      await emulator.close();
    },
  };
  return harness;
}
