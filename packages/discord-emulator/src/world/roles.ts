import { GatewayDispatchEvents, type APIRole, type RoleFlags } from 'discord-api-types/v10';
import { maxGuildRoles } from '../errors.ts';
import { EVERYONE_DEFAULT_PERMISSIONS } from '../permissions.ts';
import type { World } from './world.ts';

export interface RoleInput {
  name?: string;
  permissions?: bigint;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

/** Builds a role record with a fresh id; files nothing and emits nothing (the seed uses it too). */
export function newRole(
  world: World,
  r: { name: string; permissions: bigint; position: number; color?: number; hoist?: boolean; mentionable?: boolean },
): APIRole {
  const color = r.color ?? 0;
  return {
    id: world.ids.next(),
    name: r.name,
    color,
    colors: { primary_color: color, secondary_color: null, tertiary_color: null },
    hoist: r.hoist ?? false,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions: r.permissions.toString(),
    managed: false,
    mentionable: r.mentionable ?? false,
    flags: 0 as RoleFlags,
  };
}

/**
 * New roles land at position 1, just above @everyone, pushing the others up (as Discord does).
 * Throws 400 30005 when the guild already has `rolesPerGuild` roles (@everyone and managed roles count).
 */
export function createRole(world: World, guildId: string, input: RoleInput): APIRole {
  const g = world.guild(guildId);
  if (g.roles.size >= world.limits.rolesPerGuild) throw maxGuildRoles(world.limits.rolesPerGuild);
  for (const r of g.roles.values()) if (r.id !== guildId) r.position += 1;
  const role = newRole(world, {
    name: input.name ?? 'new role',
    permissions: input.permissions ?? EVERYONE_DEFAULT_PERMISSIONS,
    color: input.color ?? 0,
    hoist: input.hoist ?? false,
    mentionable: input.mentionable ?? false,
    position: 1,
  });
  g.roles.set(role.id, role);
  world.emit(guildId, GatewayDispatchEvents.GuildRoleCreate, { guild_id: guildId, role: { ...role } });
  return { ...role };
}

export function updateRole(world: World, guildId: string, roleId: string, patch: RoleInput): APIRole {
  const role = world.role(guildId, roleId);
  if (patch.name !== undefined) role.name = patch.name;
  if (patch.permissions !== undefined) role.permissions = patch.permissions.toString();
  if (patch.color !== undefined) {
    role.color = patch.color;
    role.colors = { primary_color: patch.color, secondary_color: null, tertiary_color: null };
  }
  if (patch.hoist !== undefined) role.hoist = patch.hoist;
  if (patch.mentionable !== undefined) role.mentionable = patch.mentionable;
  world.emit(guildId, GatewayDispatchEvents.GuildRoleUpdate, { guild_id: guildId, role: { ...role } });
  return { ...role };
}

/** Members silently lose the role (Discord sends only GUILD_ROLE_DELETE; clients prune it). */
export function deleteRole(world: World, guildId: string, roleId: string): void {
  const g = world.guild(guildId);
  const role = world.role(guildId, roleId);
  g.roles.delete(roleId);
  for (const r of g.roles.values()) if (r.position > role.position) r.position -= 1;
  for (const m of g.members.values()) {
    const at = m.roles.indexOf(roleId);
    if (at >= 0) m.roles.splice(at, 1);
  }
  for (const ch of g.channels.values()) ch.overwrites = ch.overwrites.filter((o) => o.id !== roleId);
  world.emit(guildId, GatewayDispatchEvents.GuildRoleDelete, { guild_id: guildId, role_id: roleId });
}
