import { PermissionFlagsBits, type APIOverwrite } from 'discord-api-types/v10';
import { EmulatorApiError, missingAccess, missingPermissions } from '../errors.ts';
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
