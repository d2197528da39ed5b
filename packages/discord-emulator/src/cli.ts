import { ChannelType } from 'discord-api-types/v10';
import { parseCliEnv } from './cli-env.ts';
import { startEmulator, type EmulatorHandle } from './server.ts';

/** `pnpm emulator`: run the emulator standalone and print how to point the app at it. */

const config = parseCliEnv(process.env);
if (!config.ok) {
  console.error(config.message);
  process.exit(1);
}

const log = {
  info: (msg: string) => console.log(msg),
  warn: (msg: string) => console.warn(msg),
  error: (msg: string) => console.error(msg),
};

let emulator: EmulatorHandle;
try {
  emulator = await startEmulator({ ...config.options, logger: log });
} catch (error) {
  console.error(`Could not start the emulator on ${config.options.host}:${config.options.port}: ${String(error)}`);
  process.exit(1);
}

const category = emulator.state.channels(emulator.guildId).find((c) => c.type === ChannelType.GuildCategory);
console.log(`
Discord emulator running
  REST          ${emulator.apiUrl}
  Gateway       ${emulator.gatewayUrl}
  OAuth2        ${emulator.url}/oauth2/authorize
  Control panel ${emulator.controlUrl}/

  Bot token     ${emulator.botToken}
  Client id     ${emulator.clientId}
  Client secret ${emulator.clientSecret}
  Guild id      ${emulator.guildId}${emulator.guildIds.length > 1 ? ` (home); ${emulator.guildIds.length} guilds: ${emulator.guildIds.join(', ')}` : ''}
  Test users    ${Object.keys(emulator.users).join(', ')}
  Limits        ${describeLimits(emulator)}

Point the app at it:
DISCORD_API_URL=${emulator.apiUrl}
DISCORD_BOT_TOKEN=${emulator.botToken}
DISCORD_CLIENT_ID=${emulator.clientId}
DISCORD_CLIENT_SECRET=${emulator.clientSecret}
DISCORD_GUILD_ID=${emulator.guildId}
DISCORD_ROOMS_CATEGORY_ID=${category?.id ?? ''}
`);

/** One line of the Discord limits in force (specs/discord-limits.md), so a lowered limit is never a surprise. */
function describeLimits(emu: EmulatorHandle): string {
  const { channelsPerCategory, channelsPerGuild, rolesPerGuild } = emu.state.resourceLimits;
  const n = (v: number) => (Number.isFinite(v) ? String(v) : 'no limit');
  const ssl = emu.gateway.sessionStartLimit.snapshot();
  return (
    `channels per category ${n(channelsPerCategory)}, channels per guild ${n(channelsPerGuild)}, roles ${n(rolesPerGuild)}; ` +
    `identify ${ssl.remaining}/${ssl.total} per 24 h; invalid requests ${emu.invalidRequests.limit} per ${emu.invalidRequests.windowMs / 60_000} min`
  );
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: closing the emulator…`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`close failed: ${String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
