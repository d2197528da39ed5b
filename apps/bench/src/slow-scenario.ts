/**
 * The `slow` scenario (R-RT6): one client of a hot room stops reading; the app must cut it and the
 * others must not notice.
 */
import { monoMs, sleep } from './clock.ts';
import { runPhase, type VoiceChanges } from './driver.ts';
import type { Fleet } from './fleet.ts';
import type { AppProcess } from './processes.ts';
import { ms, num } from './report.ts';
import type { ScenarioContext } from './rooms-scenario.ts';

/**
 * R-RT6: one client stops reading while its room is hot. The app must cut it (1008 once its send
 * buffer passes 1 MB) and nobody else may notice: the same load runs once with everyone reading
 * (baseline) and once with the slow client, and the others' latency is compared.
 */
export async function slowScenario(ctx: ScenarioContext, fleet: Fleet, voice: VoiceChanges, app: AppProcess): Promise<void> {
  const { opts, table, cpu, results, log, noteCpu } = ctx;
  if (opts.logLevel === 'silent' || opts.logLevel === 'error' || opts.logLevel === 'fatal') log('slow: the cut is read from the app\'s warn log; --log-level hides it');
  const groups = [...fleet.rooms.keys()];
  const hot = groups[0]!;
  const hotRoom = fleet.rooms.get(hot)!;
  const slowClient = hotRoom.clients[hotRoom.clients.length > 1 ? 1 : 0]!;
  const total = opts.rate + opts.slowRate;
  const pick = () => (Math.random() < opts.slowRate / total ? hot : groups[Math.floor(Math.random() * groups.length)]!);
  const exclude = new Set([slowClient]);
  const durationS = Math.max(opts.duration, 20);

  const baseline = await runPhase({ fleet, source: voice, label: 'slow: baseline', rate: total, durationS, pick, exclude, cpu });

  // The hub logs each cut at warn level with its time; reading the app's output costs the app nothing.
  let pausedAtWall = 0;
  const cutAfter = (): number | null => {
    for (const line of app.output().split('\n')) {
      if (!line.includes('"slow consumer closed"')) continue;
      const time = (JSON.parse(line) as { time?: number }).time ?? 0;
      if (pausedAtWall && time >= pausedAtWall) return time - pausedAtWall;
    }
    return null;
  };
  const slow = await runPhase({
    fleet,
    source: voice,
    label: 'slow: one client stopped reading',
    rate: total,
    durationS,
    pick,
    exclude,
    cpu,
    onStart: () => {
      fleet.pause(slowClient);
      pausedAtWall = Date.now();
    },
  });
  const deadline = monoMs() + 10_000;
  let cutAfterMs = cutAfter();
  while (cutAfterMs === null && monoMs() < deadline) {
    await sleep(250);
    cutAfterMs = cutAfter();
  }

  noteCpu(baseline, slow);
  results.slow = { hotRoomRate: opts.slowRate, backgroundRate: opts.rate, slowClient, cutAfterMs, baseline, slow };
  table.section(`slow consumer: room ${hotRoom.roomId} gets ${num(opts.slowRate)} events/s on top of ${num(opts.rate)}/s elsewhere; one of its clients stops reading`, [
    { metric: 'slow client cut (1008 at 1 MB buffered)', app: cutAfterMs === null ? 'NOT cut' : `after ${(cutAfterMs / 1000).toFixed(1)} s`, target: 'cut' },
    { metric: "others' p99: all reading → one stalled", app: `${ms(baseline.latency.p99)} → ${ms(slow.latency.p99)}`, target: 'unchanged' },
    { metric: "others' p50: all reading → one stalled", app: `${ms(baseline.latency.p50)} → ${ms(slow.latency.p50)}` },
    { metric: "others' lost / out of order", app: `${num(baseline.lost + slow.lost)} / ${num(baseline.outOfOrder + slow.outOfOrder)}`, target: '0 / 0' },
    { metric: 'other closes', app: JSON.stringify({ ...baseline.closes, ...slow.closes }) },
  ]);
}
