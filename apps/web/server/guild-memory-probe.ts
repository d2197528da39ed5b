// Probe (review 17 S8): the app's memory per Discord server, reproducibly. Not a test; run it as
//   cd apps/web && node --expose-gc --import tsx server/guild-memory-probe.ts [--guilds 1000]
// The emulator runs in a child process (its own memory stays out of this heap) with N guilds, each
// seeded as the emulator seeds a guild (a category, Lounge and the other channels, the seed's roles
// and members). This process builds, per guild, what the app keeps:
//   1. app structures only: the registry entry, stored settings, and GuildPlaces' place (inventory
//      overlay, capacity counter, placement, the room's Discord side; its rooms category made by REST);
//   2. then the Gateway connects (the shards Discord recommends) and every guild's GUILD_CREATE fills
//      its cache (channels, roles, members, voice states).
// Each step's heap growth after a full GC, divided by N, is printed as KB per guild.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ShardedGateway, readGatewayBot } from '@repo/discord-gateway';
import { DiscordRestClient } from '@repo/discord-rest';
import { systemClock } from '@repo/platform';
import pino from 'pino';
import { GuildPlaces } from '../src/server/guilds/guild-places.ts';
import { MemoryGuildRegistry } from '../src/server/guilds/guild-registry.ts';
import { MemoryGuildSettingsStore, settingsWithDefaults } from '../src/server/guilds/guild-settings.ts';

const gcNow = (globalThis as { gc?: () => void }).gc;
if (!gcNow) throw new Error('run with node --expose-gc (see the command at the top of this file)');
const argv = process.argv.slice(2);
const guildsArg = argv.includes('--guilds') ? Number(argv[argv.indexOf('--guilds') + 1]) : 1000;
if (!Number.isInteger(guildsArg) || guildsArg < 1 || guildsArg > 5000) throw new Error(`--guilds must be an integer from 1 to 5000, got ${guildsArg}`);
const N = guildsArg;

function heapMb(): number {
  for (let i = 0; i < 3; i++) gcNow!();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function startEmulatorChild(): Promise<{ child: ChildProcess; apiUrl: string; botToken: string }> {
  const cwd = fileURLToPath(new URL('../../../packages/discord-emulator/', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
    cwd,
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_GUILDS: String(N), EMULATOR_RATE_LIMITS: 'off', EMULATOR_RESOURCE_LIMITS: 'off', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was ready:\n${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const apiUrl = /^DISCORD_API_URL=(\S+)$/m.exec(out)?.[1];
      const botToken = /^DISCORD_BOT_TOKEN=(\S+)$/m.exec(out)?.[1];
      if (apiUrl && botToken) resolve({ child, apiUrl, botToken });
    });
  });
}

const { child, apiUrl, botToken } = await startEmulatorChild();
const log = pino({ level: 'warn' });
const rest = new DiscordRestClient({ botToken, apiBaseUrl: apiUrl, maxRateLimitWaitMs: 60_000 });
try {
  const guildIds: string[] = [];
  for (let page = await rest.getBotGuilds(); page.length > 0; page = page.length < 200 ? [] : await rest.getBotGuilds({ limit: 200, after: page.at(-1)!.id })) {
    guildIds.push(...page.map((g) => g.id));
  }
  if (guildIds.length !== N) throw new Error(`the emulator has ${guildIds.length} guilds, expected ${N}`);
  const { shards } = await readGatewayBot({ token: botToken, restBaseUrl: apiUrl });
  const gateway = new ShardedGateway({ token: botToken, guildIds: [], restBaseUrl: apiUrl, shardCount: shards, logger: log });
  const botUserId = (await rest.getBotUser()).id;
  const limits = { channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250 };
  const settings = new MemoryGuildSettingsStore();
  const defaults = { homeGuildId: guildIds[0], reserveChannels: 5, reserveRoles: 5, homeCategoryId: undefined, ...limits };
  const registry = new MemoryGuildRegistry();
  const places = new GuildPlaces({ rest, gateway: gateway.inventory, botUserId, clock: systemClock, limits, settingsOf: (id) => settingsWithDefaults(settings, id, defaults), log });

  const base = heapMb();
  for (const id of guildIds) {
    await registry.available({ id, name: `Guild ${id}` });
    await settings.put(id, await settingsWithDefaults(settings, id, defaults));
    await places.get(id);
  }
  const app = heapMb();

  await gateway.start();
  const deadline = Date.now() + 120_000;
  while (!guildIds.every((id) => gateway.cache.isReady(id))) {
    if (Date.now() > deadline) throw new Error('not every guild became ready within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const cached = heapMb();
  await gateway.stop();

  const kb = (mb: number) => ((mb * 1024) / N).toFixed(2);
  console.log(`guilds ${N}, shards ${shards}, node ${process.version}`);
  console.log(`heap after GC: base ${base.toFixed(1)} MB, + app structures ${app.toFixed(1)} MB, + Gateway caches ${cached.toFixed(1)} MB`);
  console.log(`per guild: app structures only ${kb(app - base)} KB; Gateway cache (GUILD_CREATE) ${kb(cached - app)} KB; both ${kb(cached - base)} KB`);
} finally {
  rest.close();
  child.kill('SIGTERM');
}
