/**
 * `pnpm bench`: the load benchmark of the real-time path (see apps/bench/README.md). It starts the
 * Discord emulator (in this process), the app's production build and the bare-`ws` reference
 * server (on the other core), signs N generated users in, puts them in rooms of 4, and measures.
 * Every run is bounded: a watchdog ends it, and every child process dies with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startEmulator, type EmulatorHandle } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { eventLoopLag, metricValue, scrapeMetrics, startPingProbe } from './app-probe.ts';
import { monoMs, sleep } from './clock.ts';
import { CpuMeter } from './cpu-meter.ts';
import { watchGc } from './gc-watch.ts';
import { pace, type PhaseResult, ReferenceEvents, VoiceChanges } from './driver.ts';
import { type ConnectSummary, Fleet, ROOM_SIZE } from './fleet.ts';
import { type BenchOptions, emulatorLimitsProblem, HELP, MAX_ROOMS_PER_GUILD, parseOptions, roomsPerGuild } from './options.ts';
import { type AppProcess, BENCH_NODE_FLAGS, killAllChildren, pinCpus, type ReferenceProcess, rssBytes, settledRssBytes, startApp, startReference } from './processes.ts';
import { kb, mb, ms, num, ratio, Table } from './report.ts';
import { roomsScenario } from './rooms-scenario.ts';
import { shardsScenario } from './shards-scenario.ts';
import { slowScenario } from './slow-scenario.ts';
import { startSameJob } from './same-job.ts';
import { summarize } from './stats.ts';

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

const parsed = (() => {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error && !(error instanceof z.ZodError) ? error.message : error);
    process.exit(1);
  }
})();
if (parsed === 'help') {
  console.log(HELP);
  process.exit(0);
}
const opts: BenchOptions = parsed;
const limitsProblem = emulatorLimitsProblem(opts, ROOM_SIZE);
if (limitsProblem) {
  console.error(limitsProblem);
  process.exit(1);
}
const LIMITS_OFF_NOTE = "emulator resource limits: OFF (Discord's limits not enforced)";

process.on('exit', killAllChildren);
process.on('SIGINT', () => {
  console.error('\ninterrupted: stopping every child process');
  process.exit(130);
});
process.on('SIGTERM', () => process.exit(143));

// The watchdog: generous, but a run always ends.
const budgetS = 300 + opts.connections * 0.3 + opts.duration * 12 + (opts.max ? 2 * 14 * (opts.stepDuration + 12) : 0);
setTimeout(() => {
  console.error(`\nthe bench ran past its ${Math.round(budgetS)} s budget: stopping`);
  process.exit(2);
}, budgetS * 1000).unref();

const table = new Table();
const cpu = new CpuMeter();
watchGc();
/** The most CPU other processes on the machine took during any measured phase (%, of one core). */
let worstOtherCpu = 0;
let fleetRooms = 0;
const results: Record<string, unknown> = {};
const log = (message: string) => console.error(`[bench] ${message}`);

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}

async function main(): Promise<void> {
  const placement = pinCpus(opts.pin);
  const serverNodeVersion = execFileSync(opts.node, ['--version'], { encoding: 'utf8' }).trim();
  log(`bench on Node ${process.version}; app and references on Node ${serverNodeVersion} (${opts.node})`);
  const missing = BENCH_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
  if (missing.length > 0) log(`WARNING: this process runs without ${missing.join(' ')} (start it as \`pnpm bench\` does): its GC helper threads take turns with the clients on their core`);
  const startedAt = new Date();
  Object.assign(results, {
    date: startedAt.toISOString(),
    options: opts,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, serverNode: serverNodeVersion, placement },
  });
  log(`${opts.scenario}: ${opts.connections} connections, ${opts.rate} events/s for ${opts.duration} s${placement ? ` (bench on CPU ${placement.bench}, servers on CPU ${placement.server})` : ''}`);

  if (opts.scenario === 'shards') fleetRooms = await shardsScenario({ opts, table, cpu, results, log, noteCpu }, placement);
  else await oneInstance(placement);

  results.worstOtherCpuPct = worstOtherCpu;
  results.emulatorResourceLimits = opts.emulatorLimits;
  results.guilds = opts.guilds;
  table.print();
  console.log(`Node: the app and the references on ${(results.machine as { serverNode: string }).serverNode}, the bench on ${process.version}\n`);
  // No run with the limits lifted may pass for a measurement of something a real guild can hold.
  if (opts.emulatorLimits === 'off') console.log(`${LIMITS_OFF_NOTE}\n`);
  else console.log(`emulator: ${opts.guilds} guild(s), Discord's resource limits ON (${num(fleetRooms)} rooms; at most ${MAX_ROOMS_PER_GUILD} in guild 1, ${roomsPerGuild(1)} in each other)\n`);
  if (worstOtherCpu > 15) {
    console.log(`WARNING: other processes on this machine used up to ${worstOtherCpu} % of a core during a measured phase; latencies and rates above include that interference.\n`);
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = opts.out || `${resultsDir}${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${file}${opts.cpuProf ? ` (CPU profile in ${resultsDir}profiles/)` : ''}`);
}

/** Every scenario but `shards`: one app instance, in memory mode, with the references beside it. */
async function oneInstance(placement: { bench: string; server: string } | null): Promise<void> {
  if (opts.emulatorLimits === 'off') log(LIMITS_OFF_NOTE);
  log(`${opts.guilds} guild(s) in the emulator, Discord's resource limits ${opts.emulatorLimits === 'off' ? 'OFF' : 'on'}`);
  const emulator = await startEmulator({ port: 0, extraUsers: opts.connections, rateLimits: 'off', resourceLimits: opts.emulatorLimits, guilds: opts.guilds });
  let app: AppProcess | undefined;
  let ref: ReferenceProcess | null = null;
  let fleet: Fleet | undefined;
  let control: WebSocket | undefined;
  try {
    const cpuProfDir = opts.cpuProf ? `${resultsDir}profiles/` : undefined;
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    const nodeArgs = opts.appNodeArgs.split(/\s+/).filter(Boolean);
    app = await startApp({ emulator, nodeBin: opts.node, port: await freePort(), cpu: placement?.server, cpuProfDir, nodeArgs, entry: opts.appEntry, logFile: opts.appLog || undefined, logLevel: opts.logLevel, resourceLimits: opts.emulatorLimits });
    log(`app pid ${app.pid} at ${app.baseUrl}`);
    const wantsRef = opts.reference && opts.refs.includes('wire') && ['rooms', 'idle', 'all'].includes(opts.scenario);
    ref = wantsRef ? await startReference(placement?.server, opts.node) : null;
    fleet = await Fleet.start({ emulator, connections: opts.connections, workers: opts.workers, baseUrl: app.baseUrl, concurrency: opts.setupConcurrency });
    cpu.watch(process.pid, 'bench');
    for (const pid of fleet.pids) cpu.watch(pid, 'workers');
    cpu.watch(app.pid, 'app');
    cpu.watch(ref?.pid, 'ref');

    await setup(emulator, fleet);
    const appConn = await connect(app, fleet);

    if (ref) {
      const before = rssBytes(ref.pid);
      const refConn = await fleet.connect('ref', ref.url, true, opts.setupConcurrency);
      await sleep(3_000);
      const after = rssBytes(ref.pid);
      results.referenceMemory = { rssBefore: before, rssAfter: after, perConnection: (after - before) / refConn.ok, connections: refConn.ok };
      memoryRows(appConn, { ok: refConn.ok, before, after });
      control = new WebSocket(`${ref.url}/?control=1`, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        control!.once('open', () => resolve());
        control!.once('error', reject);
      });
    } else {
      memoryRows(appConn, null);
    }

    const voice = new VoiceChanges(emulator, fleet.rooms);
    const reference = control ? new ReferenceEvents(control, fleet.rooms, emulator) : null;
    if (opts.scenario === 'rooms' || opts.scenario === 'all') {
      const sameJobKinds = opts.reference ? opts.refs.filter((r) => r !== 'wire') : [];
      const sameJob = sameJobKinds.map((kind) => () =>
        // The same-job references watch one guild: with --guilds their own emulator puts every room
        // in its one guild, so its limits are lifted there (the app's emulator keeps them).
        startSameJob(kind, fleet!, { connections: opts.connections, resourceLimits: opts.guilds > 1 ? 'off' : opts.emulatorLimits, cpu: placement?.server, nodeBin: opts.node }),
      );
      const ctx = { opts, table, cpu, results, log, noteCpu };
      await roomsScenario(ctx, fleet, { app: voice, ref: reference, sameJob });
    }
    if (opts.scenario === 'lobby' || opts.scenario === 'all') await lobbyScenario(fleet);
    if (opts.scenario === 'slow' || opts.scenario === 'all') await slowScenario({ opts, table, cpu, results, log, noteCpu }, fleet, voice, app);
    if (opts.hold > 0) {
      log(`holding for ${opts.hold} s (app pid ${app.pid})`);
      await sleep(opts.hold * 1000);
    }
  } finally {
    control?.close();
    await fleet?.stop().catch(() => undefined);
    await ref?.stop().catch(() => undefined);
    if (app) {
      await app.stop().catch(() => undefined);
      const errors = app.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
      if (errors.length) log(`the app logged ${errors.length} error line(s); first: ${errors[0]!.slice(0, 300)}`);
    }
    await emulator.close();
  }
}

// ---- setup ------------------------------------------------------------------------------------

async function setup(emulator: EmulatorHandle, fleet: Fleet): Promise<void> {
  const t0 = monoMs();
  const { failed, errors, phasesMs } = await fleet.setup(emulator);
  const setupMs = monoMs() - t0;
  if (failed > 0) log(`${failed} client(s) could not be set up; first errors:\n  ${errors.join('\n  ')}`);
  if (fleet.rooms.size === 0) throw new Error('no room could be set up');
  fleetRooms = fleet.rooms.size;
  // Everyone into their room's voice channel: voice changes only reach a room from its channel.
  for (const room of fleet.rooms.values()) {
    for (const userId of room.userIds) emulator.state.setVoiceState(room.guildId, userId, { channelId: room.channelId });
  }
  log(`setup: ${opts.connections - failed} users signed in, ${fleet.rooms.size} rooms in ${(setupMs / 1000).toFixed(1)} s`);
  results.setup = { ms: setupMs, phasesMs, signedIn: opts.connections - failed, failed, rooms: fleet.rooms.size, errors };
  table.section('setup (real OAuth2 sign-ins through the emulator, rooms, invites)', [
    { metric: 'users signed in, in rooms', app: `${num(opts.connections - failed)} / ${num(opts.connections)}` },
    { metric: 'rooms (creator + 3 invited)', app: num(fleet.rooms.size) },
    { metric: 'guilds (rooms in their users\' own guild)', app: `${opts.guilds}, Discord's limits ${opts.emulatorLimits === 'off' ? 'OFF' : 'on'}` },
    {
      metric: 'setup time (sign-in + create + redeem)',
      app: `${(setupMs / 1000).toFixed(1)} s (${[phasesMs.signIn, phasesMs.create, phasesMs.redeem].map((v) => (v / 1000).toFixed(1)).join(' + ')})`,
    },
  ]);
}

// ---- connect (and the connect storm) ------------------------------------------------------------

interface AppConnect {
  summary: ConnectSummary;
  rssBefore: number;
  rssAfter: number;
  /** V8 heap in use (from /api/metrics), null when the app has no metrics. */
  heapBefore: number | null;
  heapAfter: number | null;
}

async function connect(app: AppProcess, fleet: Fleet): Promise<AppConnect> {
  const storm = opts.scenario === 'connect' || opts.scenario === 'all';
  // Let the app go idle after setup (V8 shrinks its heap after a few idle seconds) before the baseline:
  // until its RSS stops falling (Node 24 returns freed pages later than Node 20).
  const rssBefore = await settledRssBytes(app.pid);
  // prom-client's lag histogram restarts at each scrape.
  const heapBefore = metricValue(await scrapeMetrics(app.baseUrl), 'nodejs_heap_size_used_bytes');
  const probe = startPingProbe(app.wsUrl);
  const summary = await fleet.connect('app', app.wsUrl, true, storm ? opts.stormConcurrency : opts.setupConcurrency);
  const probeLatency = await probe.stop();
  const lag = eventLoopLag(await scrapeMetrics(app.baseUrl));
  if (summary.failed > 0) log(`${summary.failed} connection(s) failed; first errors:\n  ${summary.errors.join('\n  ')}`);
  const auth = summarize(summary.authMs);
  const subscribe = summary.subscribeMs.length ? summarize(summary.subscribeMs) : null;
  const rssAfter = await settledRssBytes(app.pid);
  const heapAfter = metricValue(await scrapeMetrics(app.baseUrl), 'nodejs_heap_size_used_bytes');
  results.connect = { storm, concurrencyPerWorker: storm ? opts.stormConcurrency : opts.setupConcurrency, ...summary, authMs: auth, subscribeMs: subscribe, eventLoopLag: lag, healthProbe: probeLatency };
  const title = storm
    ? `connect storm: ${num(opts.connections)} clients × (ws-token → connect → auth → subscribe), ${opts.stormConcurrency} in flight per worker`
    : `connect: ${num(opts.connections)} clients (ws-token → connect → auth → subscribe)`;
  table.section(title, [
    { metric: 'authenticated + subscribed', app: `${num(summary.ok)} / ${num(opts.connections)}`, target: storm ? `${num(opts.connections)}, no failures` : undefined },
    { metric: 'failures', app: num(summary.failed), target: storm ? '0' : undefined },
    { metric: 'wall time, all connected', app: `${(summary.wallMs / 1000).toFixed(1)} s`, target: storm ? '≤ 20 s (10k)' : undefined },
    { metric: 'per connection to auth.ok p50 / p99', app: `${ms(auth.p50)} / ${ms(auth.p99)}` },
    { metric: 'per connection to snapshot p99', app: ms(subscribe?.p99) },
    { metric: 'event-loop lag p99 (prom-client)', app: ms(lag.p99Ms), target: storm ? '≤ 50 ms' : undefined },
    { metric: 'event-loop lag max (prom-client)', app: ms(lag.maxMs) },
    { metric: 'ws ping → pong during it p99 / max', app: `${ms(probeLatency.p99)} / ${ms(probeLatency.max)}` },
  ]);
  return { summary, rssBefore, rssAfter, heapBefore, heapAfter };
}

function memoryRows(app: AppConnect, ref: { ok: number; before: number; after: number } | null): void {
  const perConn = (app.rssAfter - app.rssBefore) / Math.max(1, app.summary.ok);
  const refPer = ref ? (ref.after - ref.before) / Math.max(1, ref.ok) : NaN;
  const heapPerConn = app.heapBefore !== null && app.heapAfter !== null ? (app.heapAfter - app.heapBefore) / Math.max(1, app.summary.ok) : NaN;
  results.memory = { rssBefore: app.rssBefore, rssAfter: app.rssAfter, perConnection: perConn, heapBefore: app.heapBefore, heapAfter: app.heapAfter, heapPerConnection: heapPerConn, connections: app.summary.ok };
  table.section(`idle memory (server RSS from /proc, ${num(app.summary.ok)} idle authenticated, subscribed connections)`, [
    { metric: 'RSS before connections', app: mb(app.rssBefore), ref: ref ? mb(ref.before) : undefined },
    { metric: 'RSS with connections', app: mb(app.rssAfter), ref: ref ? mb(ref.after) : undefined, target: '≤ 250 MB (10k)' },
    { metric: 'RSS per connection', app: kb(perConn), ref: ref ? kb(refPer) : undefined, ratio: ratio(perConn, refPer), target: '≤ 12 KB' },
    { metric: 'V8 heap used per connection (no forced GC)', app: kb(heapPerConn) },
  ]);
}

// ---- rooms: rooms-scenario.ts ---------------------------------------------------------------

function noteCpu(...phases: Array<Pick<PhaseResult, 'cpu'> | null | undefined>): void {
  for (const p of phases) if (p?.cpu) worstOtherCpu = Math.max(worstOtherCpu, p.cpu.otherPct);
}

// ---- lobby ------------------------------------------------------------------------------------

/**
 * The lobby: every open tab of a user gets `lobby.rooms` (their list of rooms) when a room they are
 * in changes. Driven by real membership changes: a random user redeems a random room's spectator
 * invite (`POST /api/invites/redeem`), and every member of that room — players, spectators, the
 * newcomer — gets their fresh lobby list. Latency: request sent → each member's frame received.
 * Redemptions whose member sets overlap are not in flight together, so the k-th lobby frame a
 * client receives answers the k-th redemption that included it.
 */
async function lobbyScenario(fleet: Fleet): Promise<void> {
  const members = new Map<number, Set<number>>();
  for (const [g, room] of fleet.rooms) members.set(g, new Set(room.clients));
  const groups = [...fleet.rooms.keys()];
  const clients = [...members.values()].flatMap((s) => [...s]);
  const locked = new Set<number>();
  const redeems: Array<{ startedAt: number; targets: number[]; status: number }> = [];
  const pending: Promise<void>[] = [];
  let skipped = 0;
  let id = 0;
  await fleet.collect();

  const { sent, elapsedMs } = await pace(opts.lobbyRate, opts.duration, () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const g = groups[Math.floor(Math.random() * groups.length)]!;
      const inRoom = members.get(g)!;
      if (inRoom.size >= 16) continue;
      const u = clients[Math.floor(Math.random() * clients.length)]!;
      if (inRoom.has(u)) continue;
      const targets = [...inRoom, u];
      if (targets.some((t) => locked.has(t))) continue;
      for (const t of targets) locked.add(t);
      const rec = { startedAt: 0, targets, status: 0 };
      redeems.push(rec);
      pending.push(
        fleet.redeem(id++, u, fleet.rooms.get(g)!.spectatorToken).then((r) => {
          rec.startedAt = r.startedAt;
          rec.status = r.status;
          if (r.status === 200) inRoom.add(u);
          for (const t of targets) locked.delete(t);
        }),
      );
      return;
    }
    skipped++;
  });
  await Promise.all(pending);
  await sleep(1_500);
  const frames = (await fleet.collect()).lobby;

  // Per client: its redemptions in order, its lobby frames in order; the k-th answers the k-th.
  const byClient = new Map<number, number[]>();
  for (const r of redeems) {
    if (r.status !== 200) continue;
    for (const t of r.targets) {
      const list = byClient.get(t) ?? [];
      list.push(r.startedAt);
      byClient.set(t, list);
    }
  }
  const received = new Map<number, number[]>();
  for (let i = 0; i < frames.length; i += 3) {
    const list = received.get(frames[i]!) ?? [];
    list.push(frames[i + 2]!);
    received.set(frames[i]!, list);
  }
  const latencies: number[] = [];
  let expected = 0;
  let extra = 0;
  for (const [client, starts] of byClient) {
    starts.sort((a, b) => a - b);
    const got = received.get(client) ?? [];
    expected += starts.length;
    for (let k = 0; k < Math.min(starts.length, got.length); k++) latencies.push(got[k]! - starts[k]!);
    extra += Math.max(0, got.length - starts.length);
  }
  const ok = redeems.filter((r) => r.status === 200).length;
  const failed = redeems.length - ok;
  const statuses: Record<string, number> = {};
  for (const r of redeems) statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
  const lat = summarize(latencies);
  results.lobby = { statuses, offeredRate: opts.lobbyRate, redemptions: redeems.length, ok, failed, skipped, achievedRate: (sent / elapsedMs) * 1000, expected, received: latencies.length, extra, latency: lat };
  table.section(`lobby: ${num(opts.lobbyRate)} spectator joins/s (POST /api/invites/redeem) → lobby.rooms to every member's tab, ${opts.duration} s`, [
    { metric: 'redemptions ok / failed', app: `${num(ok)} / ${num(failed)}${failed ? ` ${JSON.stringify(statuses)}` : ''}` },
    { metric: 'redemptions/s achieved', app: num((ok / elapsedMs) * 1000) },
    { metric: 'lobby frames delivered / expected', app: `${num(latencies.length)} / ${num(expected)}` },
    { metric: 'lost', app: num(expected - latencies.length), target: '0' },
    { metric: 'latency p50 / p99 (request → frame)', app: `${ms(lat.p50)} / ${ms(lat.p99)}` },
    { metric: 'deliveries/s', app: num((latencies.length / elapsedMs) * 1000) },
  ]);
}
