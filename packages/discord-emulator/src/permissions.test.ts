import { OverwriteType, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, basePermissions, channelPermissions, type PermissionGuild } from './permissions.ts';

const guild: PermissionGuild = {
  id: 'g',
  ownerId: 'owner',
  rolePermissions: (id) => ({ g: P.ViewChannel | P.Connect, mod: P.MoveMembers, admin: P.Administrator, room: 0n })[id],
};
const ow = (id: string, type: OverwriteType, allow: bigint, deny: bigint) => ({ id, type, allow: String(allow), deny: String(deny) });

describe('permissions', () => {
  it('base permissions: @everyone plus roles; owners and administrators get everything', () => {
    expect(basePermissions(guild, { userId: 'u', roleIds: ['mod'] })).toBe(P.ViewChannel | P.Connect | P.MoveMembers);
    expect(basePermissions(guild, { userId: 'owner', roleIds: [] })).toBe(ALL_PERMISSIONS);
    expect(basePermissions(guild, { userId: 'u', roleIds: ['admin'] })).toBe(ALL_PERMISSIONS);
  });

  it('a channel hidden from @everyone is visible to a role allowed in it; member overwrites win last', () => {
    const overwrites = [ow('g', OverwriteType.Role, 0n, P.ViewChannel | P.Connect), ow('room', OverwriteType.Role, P.ViewChannel | P.Connect, 0n)];
    expect(channelPermissions(guild, { userId: 'u', roleIds: [] }, overwrites)).toBe(0n);
    expect(channelPermissions(guild, { userId: 'u', roleIds: ['room'] }, overwrites)).toBe(P.ViewChannel | P.Connect);
    const denied = [...overwrites, ow('u', OverwriteType.Member, 0n, P.Connect)];
    expect(channelPermissions(guild, { userId: 'u', roleIds: ['room'] }, denied)).toBe(P.ViewChannel);
    expect(channelPermissions(guild, { userId: 'u', roleIds: ['admin'] }, overwrites)).toBe(ALL_PERMISSIONS);
  });

  it('role allows beat role denies (they are combined before applying)', () => {
    const overwrites = [ow('mod', OverwriteType.Role, 0n, P.Connect), ow('room', OverwriteType.Role, P.Connect, 0n)];
    expect(channelPermissions(guild, { userId: 'u', roleIds: ['mod', 'room'] }, overwrites) & P.Connect).toBe(P.Connect);
  });
});
