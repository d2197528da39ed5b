// @ts-check
/**
 * Mutation testing of the rule-bearing modules: `pnpm test:mutation`. A report, not a gate: neither
 * `pnpm test` nor .ci/run runs it. What it targets, how long it takes and the survivors judged
 * harmless: specs/mutation-testing.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: [
    // Invites: the token's binding to its room, channel and role, expiry, kind.
    'apps/web/src/server/rooms/invite*.ts',
    // Seats, their undo when Discord or the store fails, closing.
    'apps/web/src/server/rooms/room-service.ts',
    'apps/web/src/server/rooms/room-creation.ts',
    'apps/web/src/server/rooms/room-seating.ts',
    // Where a browser may be sent after sign-in.
    'apps/web/src/server/auth/return-to.ts',
    // The /api door: CSRF and Origin; every part's errors → status.
    'apps/web/src/server/http/*.ts',
    'apps/web/src/server/errors.ts',
    // The WebSocket door: Origin on upgrade, frame limits, the upgrade router.
    'apps/web/src/server/realtime/upgrade-origin.ts',
    'apps/web/src/server/realtime/ws-hooks.ts',
    'apps/web/server/ws-upgrade.ts',
    // Access at subscribe and its revocation, slow-consumer and frame limits (their defaults in
    // hub-options.ts), heartbeat.
    'apps/web/src/server/realtime/hub.ts',
    'apps/web/src/server/realtime/hub-options.ts',
    'apps/web/src/server/realtime/heartbeat.ts',
    'apps/web/src/server/realtime/topic-members.ts',
    '!**/*.test.ts',
    '!**/*.d.ts',
  ],
  // pnpm keeps each package's dependencies beside it, so Stryker's own scan of
  // node_modules/@stryker-mutator/* (next to core, in pnpm's store) cannot see the runner: name it.
  plugins: [import.meta.resolve('@stryker-mutator/vitest-runner')],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Two cores shared with everything else on the machine: one test runner at a time.
  concurrency: 1,
  // A mutant's tests may take 3× their dry-run time plus 10 s before the mutant counts as a timeout
  // (a kill). The tests talk to a real emulator over real sockets and this machine is shared, so the
  // margin is wide; wider (30 s) made timed-out mutants (loops that never end) most of the run time.
  timeoutMS: 10_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 15,
  // Mutants in code that runs while a module loads (a regex's anchors, a zod schema, a limit in a
  // module constant, the fatal flag of a UTF-8 decoder) are rules too: test them, at the price of a
  // fresh module load per mutant (about a third of a full run).
  ignoreStatic: false,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 85, low: 70, break: null },
  // Stryker deletes its whole temp dir when a run ends: one per run, so two runs in the same tree
  // (two engineers) never delete each other's sandbox. Their reports still share reports/mutation/.
  tempDirName: `.stryker-tmp/run-${process.pid}`,
  cleanTempDir: 'always',
  // Nothing a mutation run reads: the build output, the browser tests, the bench, old reports, and
  // other runs' sandboxes (Stryker leaves out only its own).
  ignorePatterns: ['.stryker-tmp', 'apps/web/dist', 'apps/web/e2e', 'apps/bench', 'apps/web/.bench-tmp', 'reports', 'test-results', 'playwright-report', '.turbo', '*.cpuprofile'],
};
