import { PermissionFlagsBits } from 'discord-api-types/v10';

/**
 * What the bot needs in a server, each for a reason (README "Installing the bot in a server").
 * A bot can only grant permissions it holds itself, so every bit a room's channel overwrites grant
 * (room-discord.ts: PLAYER_ALLOW, BOT_ALLOW, the host mark) is here too.
 */
export const BOT_PERMISSIONS: ReadonlyArray<{ flag: keyof typeof PermissionFlagsBits; why: string }> = [
  { flag: 'ViewChannel', why: 'see the rooms category and the room channels it makes' },
  { flag: 'ManageChannels', why: 'create and delete room voice channels and the "Spell Rooms N" categories' },
  { flag: 'ManageRoles', why: 'create each room\'s role, give it to the players, and write channel overwrites' },
  { flag: 'MoveMembers', why: 'move players into their room\'s voice channel' },
  { flag: 'Connect', why: 'granted to each room\'s role on its channel (a bot grants only what it holds)' },
  { flag: 'Speak', why: 'granted to each room\'s role' },
  { flag: 'Stream', why: 'granted to each room\'s role (Video / Go Live)' },
  { flag: 'UseVAD', why: 'granted to each room\'s role (Use Voice Activity)' },
  { flag: 'PrioritySpeaker', why: 'the host\'s member overwrite that marks a room\'s host in Discord, so rooms survive a restart' },
  { flag: 'CreateInstantInvite', why: 'Discord requires it to add signed-in users to the server (guilds.join), and to make the "join on Discord" invite' },
];

/** The permission integer of the "Add to Discord" link, computed from the flags above. */
export function botPermissions(): bigint {
  return BOT_PERMISSIONS.reduce((sum, { flag }) => sum | PermissionFlagsBits[flag], 0n);
}

/**
 * The OAuth2 authorize URL that installs the bot in a server of the admin's choice: scope `bot`
 * only (the app registers no slash commands, so no `applications.commands`).
 */
export function addToDiscordUrl(clientId: string, authorizeBase = 'https://discord.com/oauth2/authorize'): string {
  const url = new URL(authorizeBase);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('scope', 'bot');
  url.searchParams.set('permissions', botPermissions().toString());
  return url.toString();
}
