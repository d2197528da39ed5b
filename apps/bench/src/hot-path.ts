// Diagnostic: the CPU of the app's per-event work between the Gateway frame and the hub, in one
// process, without sockets: JSON.parse of an ~800-byte VOICE_STATE_UPDATE → DispatchHandler
// (validation, voice cache) → GatewayRouter → RoomService's voice path (memory store, views,
// events) → MemoryEventBus → the metrics the hub counts. Each variant turns one of issue 18's
// removals off, so its cost shows alone; variants run interleaved, several rounds, and the CPU
// (process.cpuUsage) per event of each round is printed. A loaded machine moves every variant
// alike, which the bench's per-run CPU figures cannot promise.
//   node --import tsx src/hot-path.ts [events per round = 20000] [rounds = 5] [variant name prefix: before|sync|batched|after]
import { systemClock } from '@repo/platform';
import { createRequire } from 'node:module';
import { DispatchHandler } from '../../../packages/discord-gateway/src/dispatch-handler.ts';
import type { GatewayDomainEvent } from '../../../packages/discord-gateway/src/events.ts';
import { voiceStateSchema } from '../../../packages/discord-gateway/src/discord-payloads.ts';
import { VoiceStateCache } from '../../../packages/discord-gateway/src/voice-state-cache.ts';
import { parseVoiceState } from '../../../packages/discord-gateway/src/voice-state-parse.ts';
import { MemorySiteUsers } from '../../web/src/server/auth/site-users.ts';
import { Metrics } from '../../web/src/server/metrics.ts';
import { MemoryEventBus } from '../../web/src/server/realtime/event-bus.ts';
import { GatewayRouter } from '../../web/src/server/rooms/gateway-router.ts';
import type { Room } from '../../web/src/server/rooms/room.ts';
import { RoomEvents } from '../../web/src/server/rooms/room-events.ts';
import { MemoryRoomStore } from '../../web/src/server/rooms/room-store.ts';
import { RoomViews } from '../../web/src/server/rooms/room-views.ts';
import { RoomVoice } from '../../web/src/server/rooms/room-voice.ts';

const EVENTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const GUILD = '100000000000000001';
const ROOMS = 250;
// apps/web's own prom-client (the bench does not depend on it) and a logger that drops everything.
interface PromClient {
  Registry: new () => object;
  Counter: new (o: { name: string; help: string; labelNames: string[]; registers: object[] }) => { inc(labels: Record<string, string>, by?: number): void };
  Histogram: new (o: { name: string; help: string; buckets: number[]; registers: object[] }) => { observe(value: number): void };
}
const { Counter, Histogram, Registry } = createRequire(new URL('../../web/package.json', import.meta.url))('prom-client') as PromClient;
const silent = () => undefined;
const log = { error: silent, warn: silent, info: silent, debug: silent, trace: silent, fatal: silent, child: () => log } as unknown as ConstructorParameters<typeof GatewayRouter>[2] & ConstructorParameters<typeof DispatchHandler>[0]['logger'];

/** The hub's per-event counting before the batching: prom-client's inc with a labels object. */
class DirectMetrics {
  readonly #registry = new Registry();
  readonly #in = new Counter({ name: 'a', help: 'a', labelNames: ['type'], registers: [this.#registry] });
  readonly #out = new Counter({ name: 'b', help: 'b', labelNames: ['event'], registers: [this.#registry] });
  readonly #frames = new Counter({ name: 'c', help: 'c', labelNames: ['event'], registers: [this.#registry] });
  readonly #latency = new Histogram({ name: 'd', help: 'd', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1], registers: [this.#registry] });
  gatewayEvent(event: GatewayDomainEvent): void {
    this.#in.inc({ type: event.type });
  }
  delivered(event: string, frames: number, latencyMs: number): void {
    this.#out.inc({ event });
    this.#frames.inc({ event }, frames);
    this.#latency.observe(latencyMs / 1000);
  }
}

interface Variant {
  name: string;
  sync: boolean;
  batchedMetrics: boolean;
}

function setup(variant: Variant) {
  const cache = new VoiceStateCache();
  const store = new MemoryRoomStore(() => systemClock.now());
  const siteUsers = new MemorySiteUsers();
  const bus = new MemoryEventBus();
  const views = new RoomViews('https://cdn.example', cache, siteUsers);
  const events = new RoomEvents(bus, views, async () => []);
  const voice = new RoomVoice(store, views, events);
  const rooms = {
    voiceChanged: (e: Parameters<RoomVoice['changed']>[0]) => voice.changed(e),
    onChannelDeleted: async () => undefined,
    onMemberRemoved: async () => undefined,
    ...(variant.sync ? { voiceChangedNow: (e: Parameters<RoomVoice['changed']>[0]) => voice.changedNow(e) } : {}),
  };
  const router = new GatewayRouter(rooms, { noteActivity: async () => undefined }, log);
  const batched = new Metrics();
  const direct = new DirectMetrics();
  bus.subscribe((m) => {
    const latencyMs = systemClock.now() - ('receivedAt' in m.payload ? (m.payload.receivedAt ?? 0) : 0);
    if (variant.batchedMetrics) batched.hub({ kind: 'delivered', event: m.event, frames: 4, latencyMs });
    else direct.delivered(m.event, 4, latencyMs);
  });
  let last: Promise<void> = Promise.resolve();
  const handler = new DispatchHandler({
    cache,
    guildFilter: new Set(),
    logger: log,
    clock: systemClock,
    shardId: 0,
    emit: (event) => {
      if (variant.batchedMetrics) batched.gatewayEvent(event);
      else direct.gatewayEvent(event);
      last = router.handle(event);
    },
  });
  const users: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const channelId = String(200000000000000000n + BigInt(r));
    const players = [0, 1, 2, 3].map((k) => String(300000000000000000n + BigInt(r * 4 + k)));
    users.push(...players);
    const profiles = Object.fromEntries(players.map((p) => [p, { username: `user${p.slice(-4)}`, globalName: null, avatar: null }]));
    const room: Room = { id: `room${r}`, name: `Room ${r}`, guildId: GUILD, channelId, roleId: channelId, creatorId: players[0]!, players, spectators: [], profiles, createdAt: 0, lastActiveAt: 0, closingAt: null, locked: false, linkGeneration: 0, barred: [] };
    void store.insert(room);
  }
  return { handler, users, last: () => last };
}

/** An ~800-byte dispatch as the emulator writes it (the bench's event). */
function frame(seq: number, userId: string, channelId: string, selfMute: boolean): string {
  return JSON.stringify({
    op: 0,
    s: seq,
    t: 'VOICE_STATE_UPDATE',
    d: {
      member: {
        user: { id: userId, username: `user${userId.slice(-4)}`, global_name: `User ${userId.slice(-4)}`, avatar: null, discriminator: '0', public_flags: 0, flags: 0, bot: false, banner: null, accent_color: null, avatar_decoration_data: null, collectibles: null, display_name_styles: null, primary_guild: null, clan: null },
        roles: ['400000000000000001'],
        premium_since: null,
        pending: false,
        nick: null,
        mute: false,
        joined_at: '2026-11-01T00:00:00.000000+00:00',
        flags: 0,
        deaf: false,
        communication_disabled_until: null,
        banner: null,
        avatar: null,
      },
      user_id: userId,
      suppress: false,
      session_id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      self_video: false,
      self_mute: selfMute,
      self_deaf: false,
      request_to_speak_timestamp: null,
      mute: false,
      guild_id: GUILD,
      deaf: false,
      channel_id: channelId,
    },
  });
}

async function round(variant: Variant): Promise<number> {
  const { handler, users, last } = setup(variant);
  // Everyone joins their room's channel first (not measured).
  let seq = 0;
  for (let i = 0; i < users.length; i++) handler.handle(JSON.parse(frame(++seq, users[i]!, String(200000000000000000n + BigInt(Math.floor(i / 4))), false)));
  await last();
  // Each user's two frames (muted, unmuted) with the sequence cut out: a frame is two concatenations.
  const tails = users.map((u, i) => [false, true].map((mute) => frame(0, u, String(200000000000000000n + BigInt(Math.floor(i / 4))), mute).slice('{"op":0,"s":0'.length)));
  const start = process.cpuUsage();
  for (let i = 0; i < EVENTS; i++) {
    const u = (i * 7919) % users.length;
    handler.handle(JSON.parse('{"op":0,"s":' + ++seq + tails[u]![i & 1]!));
    await last();
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / EVENTS);
}

function parseCost(hand: boolean): number {
  const payloads = Array.from({ length: 2_000 }, (_, i) => JSON.parse(frame(i, String(300000000000000000n + BigInt(i)), '200000000000000001', i % 2 === 0)).d as unknown);
  const calls = Math.max(1, Math.floor(EVENTS / payloads.length)) * payloads.length;
  const start = process.cpuUsage();
  let ok = 0;
  for (let k = 0; k < calls; k += payloads.length) for (const d of payloads) ok += hand ? (parseVoiceState(d) ? 1 : 0) : voiceStateSchema.safeParse(d).success ? 1 : 0;
  const used = process.cpuUsage(start);
  if (ok !== calls) throw new Error('a payload was refused');
  return (used.user + used.system) / calls;
}

const allVariants: Variant[] = [
  { name: 'before (queue + awaits, prom-client per event)', sync: false, batchedMetrics: false },
  { name: 'sync in-memory path only', sync: true, batchedMetrics: false },
  { name: 'batched metrics only', sync: false, batchedMetrics: true },
  { name: 'after (sync path + batched metrics)', sync: true, batchedMetrics: true },
];
// One variant per process when named (a process that runs all four makes the shared code polymorphic).
const only = process.argv[4];
const variants = only ? allVariants.filter((v) => v.name.startsWith(only)) : allVariants;
// One unmeasured round of each first: the JIT's warm-up is not the steady state the app runs in.
for (const v of variants) await round(v);
parseCost(false);
parseCost(true);
const results = new Map<string, number[]>();
const parse = { zod: [] as number[], hand: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  for (const v of variants) {
    const us = await round(v);
    results.set(v.name, [...(results.get(v.name) ?? []), us]);
  }
  parse.zod.push(parseCost(false));
  parse.hand.push(parseCost(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`Node ${process.version}, ${EVENTS} events per round, ${ROUNDS} rounds: CPU µs per event (median; every round)`);
for (const [name, xs] of results) console.log(`  ${name.padEnd(50)} ${median(xs).toFixed(2).padStart(7)}   [${xs.map((x) => x.toFixed(1)).join(', ')}]`);
console.log(`  ${'VOICE_STATE_UPDATE check: zod safeParse'.padEnd(50)} ${median(parse.zod).toFixed(2).padStart(7)}   [${parse.zod.map((x) => x.toFixed(2)).join(', ')}]`);
console.log(`  ${'VOICE_STATE_UPDATE check: parseVoiceState'.padEnd(50)} ${median(parse.hand).toFixed(2).padStart(7)}   [${parse.hand.map((x) => x.toFixed(2)).join(', ')}]`);
