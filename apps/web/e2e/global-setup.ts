import type { FullConfig } from '@playwright/test';
import { startEmulator } from '@repo/discord-emulator';
import { startStack } from '../test/stack.ts';

/**
 * Starts the Discord emulator and the production build of the app (as a child process, exactly as
 * `pnpm start` runs it) once for the whole end-to-end run. The emulator holds 3 servers on 2
 * recommended shards, as issue 17's tests ask: the first is the home server (DISCORD_GUILD_ID) every
 * other spec uses; servers.spec.ts uses the other two.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ port: 0, guilds: 3, recommendedShards: 2 });
  const stack = await startStack({ mode: 'production', emulator }).catch(async (error: unknown) => {
    await emulator.close();
    throw error;
  });
  process.env.E2E_BASE_URL = stack.baseUrl;
  process.env.E2E_EMULATOR_URL = stack.emulator.url;
  return async () => {
    await stack.close();
    await emulator.close();
  };
}
