import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildState, describeBuildState, webBuildLayout } from './build-freshness.ts';

// A real file tree shaped like the repo, with real mtimes set by utimes (seconds since the epoch).
const BUILT_AT_S = 1_800_000_000;
let root: string;

function file(path: string, mtimeS: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, '// content does not matter, only the time\n');
  utimesSync(full, mtimeS, mtimeS);
}

function state() {
  return buildState(webBuildLayout(root));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'build-freshness-'));
  file('apps/web/dist/server/server.js', BUILT_AT_S);
  file('apps/web/dist/prod.mjs', BUILT_AT_S + 30);
  file('apps/web/src/server/rooms/room-service.ts', BUILT_AT_S - 600);
  file('apps/web/server/prod.ts', BUILT_AT_S - 600);
  file('packages/protocol/src/index.ts', BUILT_AT_S - 600);
  file('apps/web/vite.config.ts', BUILT_AT_S - 600);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('buildState', () => {
  it('is fresh when every source is older than the build', () => {
    expect(state()).toMatchObject({ kind: 'fresh' });
    expect(describeBuildState(state())).toBeNull();
  });

  it('is fresh when the newest source has exactly the build time, stale one millisecond later', () => {
    file('apps/web/src/server/http/api.ts', BUILT_AT_S);
    expect(state()).toMatchObject({ kind: 'fresh', newestSource: 'apps/web/src/server/http/api.ts' });
    file('apps/web/src/server/http/api.ts', BUILT_AT_S + 0.001);
    expect(state()).toMatchObject({ kind: 'stale', source: 'apps/web/src/server/http/api.ts' });
  });

  it('names the newest changed source in a message that says what to run', () => {
    file('apps/web/src/server/rooms/invite-token.ts', BUILT_AT_S + 5);
    file('packages/discord-gateway/src/client.ts', BUILT_AT_S + 9);
    expect(describeBuildState(state())).toBe(
      'apps/web/dist is older than packages/discord-gateway/src/client.ts ' +
        '(built 2027-01-15T08:00:00.000Z, source changed 2027-01-15T08:00:09.000Z): run pnpm build (pnpm test does; ' +
        'pnpm build --force when turbo replays its cache and leaves dist as it was).',
    );
  });

  it.each(['apps/web/src/deep/er/still/x.tsx', 'apps/web/server/ws-upgrade.ts', 'apps/web/vite.config.ts', 'packages/platform/src/free-port.ts', 'apps/web/src/styles.css'])(
    'sees a change to %s',
    (path) => {
      file(path, BUILT_AT_S + 1);
      expect(state()).toMatchObject({ kind: 'stale', source: path });
    },
  );

  it('dates the build by its oldest output: a source between server.js and prod.mjs is stale', () => {
    file('apps/web/src/router.tsx', BUILT_AT_S + 10);
    expect(state()).toMatchObject({ kind: 'stale', source: 'apps/web/src/router.tsx', builtAtMs: BUILT_AT_S * 1000 });
  });

  it.each([
    'apps/web/src/server/rooms/room-service.test.ts',
    'apps/web/src/server/realtime/hub.fuzz.test.ts',
    'apps/web/src/server/rooms/room-store.contract.ts',
    'apps/web/src/client/x.spec.tsx',
    'apps/web/test/stack.ts',
    'apps/web/e2e/invite.spec.ts',
    'apps/web/src/server/node_modules/x/index.js',
    'apps/web/server/test/helpers.ts',
    'packages/protocol/src/e2e/fixtures.ts',
    'packages/discord-emulator/src/dist/old.js',
    'packages/discord-rest/test/helpers.ts',
    'packages/protocol/package.json',
  ])('ignores %s, which never reaches the build', (path) => {
    file(path, BUILT_AT_S + 60);
    expect(state()).toMatchObject({ kind: 'fresh' });
  });

  it.each(['apps/web/src/server/latest.ts', 'apps/web/src/contest/rules.ts', 'apps/web/src/server/test.ts', 'apps/web/src/testing/x.ts', 'packages/protocol/src/attest.testing.ts'])(
    'does not mistake %s for a test file',
    (path) => {
      file(path, BUILT_AT_S + 60);
      expect(state()).toMatchObject({ kind: 'stale', source: path });
    },
  );

  it.each(['apps/web/dist/prod.mjs', 'apps/web/dist/server/server.js'])('refuses a build without %s', (output) => {
    rmSync(join(root, output));
    expect(state()).toEqual({ kind: 'missing', output });
    expect(describeBuildState(state())).toBe(`apps/web is not built (${output} is missing): run pnpm build (pnpm test does).`);
  });
});

describe('webBuildLayout', () => {
  it('reads every workspace package’s src and the app’s own sources, and dates dist by server.js and prod.mjs', () => {
    const layout = webBuildLayout();
    const relativeInputs = layout.inputs.map((p) => p.slice(layout.root.length).replace(/^\//, ''));
    expect(relativeInputs).toEqual(
      expect.arrayContaining(['apps/web/src', 'apps/web/server', 'apps/web/vite.config.ts', 'packages/protocol/src', 'packages/discord-gateway/src', 'packages/discord-rest/src', 'packages/platform/src']),
    );
    expect(layout.outputs.map((p) => p.slice(layout.root.length))).toEqual(['/apps/web/dist/server/server.js', '/apps/web/dist/prod.mjs']);
  });
});
