/**
 * The `shards` scenario (issue 17's bench): two production instances with Redis over an emulator
 * that recommends 4 shards and holds several guilds (--guilds, default 4). The clients connect to
 * both instances (client i to instance i mod 2), voice changes go to random rooms in every guild at
 * --rate for --duration s, and a quarter of the way in the instance holding the most shards is
 * killed with SIGKILL. Reported: the takeover time (from the kill until /api/health's `shards` shows
 * every shard CONNECTED under the survivor), frames lost / out of order / repeated, and latency
 * through the takeover. The dead instance's clients reconnect to the survivor and resubscribe, as a
 * browser does; the events their fresh snapshot already holds count as covered, not lost.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { z } from 'zod';
import { monoMs, sleep } from './clock.ts';
import { pace, settledBase, VoiceChanges } from './driver.ts';
import { Fleet } from './fleet.ts';
import { type AppProcess, startApp } from './processes.ts';
import { ms, num } from './report.ts';
import type { ScenarioContext } from './rooms-scenario.ts';
import { summarize } from './stats.ts';

export const SHARDS = 4;
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
/** How long the takeover may take before the run gives up on it (leases lapse after 10 s). */
const TAKEOVER_LIMIT_MS = 60_000;

const HealthSchema = z.object({
  instanceId: z.string(),
  shards: z.array(z.object({ id: z.number(), state: z.string().nullable(), holder: z.string().nullable() })).optional(),
});
type Health = z.infer<typeof HealthSchema>;

interface Instance {
  name: string;
  app: AppProcess;
  id: string;
  alive: boolean;
}

/** Discord's routing: a guild's events go to shard (guild_id >> 22) mod shards. */
export function shardOfGuild(guildId: string, shards: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shards));
}

/** Returns the number of rooms set up. */
export async function shardsScenario(ctx: ScenarioContext, placement: { server: string } | null): Promise<number> {
  const { opts, log, table, results, cpu } = ctx;
  const pong = await redisCommand(REDIS_URL, ['PING']).catch((error: unknown) => `${String(error)}`);
  if (pong !== '+PONG') throw new Error(`the shards scenario needs Redis at ${REDIS_URL} (BENCH_REDIS_URL): PING answered ${pong}`);
  const prefix = `bench:shards:${randomBytes(5).toString('hex')}:`;
  log(`shards: ${opts.guilds} guild(s), ${SHARDS} recommended shards, 2 instances on Redis ${REDIS_URL} with prefix ${prefix}`);
  const emulator = await startEmulator({ port: 0, extraUsers: opts.connections, rateLimits: 'off', resourceLimits: opts.emulatorLimits, guilds: opts.guilds, recommendedShards: SHARDS });
  const instances: Instance[] = [];
  let fleet: Fleet | undefined;
  try {
    const sessionSecret = randomBytes(32).toString('base64url');
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, DISCORD_SHARD_COUNT: 'auto' };
    const started = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const app = await startApp({ emulator, nodeBin: opts.node, port: await freePort(), cpu: placement?.server, logLevel: opts.logLevel, resourceLimits: opts.emulatorLimits, sessionSecret, env });
        const health = await healthOf(app);
        if (!health) throw new Error(`instance ${name} answers no health`);
        return { name, app, id: health.instanceId, alive: true };
      }),
    );
    instances.push(...started);
    for (const i of instances) cpu.watch(i.app.pid, `app ${i.name}`);
    const t0 = monoMs();
    const split = await waitForShards(instances, TAKEOVER_LIMIT_MS + 60_000);
    log(`shards: split ${JSON.stringify(Object.fromEntries(split))} ${((monoMs() - t0) / 1000).toFixed(1)} s after both answered`);

    const [a, b] = instances as [Instance, Instance];
    fleet = await Fleet.start({ emulator, connections: opts.connections, workers: opts.workers, baseUrl: a.app.baseUrl, concurrency: opts.setupConcurrency });
    const setupStart = monoMs();
    const setup = await fleet.setup(emulator);
    if (setup.failed > 0) log(`${setup.failed} client(s) could not be set up; first errors:\n  ${setup.errors.join('\n  ')}`);
    if (fleet.rooms.size === 0) throw new Error('no room could be set up');
    for (const room of fleet.rooms.values()) for (const userId of room.userIds) emulator.state.setVoiceState(room.guildId, userId, { channelId: room.channelId });
    log(`shards: ${fleet.rooms.size} rooms over ${new Set([...fleet.rooms.values()].map((r) => r.guildId)).size} guild(s) in ${((monoMs() - setupStart) / 1000).toFixed(1)} s`);
    const conn = await fleet.connect('app', a.app.wsUrl, true, opts.setupConcurrency, undefined, { urls: [a.app.wsUrl, b.app.wsUrl], reconnect: true });
    if (conn.failed > 0) log(`${conn.failed} connection(s) failed; first errors:\n  ${conn.errors.join('\n  ')}`);

    const { base } = await settledBase(fleet, 'app');
    await fleet.collect();
    const voice = new VoiceChanges(emulator, fleet.rooms);
    voice.begin(base);
    const groups = [...fleet.rooms.keys()];
    const gatewayBefore = await gatewayCounts(emulator.controlUrl);

    // The victim: the instance holding the most shards just before the kill.
    const killAfterMs = (opts.duration * 1000) / 4;
    let killedAt = 0;
    let takeoverMs = NaN;
    let victim: Instance | undefined;
    let victimShards: number[] = [];
    const killing = (async () => {
      await sleep(killAfterMs);
      const rows = (await healthOf(a.app))?.shards ?? [];
      const held = (i: Instance) => rows.filter((s) => s.holder === i.id).map((s) => s.id);
      victim = held(b).length > held(a).length ? b : a;
      victimShards = held(victim);
      killedAt = monoMs();
      victim.app.kill();
      victim.alive = false;
      log(`shards: kill -9 of instance ${victim.name} (pid ${victim.app.pid}, shards ${victimShards.join(', ')})`);
      await waitForShards(instances, TAKEOVER_LIMIT_MS);
      takeoverMs = monoMs() - killedAt;
      log(`shards: every shard CONNECTED under the survivor ${(takeoverMs / 1000).toFixed(2)} s after the kill`);
    })().catch((error: unknown) => log(`shards: the takeover did not complete: ${String(error)}`));
    const cpuFrom = cpu.sample();
    const { sent, elapsedMs } = await pace(opts.rate, opts.duration, () => voice.fire(groups[Math.floor(Math.random() * groups.length)]!));
    const usage = cpu.usage(cpuFrom, cpu.sample());
    await killing;

    // Drain: the dead instance's shards replay what they missed after the RESUME.
    const expectedTotal = [...voice.sent].reduce((n, [g, times]) => n + times.length * fleet!.rooms.get(g)!.clients.length, 0);
    const frames: Float64Array[] = [];
    const resyncs: Float64Array[] = [];
    let got = 0;
    let idleSince = monoMs();
    for (const drainStart = monoMs(); monoMs() - drainStart < 20_000 && monoMs() - idleSince < 3_000; ) {
      await sleep(250);
      const c = await fleet.collect();
      frames.push(c.frames.app);
      resyncs.push(c.resyncs);
      got += c.frames.app.length / 3;
      if (c.frames.app.length > 0) idleSince = monoMs();
      if (got >= expectedTotal) break;
    }
    const gatewayAfter = await gatewayCounts(emulator.controlUrl);
    const victimGuilds = new Set(emulator.guildIds.filter((g) => victimShards.includes(shardOfGuild(g, SHARDS))));
    const verdict = account({ fleet, base, sent: voice.sent, frames, resyncs, killedAt, takeoverMs, victimGuilds });
    const victimName = (victim as Instance | undefined)?.name ?? '?';
    ctx.noteCpu({ cpu: usage });
    results.shards = {
      guilds: opts.guilds,
      shards: SHARDS,
      emulatorResourceLimits: opts.emulatorLimits,
      split: Object.fromEntries(split),
      rooms: fleet.rooms.size,
      connections: conn.ok,
      events: sent,
      achievedRate: (sent / elapsedMs) * 1000,
      killAfterMs,
      victim: victimName,
      victimShards,
      victimGuilds: [...victimGuilds],
      takeoverMs,
      gateway: { resumes: gatewayAfter.resumes - gatewayBefore.resumes, identifies: gatewayAfter.identifies - gatewayBefore.identifies },
      cpu: usage,
      ...verdict,
    };
    table.section(
      `shards: 2 instances (Redis), ${SHARDS} shards over ${opts.guilds} guilds, ${num(conn.ok)} clients on both, ${num(opts.rate)} voice changes/s for ${opts.duration} s; kill -9 of the instance holding the most shards after ${(killAfterMs / 1000).toFixed(0)} s`,
      [
        { metric: 'shards held before the kill (instance: shards)', app: [...split].map(([n, k]) => `${n}: ${k}`).join(', ') },
        { metric: 'killed', app: `instance ${victimName}: shards ${victimShards.join(', ')} (guilds ${victimGuilds.size} of ${opts.guilds})` },
        { metric: 'takeover: kill → every shard CONNECTED again', app: Number.isFinite(takeoverMs) ? `${(takeoverMs / 1000).toFixed(2)} s` : 'NOT within 60 s', target: '≤ 20 s' },
        { metric: 'Gateway RESUMEs / IDENTIFYs during it', app: `${gatewayAfter.resumes - gatewayBefore.resumes} / ${gatewayAfter.identifies - gatewayBefore.identifies}` },
        { metric: 'events sent (achieved events/s)', app: `${num(sent)} (${num((sent / elapsedMs) * 1000)})` },
        { metric: 'frames delivered / expected', app: `${num(verdict.received)} / ${num(verdict.expected)}` },
        { metric: 'covered by a fresh snapshot (reconnected clients)', app: `${num(verdict.covered)} (${num(verdict.resyncedClients)} clients reconnected)` },
        { metric: 'kill → reconnected and resubscribed p50 / max', app: `${ms(verdict.resyncMs.p50)} / ${ms(verdict.resyncMs.max)}` },
        { metric: 'lost', app: num(verdict.lost), target: '0' },
        { metric: 'out of order', app: num(verdict.outOfOrder), target: '0' },
        { metric: 'repeated', app: num(verdict.repeated), target: '0' },
        { metric: 'latency p50 / p99 / max, whole run', app: `${ms(verdict.latency.p50)} / ${ms(verdict.latency.p99)} / ${ms(verdict.latency.max)}` },
        { metric: "… events sent during the takeover, killed shards' guilds", app: `${ms(verdict.takeoverVictim.p50)} / ${ms(verdict.takeoverVictim.p99)} / ${ms(verdict.takeoverVictim.max)}` },
        { metric: '… events sent during the takeover, other guilds', app: `${ms(verdict.takeoverOthers.p50)} / ${ms(verdict.takeoverOthers.p99)} / ${ms(verdict.takeoverOthers.max)}` },
        { metric: 'server CPU (both instances; others)', app: `${instances.map((i) => (i === victim ? `${i.name} killed` : `${i.name} ${usage.processPct[`app ${i.name}`] ?? 0} %`)).join(', ')} (others ${usage.otherPct} %)` },
      ],
      [`emulator: ${opts.guilds} guilds, Discord's resource limits ${opts.emulatorLimits === 'off' ? 'OFF' : 'on'}, ${SHARDS} recommended shards (DISCORD_SHARD_COUNT=auto)`],
    );
    return fleet.rooms.size;
  } finally {
    await fleet?.stop().catch(() => undefined);
    for (const i of instances) {
      await i.app.stop().catch(() => undefined);
      const errors = i.app.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
      if (errors.length) log(`instance ${i.name} logged ${errors.length} error line(s); first: ${errors[0]!.slice(0, 300)}`);
    }
    await emulator.close();
    const deleted = await redisCommand(REDIS_URL, ['EVAL', "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n", '0', `${prefix}*`]).catch(String);
    log(`shards: deleted the run's Redis keys (${deleted})`);
  }
}

export interface ShardsVerdict {
  expected: number;
  received: number;
  /** Not received by a client that reconnected, at or below the sequence of its fresh snapshot. */
  covered: number;
  resyncedClients: number;
  /** Kill → each reconnected client's fresh snapshot, ms. */
  resyncMs: ReturnType<typeof summarize>;
  lost: number;
  outOfOrder: number;
  repeated: number;
  unmatched: number;
  latency: ReturnType<typeof summarize>;
  takeoverVictim: ReturnType<typeof summarize>;
  takeoverOthers: ReturnType<typeof summarize>;
}

/**
 * Every client's frames against the events of its room: each event k of room g is sequence
 * base(g) + k + 1 and must reach every client of the room once, in order. A client that reconnected
 * (its instance died) took a snapshot: the events up to its sequence that it never got are covered.
 */
export function account(input: {
  fleet: Pick<Fleet, 'rooms' | 'groupOf'>;
  base: ReadonlyMap<number, number>;
  sent: ReadonlyMap<number, number[]>;
  frames: Float64Array[];
  resyncs: Float64Array[];
  killedAt: number;
  takeoverMs: number;
  victimGuilds: ReadonlySet<string>;
}): ShardsVerdict {
  const { fleet, base, sent } = input;
  const snapshotOf = new Map<number, number>();
  const resyncMs: number[] = [];
  for (const part of input.resyncs) {
    for (let i = 0; i < part.length; i += 3) {
      snapshotOf.set(part[i]!, Math.max(snapshotOf.get(part[i]!) ?? 0, part[i + 1]!));
      resyncMs.push(part[i + 2]! - input.killedAt);
    }
  }
  const seen = new Map<number, Set<number>>();
  const highest = new Map<number, number>();
  const all: number[] = [];
  const victim: number[] = [];
  const others: number[] = [];
  const takeoverEnd = input.killedAt + (Number.isFinite(input.takeoverMs) ? input.takeoverMs : TAKEOVER_LIMIT_MS);
  let repeated = 0;
  let outOfOrder = 0;
  let unmatched = 0;
  let received = 0;
  for (const part of input.frames) {
    for (let i = 0; i < part.length; i += 3) {
      const client = part[i]!;
      const seq = part[i + 1]!;
      const group = fleet.groupOf(client);
      const times = sent.get(group);
      const k = seq - (base.get(group) ?? 0) - 1;
      if (!times || k < 0 || k >= times.length) {
        unmatched++;
        continue;
      }
      const mine = seen.get(client) ?? new Set<number>();
      seen.set(client, mine);
      if (mine.has(seq)) {
        repeated++;
        continue;
      }
      mine.add(seq);
      if (seq < (highest.get(client) ?? 0)) outOfOrder++;
      highest.set(client, Math.max(highest.get(client) ?? 0, seq));
      received++;
      const sentAt = times[k]!;
      const latency = part[i + 2]! - sentAt;
      all.push(latency);
      if (sentAt >= input.killedAt && sentAt <= takeoverEnd) (input.victimGuilds.has(fleet.rooms.get(group)!.guildId) ? victim : others).push(latency);
    }
  }
  let expected = 0;
  let covered = 0;
  for (const [group, room] of fleet.rooms) {
    const times = sent.get(group) ?? [];
    const from = base.get(group) ?? 0;
    for (const client of room.clients) {
      expected += times.length;
      const mine = seen.get(client);
      const snapshot = snapshotOf.get(client) ?? 0;
      for (let k = 0; k < times.length; k++) if (!mine?.has(from + k + 1) && from + k + 1 <= snapshot) covered++;
    }
  }
  return {
    expected,
    received,
    covered,
    resyncedClients: snapshotOf.size,
    resyncMs: summarize(resyncMs),
    lost: Math.max(0, expected - received - covered),
    outOfOrder,
    repeated,
    unmatched,
    latency: summarize(all),
    takeoverVictim: summarize(victim),
    takeoverOthers: summarize(others),
  };
}

async function healthOf(app: AppProcess): Promise<Health | null> {
  try {
    const res = await fetch(`${app.baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
    const parsed = HealthSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Until every shard is CONNECTED under a live instance (as a live one's /api/health says); the split by instance name. */
async function waitForShards(instances: Instance[], timeoutMs: number): Promise<Map<string, number>> {
  const deadline = monoMs() + timeoutMs;
  let last: Health | null = null;
  for (;;) {
    const live = instances.filter((i) => i.alive);
    last = live[0] ? await healthOf(live[0].app) : null;
    const rows = last?.shards ?? [];
    const byId = new Map(live.map((i) => [i.id, i.name]));
    if (rows.length === SHARDS && rows.every((s) => s.state === 'CONNECTED' && s.holder !== null && byId.has(s.holder))) {
      const split = new Map<string, number>();
      for (const s of rows) split.set(byId.get(s.holder!)!, (split.get(byId.get(s.holder!)!) ?? 0) + 1);
      return split;
    }
    if (monoMs() > deadline) throw new Error(`the shards were not all CONNECTED under live instances within ${timeoutMs / 1000} s: ${JSON.stringify(last?.shards ?? null)}`);
    await sleep(100);
  }
}

async function gatewayCounts(controlUrl: string): Promise<{ identifies: number; resumes: number }> {
  const body = (await (await fetch(`${controlUrl}/state`)).json()) as { gateway?: { identifies?: number; resumes?: number } };
  return { identifies: body.gateway?.identifies ?? NaN, resumes: body.gateway?.resumes ?? NaN };
}

/** One Redis command over RESP; answers the first line of the reply (`+PONG`, `:3`, `-ERR …`). */
function redisCommand(url: string, args: string[]): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(u.port || 6379), u.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5_000);
    let reply = '';
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.end();
      resolve(reply.slice(0, end));
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}
