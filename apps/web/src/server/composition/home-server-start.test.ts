import { startEmulator } from '@repo/discord-emulator';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startServices } from './start.ts';

/** DISCORD_GUILD_ID is optional (issue 17): a start with only the bot's credentials takes the oldest server the bot is in as home. */
describe('a start without DISCORD_GUILD_ID', () => {
  it('takes the oldest server the bot is in as the home server, and is ready', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', guilds: 2 });
    try {
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DISCORD_API_URL: emulator.apiUrl,
        DISCORD_BOT_TOKEN: emulator.botToken,
        DISCORD_CLIENT_ID: emulator.clientId,
        DISCORD_CLIENT_SECRET: emulator.clientSecret,
      });
      const services = await startServices({ config });
      try {
        expect(services.discord.guildId).toBe(emulator.guildIds[0]);
        expect(services.guilds.homeGuildId).toBe(emulator.guildIds[0]);
        const deadline = Date.now() + 20_000;
        let ready = false;
        while (!ready && Date.now() < deadline) {
          ready = (await services.health()).ok;
          if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(ready).toBe(true);
      } finally {
        await services.shutdown();
      }
    } finally {
      await emulator.close();
    }
  });
});
