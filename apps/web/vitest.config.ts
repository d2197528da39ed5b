import { defineProject } from 'vitest/config';

// Unit + integration tests of the web app. They never load vite.config.ts (the Start plugin builds
// the app; tests start the app as its own process instead, see test/stack.ts).
export default defineProject({
  test: {
    name: 'web',
    include: ['src/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
