import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (`pnpm test:mutation`, stryker.config.mjs): the
 * in-process tests of the rule-bearing modules. Process-level tests (test/stack.ts,
 * test/cluster/*) are left out on purpose: they run the build in apps/web/dist, which never contains
 * a mutant, so they could only add minutes without killing anything. Stryker's `related` filter
 * then runs, for each mutant, only the tests that import its file and covered it in the dry run.
 */
export default defineConfig({
  test: {
    include: [
      'apps/web/src/server/auth/*.test.ts',
      'apps/web/src/server/http/*.test.ts',
      'apps/web/src/server/errors.test.ts',
      'apps/web/src/server/realtime/*.test.ts',
      'apps/web/src/server/rooms/*.test.ts',
      'apps/web/server/*.test.ts',
      // RoomService against the emulator: seats, capacity, the undo paths, revocation, read-back.
      'apps/web/test/rooms.test.ts',
      'apps/web/test/room-*.test.ts',
      'apps/web/test/revocation.test.ts',
      'apps/web/test/invite*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/redis-*.test.ts'],
    // The web project's own limits (apps/web/vitest.config.ts): emulator start-up is in a hook.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
