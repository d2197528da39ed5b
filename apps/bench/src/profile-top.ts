/**
 * `node --import tsx src/profile-top.ts <file.cpuprofile> [count] [fromS toS]`: the functions with
 * the most self time in a V8 CPU profile (what `--cpu-prof` writes), self time per package, and a
 * busy-% timeline (to find a bench phase, then pass its window in seconds from the start).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, countArg, fromArg, toArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.ts <file.cpuprofile> [count]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
const fromUs = fromArg ? Number(fromArg) * 1e6 : 0;
const toUs = toArg ? Number(toArg) * 1e6 : Infinity;
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const busyPerSecond: number[] = [];
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  at += profile.timeDeltas[i] ?? 0;
  const second = Math.floor(at / 1e6);
  if (!idleIds.has(id)) busyPerSecond[second] = (busyPerSecond[second] ?? 0) + dt;
  if (at < fromUs || at > toUs) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
}
const totalUs = Math.min(toUs, profile.endTime - profile.startTime) - fromUs;
const timeline = Array.from(busyPerSecond, (us) => Math.round((us ?? 0) / 1e4));
console.log(`busy % per second:\n${timeline.map((v, i) => `${i % 20 === 0 ? `\n${String(i).padStart(4)}s ` : ''}${String(v).padStart(4)}`).join('')}\n`);

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const pkg = !url ? functionName || '(native)' : url.startsWith('node:') ? 'node:*' : (/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(where.includes('/') ? `node_modules/${where}` : where)?.[1] ?? where.split('/').slice(-2).join('/'));
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled\n\nself time by function`);
for (const [k, us] of top(byFunction, Number(countArg ?? 40))) console.log(`${pct(us)}  ${k}`);
// Inclusive (total) time of the app's own functions: where a whole path spends its time.
const parentOf = new Map<number, number>();
for (const n of profile.nodes as Array<ProfileNode & { children?: number[] }>) for (const c of n.children ?? []) parentOf.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
    if (!url.includes('/dist/server/') && !url.includes('/apps/web/')) continue;
    const key = `${functionName || '(anonymous)'}  ${url.split('/').pop()}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
console.log('\ntotal time of app functions (self + callees)');
for (const [k, us] of top(inclusive, 25)) console.log(`${pct(us)}  ${k}`);
console.log('\nself time by package / file');
for (const [k, us] of top(byPackage, 25)) console.log(`${pct(us)}  ${k}`);
