import { PermissionFlagsBits } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, addToDiscordUrl, botPermissions } from './bot-install.ts';

describe('the Add to Discord link', () => {
  it('pins the permission integer the README documents', () => {
    // ViewChannel 1<<10, ManageChannels 1<<4, ManageRoles 1<<28, MoveMembers 1<<24, Connect 1<<20,
    // Speak 1<<21, Stream 1<<9, UseVAD 1<<25, PrioritySpeaker 1<<8, CreateInstantInvite 1<<0.
    expect(botPermissions()).toBe(321914641n);
    expect(new Set(BOT_PERMISSIONS.map((p) => p.flag)).size).toBe(BOT_PERMISSIONS.length);
  });

  it('asks for nothing it does not use: no Administrator, no Manage Server', () => {
    expect(botPermissions() & PermissionFlagsBits.Administrator).toBe(0n);
    expect(botPermissions() & PermissionFlagsBits.ManageGuild).toBe(0n);
  });

  it('holds every bit a room channel grants (a bot grants only what it has)', () => {
    const granted = [PermissionFlagsBits.ViewChannel, PermissionFlagsBits.Connect, PermissionFlagsBits.Speak, PermissionFlagsBits.Stream, PermissionFlagsBits.UseVAD, PermissionFlagsBits.MoveMembers, PermissionFlagsBits.ManageChannels, PermissionFlagsBits.ManageRoles, PermissionFlagsBits.PrioritySpeaker];
    for (const bit of granted) expect(botPermissions() & bit).toBe(bit);
  });

  it('builds the authorize URL with scope bot only', () => {
    const url = new URL(addToDiscordUrl('123456789012345678'));
    expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: '123456789012345678', scope: 'bot', permissions: '321914641' });
  });
});
