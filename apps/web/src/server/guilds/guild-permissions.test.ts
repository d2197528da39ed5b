import type { DiscordRole } from '@repo/discord-rest';
import { describe, expect, it } from 'vitest';
import { canManageGuild, memberPermissions } from './guild-permissions.ts';

const guildId = '200000000000000001';
const role = (id: string, permissions: bigint | string): DiscordRole => ({ id, name: id, permissions: permissions.toString(), position: 1 });
const roles = [role(guildId, 0x400n | 0x100000n), role('300000000000000001', 0x20n), role('300000000000000002', 0x8n), role('300000000000000003', 0x10n), role('300000000000000004', 'not-a-number')];
const perms = (userId: string, memberRoleIds: string[]) => memberPermissions({ guildId, ownerId: '100000000000000000', userId, memberRoleIds, roles });

describe('who may change a server’s settings', () => {
  it('the owner, with no role at all', () => {
    expect(canManageGuild(perms('100000000000000000', []))).toBe(true);
  });

  it('a member with Manage Server (0x20) through a role', () => {
    expect(canManageGuild(perms('100000000000000009', ['300000000000000001']))).toBe(true);
  });

  it('a member with Administrator (0x8) through a role', () => {
    expect(canManageGuild(perms('100000000000000009', ['300000000000000002']))).toBe(true);
  });

  it('not a member with only @everyone, a neighbouring bit (Manage Channels 0x10), or a malformed role', () => {
    expect(perms('100000000000000009', [])).toBe(0x400n | 0x100000n);
    expect(canManageGuild(perms('100000000000000009', []))).toBe(false);
    expect(canManageGuild(perms('100000000000000009', ['300000000000000003']))).toBe(false);
    expect(canManageGuild(perms('100000000000000009', ['300000000000000004', '399999999999999999']))).toBe(false);
  });

  it('a look-alike of the owner id is not the owner', () => {
    expect(canManageGuild(perms('10000000000000000', []))).toBe(false);
  });
});
