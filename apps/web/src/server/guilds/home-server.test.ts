import { DiscordRestClient } from '@repo/discord-rest';
import { startEmulator } from '@repo/discord-emulator';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveHomeServer } from './home-server.ts';

const log = pino({ level: 'silent' });

describe('the home server', () => {
  it('is DISCORD_GUILD_ID when set, else the oldest server the bot is in, else a start that says how to fix it', async () => {
    const emulator = await startEmulator({ port: 0, rateLimits: 'off', guilds: 3 });
    const rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl });
    try {
      const [g1, g2, g3] = emulator.guildIds as [string, string, string];
      expect(await resolveHomeServer(g3, rest, log)).toBe(g3);
      expect(await resolveHomeServer('', rest, log)).toBe(g1);
      emulator.state.setBotMembership(g1, false);
      expect(await resolveHomeServer('', rest, log)).toBe(g2);
      emulator.state.setBotMembership(g2, false);
      emulator.state.setBotMembership(g3, false);
      await expect(resolveHomeServer('', rest, log)).rejects.toThrow(/DISCORD_GUILD_ID is not set and the bot is in no Discord server yet/);
    } finally {
      rest.close();
      await emulator.close();
    }
  });
});
