import { basePermissions, channelPermissions, type PermissionGuild } from '../permissions.ts';
import type { GuildRecord } from '../payloads.ts';
import type { World } from './world.ts';

/** Guild-level permissions of a member. */
export function memberPermissionsOf(world: World, guildId: string, userId: string): bigint {
  const g = world.guild(guildId);
  return basePermissions(permissionGuild(g), { userId, roleIds: world.member(guildId, userId).roles });
}

/** A member's permissions in a channel, overwrites applied. */
export function channelPermissionsOf(world: World, channelId: string, userId: string): bigint {
  const ch = world.channel(channelId);
  const g = world.guild(ch.guildId);
  const member = world.member(ch.guildId, userId);
  return channelPermissions(permissionGuild(g), { userId, roleIds: member.roles }, ch.overwrites);
}

/** Position of the member's highest role (0 = only @everyone); owners outrank everyone. */
export function highestRolePosition(world: World, guildId: string, userId: string): number {
  const g = world.guild(guildId);
  if (g.ownerId === userId) return Number.POSITIVE_INFINITY;
  let top = 0;
  for (const roleId of world.member(guildId, userId).roles) top = Math.max(top, g.roles.get(roleId)?.position ?? 0);
  return top;
}

function permissionGuild(g: GuildRecord): PermissionGuild {
  return {
    id: g.id,
    ownerId: g.ownerId,
    rolePermissions: (roleId) => {
      const role = g.roles.get(roleId);
      return role ? BigInt(role.permissions) : undefined;
    },
  };
}
