/**
 * CPU accounting from /proc: how busy each core was, how much of that was the bench's own
 * processes (driver, workers, app, reference), and so how much was someone else's. A run on a
 * machine where other work takes CPU measures that work too; the report says so instead of hiding it.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuSample {
  at: number;
  /** Busy ticks per core (everything but idle and iowait). */
  busy: number[];
  total: number[];
  /** utime + stime ticks of each watched pid. */
  own: Map<number, number>;
}

export interface CpuUsage {
  seconds: number;
  /** Busy % of each core. */
  coreBusyPct: number[];
  /** CPU % (of one core) used by each watched process. */
  processPct: Record<string, number>;
  /** CPU % (of one core) used by everything else on the machine. */
  otherPct: number;
}

export class CpuMeter {
  readonly #pids = new Map<number, string>();

  watch(pid: number | undefined, name: string): void {
    if (pid !== undefined) this.#pids.set(pid, name);
  }

  sample(): CpuSample {
    const busy: number[] = [];
    const total: number[] = [];
    try {
      for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
        const m = /^cpu(\d+)\s+(.*)$/.exec(line);
        if (!m) continue;
        const v = m[2]!.trim().split(/\s+/).map(Number);
        const sum = v.slice(0, 8).reduce((a, b) => a + b, 0);
        const idle = (v[3] ?? 0) + (v[4] ?? 0);
        busy.push(sum - idle);
        total.push(sum);
      }
    } catch {
      // no /proc: nothing to report
    }
    const own = new Map<number, number>();
    for (const pid of this.#pids.keys()) own.set(pid, processTicks(pid));
    return { at: Date.now(), busy, total, own };
  }

  usage(from: CpuSample, to: CpuSample): CpuUsage {
    const seconds = (to.at - from.at) / 1000;
    const pct = (ticks: number) => (seconds > 0 ? (ticks * TICK_MS) / (seconds * 10) : NaN);
    const coreBusyPct = to.busy.map((b, i) => {
      const dt = (to.total[i] ?? 0) - (from.total[i] ?? 0);
      return dt > 0 ? ((b - (from.busy[i] ?? 0)) / dt) * 100 : NaN;
    });
    const processPct: Record<string, number> = {};
    let ownTicks = 0;
    for (const [pid, name] of this.#pids) {
      const ticks = Math.max(0, (to.own.get(pid) ?? 0) - (from.own.get(pid) ?? 0));
      ownTicks += ticks;
      processPct[name] = (processPct[name] ?? 0) + pct(ticks);
    }
    // One decimal: at 10 ms ticks over a 5–30 s phase, a tenth of a percent is what the reading holds.
    for (const name of Object.keys(processPct)) processPct[name] = Math.round(processPct[name]! * 10) / 10;
    const allBusy = to.busy.reduce((a, b, i) => a + b - (from.busy[i] ?? 0), 0);
    return { seconds, coreBusyPct: coreBusyPct.map(Math.round), processPct, otherPct: Math.max(0, Math.round(pct(allBusy - ownTicks))) };
  }
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
