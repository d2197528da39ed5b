/**
 * The `rooms` scenario: the same phases, with the same clients, for the app and each reference in
 * turn — the bare-`ws` wire floor, the same-job floor and the discord.js peer — and, with `--max`,
 * the max-rate search for every one of them. Each row shows app ÷ each reference.
 */
import type { CpuMeter } from './cpu-meter.ts';
import { type EventSource, type PhaseResult, runPhase } from './driver.ts';
import type { Fleet } from './fleet.ts';
import type { BenchOptions } from './options.ts';
import { rssBytes } from './processes.ts';
import { kb, mb, ms, num, ratio, type Row, type Table } from './report.ts';
import type { SameJobTarget } from './same-job.ts';
import { TARGETS, type Target } from './worker-protocol.ts';

export interface ScenarioContext {
  opts: BenchOptions;
  table: Table;
  cpu: CpuMeter;
  results: Record<string, unknown>;
  log(message: string): void;
  noteCpu(...phases: Array<Pick<PhaseResult, 'cpu'> | null | undefined>): void;
}

interface MaxSearch {
  best: number;
  deliveriesAtBest: number;
  steps: MaxStep[];
}

/** One step of the search; `again`: the second run of a rate whose first failed on the server's side. */
export interface MaxStep {
  rate: number;
  achieved: number;
  p99: number;
  lost: number;
  ok: boolean;
  benchBound: boolean;
  again?: true;
}

/** What one step of `--step-duration` s measured. */
export type StepMeasure = Pick<MaxStep, 'achieved' | 'p99' | 'lost'> & { deliveriesPerSecond: number };

/**
 * The max-rate search, given a way to run one step at a rate: raises the rate ×1.5 until a step
 * fails, then bisects twice between the last pass and the failure. A step the server failed (loss,
 * or p99 over `maxP99Ms`) runs once more at the same rate and fails only if that run fails too: at
 * these rates a 5 s step's p99 turns on a single pause of a few tens of ms (a full GC of the server,
 * or of a bench process sharing the clients' core), and one such pause would otherwise end the
 * search at any rate. Overload fails both runs. A step the bench could not offer is not run again.
 */
export async function searchMax<M extends StepMeasure>(
  measure: (rate: number) => Promise<M>,
  startRate: number,
  maxP99Ms: number,
  /** Each step as it ends, with what `measure` returned for it. */
  onStep: (step: MaxStep, measured: M) => void = () => undefined,
): Promise<MaxSearch> {
  const out: MaxSearch = { best: 0, deliveriesAtBest: 0, steps: [] };
  const run = async (rate: number, again: boolean): Promise<'pass' | 'server' | 'bench'> => {
    const r = await measure(rate);
    const served = r.lost === 0 && r.p99 <= maxP99Ms;
    const offered = r.achieved >= rate * 0.95;
    const ok = served && offered;
    const step: MaxStep = { rate, achieved: Math.round(r.achieved), p99: r.p99, lost: r.lost, ok, benchBound: served && !offered, ...(again ? { again: true as const } : {}) };
    out.steps.push(step);
    onStep(step, r);
    if (ok && rate > out.best) {
      out.best = rate;
      out.deliveriesAtBest = r.deliveriesPerSecond;
    }
    return ok ? 'pass' : served ? 'bench' : 'server';
  };
  const attempt = async (rate: number): Promise<boolean> => {
    const first = await run(rate, false);
    return first === 'server' ? (await run(rate, true)) === 'pass' : first === 'pass';
  };
  let rate = Math.max(500, startRate);
  let failedAt = 0;
  for (let i = 0; i < 10; i++) {
    if (!(await attempt(rate))) {
      failedAt = rate;
      break;
    }
    rate = Math.round(rate * 1.5);
  }
  // Even the first step failed: halve until one passes (a disturbed or slow target still gets a number).
  for (let i = 0; i < 4 && out.best === 0 && rate > 50; i++) {
    rate = Math.round(rate / 2);
    if (!(await attempt(rate))) failedAt = rate;
  }
  for (let i = 0; i < 2 && failedAt > 0; i++) {
    const mid = Math.round((out.best + failedAt) / 2);
    if (await attempt(mid)) continue;
    failedAt = mid;
  }
  return out;
}

/**
 * The lowest failed step above the best failed only because the bench could not offer its rate (0 lost, p99
 * within the limit, fewer than 95 % of the events sent): the target's own limit is then above the
 * best, which is a lower bound, not a measurement of it. The driver paces open-loop on the bench's
 * core, so its rate does not depend on the server under test.
 */
export function benchBoundAbove(search: Pick<MaxSearch, 'best' | 'steps'>): boolean {
  // The failure that bounds the best is the lowest one above it; a server failure there decides.
  let bound: MaxSearch['steps'][number] | undefined;
  for (const s of search.steps) {
    if (s.ok || s.rate <= search.best) continue;
    const lower = !bound || s.rate < bound.rate;
    const sameRateButTheServers = bound !== undefined && s.rate === bound.rate && !s.benchBound;
    if (lower || sameRateButTheServers) bound = s;
  }
  return bound?.benchBound ?? false;
}

interface TargetRun {
  quiet: PhaseResult;
  load: PhaseResult;
  max: MaxSearch | null;
  at90: PhaseResult | null;
  /** Same-job references: server RSS before and with the clients, and how many connected. */
  memory?: { before: number; after: number; connections: number };
}

const QUIET_RATE = 50;

export async function roomsScenario(
  ctx: ScenarioContext,
  fleet: Fleet,
  sources: { app: EventSource; ref: EventSource | null; sameJob: Array<() => Promise<SameJobTarget>> },
): Promise<void> {
  const { opts } = ctx;
  const groups = [...fleet.rooms.keys()];
  const anyRoom = () => groups[Math.floor(Math.random() * groups.length)]!;
  const runs: Partial<Record<Target, TargetRun>> = {};

  const measure = async (source: EventSource): Promise<TargetRun> => {
    const run = (label: string, rate: number, durationS: number, pick: () => number) => runPhase({ fleet, source, label, rate, durationS, pick, cpu: ctx.cpu });
    ctx.log(`rooms: ${source.target}`);
    const quiet = await run('quiet', QUIET_RATE, 4, () => groups[0]!);
    const load = await run('load', opts.rate, opts.duration, anyRoom);
    ctx.noteCpu(quiet, load);
    if (!opts.max) return { quiet, load, max: null, at90: null };
    const max = await findMax(ctx, fleet, source, anyRoom);
    const at90 = max.best > 0 ? await run('at 90% of max', max.best * 0.9, opts.stepDuration * 2, anyRoom) : null;
    ctx.noteCpu(at90);
    return { quiet, load, max, at90 };
  };

  runs.app = await measure(sources.app);
  if (sources.ref) runs.ref = await measure(sources.ref);
  for (const start of sources.sameJob) {
    const t = await start();
    try {
      ctx.cpu.watch(t.server.pid, t.kind);
      const ids = new Map([...t.rooms].map(([g, r]) => [g, r.channelId]));
      const conn = await fleet.connect(t.kind, t.server.url, true, opts.setupConcurrency, ids);
      if (conn.failed > 0) ctx.log(`${t.kind}: ${conn.failed} connection(s) failed; first errors:\n  ${conn.errors.join('\n  ')}`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const memory = { before: t.rssBefore, after: rssBytes(t.server.pid), connections: conn.ok };
      runs[t.kind] = { ...(await measure(t.source)), memory };
      await fleet.disconnect(t.kind);
    } finally {
      await t.close();
    }
  }
  ctx.results.rooms = runs;
  report(ctx, runs);
}

/** The cells of one row: each target's value and app ÷ it (for `n`, when given). */
function cells(runs: Partial<Record<Target, TargetRun>>, pick: (r: TargetRun) => PhaseResult | null, text: (p: PhaseResult | null) => string, n?: (p: PhaseResult) => number): Omit<Row, 'metric'> {
  const appPhase = runs.app ? pick(runs.app) : null;
  const of = (t: Target): [string | undefined, string | undefined] => {
    const run = runs[t];
    if (!run) return [undefined, undefined];
    const p = pick(run);
    return [text(p), n && p && appPhase ? ratio(n(appPhase), n(p)) : undefined];
  };
  const [ref, refRatio] = of('ref');
  const [floor, floorRatio] = of('floor');
  const [peer, peerRatio] = of('peer');
  return { app: text(appPhase), ref, ratio: refRatio, floor, floorRatio, peer, peerRatio };
}

/** The server's CPU time per driven event, in µs (from /proc ticks of 10 ms over the phase). */
function cpuPerEventUs(p: PhaseResult): number {
  const pct = p.cpu?.processPct[p.target];
  return pct === undefined ? NaN : (pct / 100) * (1e6 / p.achievedRate);
}

function cpuText(p: PhaseResult | null): string {
  if (!p?.cpu) return 'n/a';
  return `${p.cpu.processPct[p.target] ?? NaN} % (others ${p.cpu.otherPct} %)`;
}

function report(ctx: ScenarioContext, runs: Partial<Record<Target, TargetRun>>): void {
  const { opts } = ctx;
  const quiet = (r: TargetRun) => r.quiet;
  const load = (r: TargetRun) => r.load;
  const at90 = (r: TargetRun) => r.at90;
  const client = (p: PhaseResult | null) => (p?.cpu ? `${((p.cpu.processPct.bench ?? 0) + (p.cpu.processPct.workers ?? 0)).toFixed(1)} %` : 'n/a');
  const connections = runs.app?.load.connections ?? 0;
  const memoryRows: Row[] = runs.floor?.memory || runs.peer?.memory
    ? [
        {
          metric: 'server RSS with the clients (per connection)',
          app: 'idle memory ↑',
          ...Object.fromEntries(
            (['floor', 'peer'] as const).flatMap((t) => {
              const m = runs[t]?.memory;
              return m ? [[t, `${mb(m.after)} (${kb((m.after - m.before) / Math.max(1, m.connections))})`]] : [];
            }),
          ),
        },
      ]
    : [];
  ctx.table.section(`rooms: ${num(connections)} connections in rooms of 4, ${num(opts.rate)} voice changes/s to random rooms, ${opts.duration} s`, [
    { metric: `idle system: 1 room, ${QUIET_RATE} events/s, p99`, ...cells(runs, quiet, (p) => ms(p?.latency.p99), (p) => p.latency.p99), target: '≤ 10 ms' },
    { metric: 'server CPU (other processes)', ...cells(runs, load, cpuText) },
    { metric: 'server CPU per event (load phase)', ...cells(runs, load, (p) => (p ? `${num(cpuPerEventUs(p))} µs` : 'n/a'), cpuPerEventUs) },
    { metric: 'client side CPU (bench + workers)', ...cells(runs, load, client) },
    { metric: 'client-side GC, longest pause', ...cells(runs, load, (p) => ms(p?.clientGcMaxPauseMs)) },
    { metric: 'events/s achieved', ...cells(runs, load, (p) => num(p?.achievedRate)) },
    { metric: 'latency p50', ...cells(runs, load, (p) => ms(p?.latency.p50), (p) => p.latency.p50) },
    { metric: 'latency p99', ...cells(runs, load, (p) => ms(p?.latency.p99), (p) => p.latency.p99), target: '≤ 50 ms' },
    { metric: 'latency max', ...cells(runs, load, (p) => ms(p?.latency.max)) },
    { metric: 'frames delivered / expected', ...cells(runs, load, (p) => (p ? `${num(p.received)} / ${num(p.expected)}` : 'n/a')) },
    { metric: 'lost', ...cells(runs, load, (p) => num(p?.lost)), target: '0' },
    { metric: 'out of order', ...cells(runs, load, (p) => num(p?.outOfOrder)), target: '0' },
    { metric: 'deliveries/s', ...cells(runs, load, (p) => num(p?.deliveriesPerSecond), (p) => p.deliveriesPerSecond) },
    ...memoryRows,
  ]);
  if (!opts.max || !runs.app?.max) return;

  const best = (t: Target) => runs[t]?.max?.best;
  const capped = (t: Target) => (runs[t]?.max ? benchBoundAbove(runs[t].max) : false);
  const maxCell = (t: Target) => (runs[t]?.max ? `${capped(t) ? '≥ ' : ''}${num(best(t))}` : undefined);
  // A ratio with a bench-bound side compares the bench's limit, not the two servers.
  const maxRatio = (t: Target) => (runs[t]?.max ? `${ratio(best('app'), best(t))}${capped('app') || capped(t) ? ' (bench-bound)' : ''}` : undefined);
  const steps = (t: Target) =>
    runs[t]?.max?.steps.map((s) => `${s.again ? 'again ' : ''}${num(s.rate)}→${s.p99.toFixed(0)}ms${s.lost ? `,${s.lost}` : ''}${s.benchBound ? `,bench sent ${num(s.achieved)}/s` : ''}`).join(' ');
  const stepNotes = TARGETS.flatMap((t) => (runs[t]?.max ? [`steps, ${t} (events/s → p99, lost): ${steps(t) ?? ''}`] : []));
  ctx.table.section(`rooms, max sustainable rate (steps of ${opts.stepDuration} s; passes with 0 lost, p99 ≤ ${opts.maxP99Ms} ms, rate kept; a failed step runs again once)`, [
    {
      metric: 'max events/s',
      app: maxCell('app') ?? '',
      ref: maxCell('ref'),
      ratio: maxRatio('ref'),
      floor: maxCell('floor'),
      floorRatio: maxRatio('floor'),
      peer: maxCell('peer'),
      peerRatio: maxRatio('peer'),
      target: '≥ 1.0× floor, ≥ 1.5× djs',
    },
    {
      metric: 'deliveries/s at max',
      app: num(runs.app.max.deliveriesAtBest),
      ref: runs.ref?.max ? num(runs.ref.max.deliveriesAtBest) : undefined,
      floor: runs.floor?.max ? num(runs.floor.max.deliveriesAtBest) : undefined,
      peer: runs.peer?.max ? num(runs.peer.max.deliveriesAtBest) : undefined,
    },
    { metric: 'p99 at 90 % of max', ...cells(runs, at90, (p) => ms(p?.latency.p99), (p) => p.latency.p99), target: '≤ 20 ms (app)' },
    { metric: 'server CPU at 90 % of max', ...cells(runs, at90, cpuText) },
  ], [
    ...stepNotes,
    ...(TARGETS.some(capped)
      ? ['≥: a step above it failed only because the bench could not offer its rate (0 lost, p99 within the limit, < 95 % of the events sent): the limit there is the bench\'s core, not the server\'s']
      : []),
  ]);
}

/** `searchMax` on the fleet: each step a phase of `--step-duration` s, logged as it ends. */
function findMax(ctx: ScenarioContext, fleet: Fleet, source: EventSource, pick: () => number): Promise<MaxSearch> {
  const { opts } = ctx;
  const measure = async (rate: number) => {
    const r = await runPhase({ fleet, source, label: `max ${rate}`, rate, durationS: opts.stepDuration, pick, cpu: ctx.cpu });
    ctx.noteCpu(r);
    return { achieved: r.achievedRate, p99: r.latency.p99, lost: r.lost, deliveriesPerSecond: r.deliveriesPerSecond, phase: r };
  };
  const onStep = (s: MaxStep, { phase: r }: { phase: PhaseResult }) => {
    ctx.log(
      `max search (${source.target}): ${s.again ? 'again: ' : ''}${s.rate} events/s → p99 ${s.p99.toFixed(1)} ms, lost ${s.lost}, ${s.ok ? 'pass' : s.benchBound ? `fail: the bench sent ${s.achieved}/s` : 'fail'}` +
        ` client GC ≤ ${r.clientGcMaxPauseMs.toFixed(0)} ms` +
        (r.cpu ? ` (server ${r.cpu.processPct[source.target]} %, bench+workers ${((r.cpu.processPct.bench ?? 0) + (r.cpu.processPct.workers ?? 0)).toFixed(1)} %, others ${r.cpu.otherPct} %)` : ''),
    );
  };
  return searchMax(measure, opts.rate, opts.maxP99Ms, onStep);
}
