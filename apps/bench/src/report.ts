/** The table on stdout: one section per measurement, app beside reference where there is one. */
import { fmt } from './stats.ts';

export interface Row {
  metric: string;
  app: string;
  /** The bare-`ws` wire floor, and app ÷ it. */
  ref?: string;
  ratio?: string;
  /** The same-job floor (hand-written Gateway client + Map + ws), and app ÷ it. */
  floor?: string;
  floorRatio?: string;
  /** The discord.js peer, and app ÷ it. */
  peer?: string;
  peerRatio?: string;
  target?: string;
}

type Column = Exclude<keyof Row, 'metric' | 'target'>;
const HEADER: Required<Row> = {
  metric: 'metric',
  app: 'app',
  ref: 'bare ws',
  ratio: 'app/ws',
  floor: 'same-job floor',
  floorRatio: 'app/floor',
  peer: 'discord.js',
  peerRatio: 'app/djs',
  target: 'target',
};
const COLUMNS: Column[] = ['app', 'ref', 'ratio', 'floor', 'floorRatio', 'peer', 'peerRatio'];

export class Table {
  readonly #sections: Array<{ title: string; rows: Row[]; notes: string[] }> = [];

  /** `notes`: lines printed under the section's rows (too long for a cell). */
  section(title: string, rows: Row[], notes: string[] = []): void {
    this.#sections.push({ title, rows, notes });
  }

  /** One column per reference that any row has (a run without the same-job references prints as before). */
  print(): void {
    const rows = this.#sections.flatMap((s) => s.rows);
    const shown = COLUMNS.filter((c) => c === 'app' || rows.some((r) => r[c] !== undefined && r[c] !== ''));
    const all = rows.concat(HEADER);
    const metricWidth = Math.max(...all.map((r) => r.metric.length));
    const width = Object.fromEntries(shown.map((c) => [c, Math.max(...all.map((r) => (r[c] ?? '').length))]));
    const line = (r: Row) => `  ${r.metric.padEnd(metricWidth)}  ${shown.map((c) => (r[c] ?? '').padStart(width[c]!)).join('  ')}  ${r.target ?? ''}`.trimEnd();
    for (const s of this.#sections) {
      console.log(`\n${s.title}`);
      console.log(line(HEADER));
      for (const r of s.rows) console.log(line(r));
      for (const n of s.notes) console.log(`  ${n}`);
    }
    console.log('');
  }
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `${fmt(v, v < 10 ? 2 : 1)} ms`;
}

export function num(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function ratio(app: number | null | undefined, ref: number | null | undefined): string {
  if (app === null || app === undefined || ref === null || ref === undefined || !Number.isFinite(app) || !Number.isFinite(ref) || ref === 0) return '';
  return `${(app / ref).toFixed(2)}×`;
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}

export function kb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : 'n/a';
}
