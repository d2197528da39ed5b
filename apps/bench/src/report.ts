/** The table on stdout: one section per measurement, app beside reference where there is one. */
import { fmt } from './stats.ts';

export interface Row {
  metric: string;
  app: string;
  ref?: string;
  /** app ÷ reference (or a note). */
  ratio?: string;
  target?: string;
}

export class Table {
  readonly #sections: Array<{ title: string; rows: Row[] }> = [];

  section(title: string, rows: Row[]): void {
    this.#sections.push({ title, rows });
  }

  print(): void {
    const header: Row = { metric: 'metric', app: 'app', ref: 'bare ws', ratio: 'app/ref', target: 'target' };
    const all = this.#sections.flatMap((s) => s.rows).concat(header);
    const w = {
      metric: Math.max(...all.map((r) => r.metric.length)),
      app: Math.max(...all.map((r) => r.app.length)),
      ref: Math.max(...all.map((r) => (r.ref ?? '').length)),
      ratio: Math.max(...all.map((r) => (r.ratio ?? '').length)),
    };
    const line = (r: Row) =>
      `  ${r.metric.padEnd(w.metric)}  ${r.app.padStart(w.app)}  ${(r.ref ?? '').padStart(w.ref)}  ${(r.ratio ?? '').padStart(w.ratio)}  ${r.target ?? ''}`.trimEnd();
    for (const s of this.#sections) {
      console.log(`\n${s.title}`);
      console.log(line(header));
      for (const r of s.rows) console.log(line(r));
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
