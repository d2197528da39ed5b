import { PermissionFlagsBits, type APIOverwrite } from 'discord-api-types/v10';
import { EmulatorApiError, missingAccess, missingPermissions, unknownGuild } from '../errors.ts';
import { ALL_PERMISSIONS, has } from '../permissions.ts';
import type { EmulatorState } from '../state.ts';

/**
 * The permission rules Discord applies to a bot's REST calls, as far as the app can run into
 * them: guild permissions, channel visibility (Missing Access when the bot cannot see the
 * channel), the role hierarchy, and "you can only grant what you have" for roles and overwrites.
 */

export function requireGuildPermission(state: EmulatorState, guildId: string, needed: bigint): void {
  const perms = state.memberPermissions(guildId, state.botUser().id);
  if (!has(perms, needed)) throw missingPermissions();
}

/** Missing Access (50001) when the bot cannot see the channel, Missing Permissions (50013) otherwise. */
export function requireChannelPermission(state: EmulatorState, channelId: string, needed: bigint): void {
  const perms = state.channelPermissions(channelId, state.botUser().id);
  if (!has(perms, PermissionFlagsBits.ViewChannel)) throw missingAccess();
  if (!has(perms, needed)) throw missingPermissions();
}

/** Bits a bot may put in a role or overwrite: only those it holds itself (unless administrator). */
export function requireGrantable(state: EmulatorState, guildId: string, bits: bigint): void {
  const perms = state.memberPermissions(guildId, state.botUser().id);
  if (perms === ALL_PERMISSIONS) return;
  if ((bits & ~perms) !== 0n) throw missingPermissions();
}

export function requireGrantableOverwrites(state: EmulatorState, guildId: string, overwrites: readonly APIOverwrite[]): void {
  for (const o of overwrites) requireGrantable(state, guildId, BigInt(o.allow) | BigInt(o.deny));
}

/** A bot manages only roles strictly below its highest role, and never managed roles or @everyone. */
export function requireManageableRole(state: EmulatorState, guildId: string, roleId: string, { allowEveryone = false } = {}): void {
  const role = state.role(guildId, roleId);
  if (role.id === guildId && !allowEveryone) throw new EmulatorApiError(400, 50028, 'Invalid Role');
  if (role.managed) throw missingPermissions();
  if (role.id !== guildId && role.position >= state.highestRolePosition(guildId, state.botUser().id)) throw missingPermissions();
}

export const Perm = PermissionFlagsBits;

/**
 * A guild the bot is not in (removed, or never installed): GET /guilds/:id answers 404 10004
 * Unknown Guild, as for a guild that does not exist (Discord stopped telling the two apart in
 * 2023, discord-api-docs#5840); every other route under it, and every channel of it, 403 50001
 * Missing Access. Unknown guilds and channels are left to the handler (10004 / 10003).
 */
export function requireBotInGuild(state: EmulatorState, routePath: string, params: Record<string, string>): void {
  const guildId = params.guildId ?? guildOfChannel(state, params.channelId);
  if (guildId === undefined || !state.guildIds().includes(guildId)) return;
  if (state.isMember(guildId, state.botUser().id)) return;
  throw routePath === '/guilds/:guildId' ? unknownGuild() : missingAccess();
}

function guildOfChannel(state: EmulatorState, channelId: string | undefined): string | undefined {
  if (channelId === undefined) return undefined;
  try {
    return state.channel(channelId).guildId;
  } catch {
    return undefined;
  }
}
