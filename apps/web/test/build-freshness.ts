import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Process-level tests start the production build (apps/web/dist) as its own process. A build older
 * than its sources would make them test yesterday's code and pass or fail for the wrong reason, so
 * they refuse it. `pnpm test` builds first; a single-file run after an edit needs `pnpm build`.
 */

export interface BuildLayout {
  /** Paths shown in messages are relative to this directory. */
  root: string;
  /** What the build writes; the oldest of them is the build's time (each must exist). */
  outputs: string[];
  /** Files and directories that go into the build, walked recursively. */
  inputs: string[];
}

export type BuildState =
  | { kind: 'fresh'; builtAtMs: number; newestSource?: string }
  | { kind: 'missing'; output: string }
  | { kind: 'stale'; builtAtMs: number; source: string; sourceMtimeMs: number };

// Test-only files never reach the bundle: editing a test must not ask for a rebuild.
const TEST_ONLY_FILE = /\.(test|spec|contract)\.[cm]?[jt]sx?$/;
const SKIPPED_DIRS = new Set(['node_modules', 'test', 'e2e', 'dist']);

export function buildState(layout: BuildLayout): BuildState {
  let builtAtMs = Number.POSITIVE_INFINITY;
  for (const output of layout.outputs) {
    if (!existsSync(output)) return { kind: 'missing', output: relative(layout.root, output) };
    builtAtMs = Math.min(builtAtMs, statSync(output).mtimeMs);
  }
  let newest: { path: string; mtimeMs: number } | undefined;
  const visit = (path: string, mtimeMs: number) => {
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  for (const input of layout.inputs) walk(input, visit);
  // Equal times are fresh: the build cannot have started before a file written in the same tick it
  // finished, and file systems with coarse timestamps (1 s, 2 s) would otherwise never be fresh.
  if (newest && newest.mtimeMs > builtAtMs) {
    return { kind: 'stale', builtAtMs, source: relative(layout.root, newest.path), sourceMtimeMs: newest.mtimeMs };
  }
  return { kind: 'fresh', builtAtMs, ...(newest ? { newestSource: relative(layout.root, newest.path) } : {}) };
}

function walk(path: string, visit: (path: string, mtimeMs: number) => void): void {
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (stat.isFile()) {
    if (!TEST_ONLY_FILE.test(path)) visit(path, stat.mtimeMs);
    return;
  }
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIPPED_DIRS.has(entry.name)) continue;
    walk(join(path, entry.name), visit);
  }
}

/** What `pnpm build` reads and writes for apps/web (see vite.config.ts and server/prod-bundle.ts). */
export function webBuildLayout(repoDir = fileURLToPath(new URL('../../..', import.meta.url))): BuildLayout {
  const repoRoot = resolve(repoDir);
  const app = join(repoRoot, 'apps/web');
  const packagesDir = join(repoRoot, 'packages');
  const packageSources = existsSync(packagesDir)
    ? readdirSync(packagesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(packagesDir, entry.name, 'src'))
    : [];
  return {
    root: repoRoot,
    // prod.mjs is written last (by the prodServerBundle plugin after Vite's own output), server.js
    // before it; the older of the two dates the build.
    outputs: [join(app, 'dist/server/server.js'), join(app, 'dist/prod.mjs')],
    inputs: [join(app, 'src'), join(app, 'server'), join(app, 'public'), join(app, 'vite.config.ts'), ...packageSources],
  };
}

/**
 * Turbo caches the build by content: a source touched but not changed replays the cache, and recent
 * turbo skips rewriting output files that already match it on disk, so the build's time may not
 * move on; `--force` rebuilds.
 */
export function describeBuildState(state: BuildState): string | null {
  switch (state.kind) {
    case 'fresh':
      return null;
    case 'missing':
      return `apps/web is not built (${state.output} is missing): run pnpm build (pnpm test does).`;
    case 'stale':
      return (
        `apps/web/dist is older than ${state.source} (built ${new Date(state.builtAtMs).toISOString()}, ` +
        `source changed ${new Date(state.sourceMtimeMs).toISOString()}): run pnpm build (pnpm test does; ` +
        'pnpm build --force when turbo replays its cache and leaves dist as it was).'
      );
  }
}

let checked: Promise<void> | undefined;

/**
 * Throws unless apps/web/dist is built from the current sources. Walking the ~300 source files
 * takes a few milliseconds; it is done once per test process (per test file).
 */
export function assertWebBuildFresh(): Promise<void> {
  checked ??= Promise.resolve().then(() => {
    const problem = describeBuildState(buildState(webBuildLayout()));
    if (problem) throw new Error(problem);
  });
  return checked;
}
