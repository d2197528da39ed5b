import type { DiscordRole } from '@repo/discord-rest';
import { PermissionFlagsBits } from 'discord-api-types/v10';

/**
 * A member's server-wide permissions as Discord computes them ("Permission Hierarchy" / "Computing
 * Permissions" in Discord's docs): the owner holds all; otherwise @everyone's (the role whose id is
 * the guild's) OR each of the member's roles; Administrator means all. Channel overwrites do not
 * matter for server settings.
 */
export function memberPermissions(input: { guildId: string; ownerId: string; userId: string; memberRoleIds: readonly string[]; roles: readonly DiscordRole[] }): bigint {
  if (input.userId === input.ownerId) return ALL;
  const byId = new Map(input.roles.map((r) => [r.id, r]));
  let permissions = parsePermissions(byId.get(input.guildId)?.permissions);
  for (const roleId of input.memberRoleIds) permissions |= parsePermissions(byId.get(roleId)?.permissions);
  return (permissions & PermissionFlagsBits.Administrator) === PermissionFlagsBits.Administrator ? ALL : permissions;
}

/** Who may change a server's room settings: Manage Server (0x20), Administrator, or the owner. */
export function canManageGuild(permissions: bigint): boolean {
  return (permissions & PermissionFlagsBits.ManageGuild) === PermissionFlagsBits.ManageGuild;
}

const ALL = (1n << 64n) - 1n;

function parsePermissions(value: string | undefined): bigint {
  if (value === undefined || !/^\d{1,20}$/.test(value)) return 0n;
  return BigInt(value);
}
