import { OverwriteType, PermissionFlagsBits } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../server.ts';
import { botApi, type ApiCall } from '../../test-helpers.ts';

let emu: EmulatorHandle;
let api: ApiCall;
let lounge: string;

beforeAll(async () => {
  let now = Date.UTC(2026, 10, 25, 12);
  emu = await startEmulator({ port: 0, rateLimits: 'off', guilds: 2, now: () => (now += 1) });
  api = botApi(emu);
  lounge = emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')!.id;
});
afterAll(async () => {
  await emu.close();
});

describe('POST /channels/{channel.id}/invites', () => {
  it('makes a guild invite with Discord’s defaults (24 h, unlimited uses) and its guild and channel', async () => {
    const res = await api('POST', `/channels/${lounge}/invites`, {});
    expect(res.status).toBe(200);
    const body = res.body as { code: string; created_at: string; expires_at: string; max_age: number; max_uses: number; guild: { id: string; name: string } };
    expect(body).toMatchObject({ type: 0, max_age: 86_400, max_uses: 0, temporary: false, uses: 0, guild_id: emu.guildId, channel: { id: lounge, name: 'Lounge', type: 2 } });
    expect(body.code).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(86_400_000);
  });

  it('hands back the same invite for the same settings unless unique; max_age 0 never expires', async () => {
    const a = (await api('POST', `/channels/${lounge}/invites`, { max_age: 600 })).body as { code: string };
    const b = (await api('POST', `/channels/${lounge}/invites`, { max_age: 600 })).body as { code: string };
    const c = (await api('POST', `/channels/${lounge}/invites`, { max_age: 600, unique: true })).body as { code: string };
    expect(b.code).toBe(a.code);
    expect(c.code).not.toBe(a.code);
    expect((await api('POST', `/channels/${lounge}/invites`, { max_age: 0 })).body).toMatchObject({ max_age: 0, expires_at: null });
  });

  it('refuses values past Discord’s limits with 50035, at the edges', async () => {
    expect((await api('POST', `/channels/${lounge}/invites`, { max_uses: 100, max_age: 5_184_000 })).status).toBe(200);
    for (const body of [{ max_uses: 101 }, { max_uses: -1 }, { max_age: 5_184_001 }, { max_age: 1.5 }]) {
      const res = await api('POST', `/channels/${lounge}/invites`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: 50035 });
    }
  });

  it('needs Create Instant Invite on the channel (50013), and a channel that exists (10003)', async () => {
    const bot = emu.state.botUser().id;
    const ch = emu.state.channel(lounge);
    emu.state.updateChannel(lounge, { overwrites: [...ch.overwrites, { id: bot, type: OverwriteType.Member, allow: '0', deny: String(PermissionFlagsBits.CreateInstantInvite) }] });
    try {
      const res = await api('POST', `/channels/${lounge}/invites`, {});
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 50013, message: 'Missing Permissions' });
    } finally {
      emu.state.updateChannel(lounge, { overwrites: ch.overwrites.filter((o) => o.id !== bot) });
    }
    const unknown = await api('POST', '/channels/100000000000000000/invites', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 10003 });
  });
});
