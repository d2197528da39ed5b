import type { FullConfig } from '@playwright/test';
import { startStack } from '../test/stack.ts';

/**
 * Starts the Discord emulator and the production build of the app (as a child process, exactly as
 * `pnpm start` runs it) once for the whole end-to-end run.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const stack = await startStack({ mode: 'production' });
  process.env.E2E_BASE_URL = stack.baseUrl;
  process.env.E2E_EMULATOR_URL = stack.emulator.url;
  return () => stack.close();
}
