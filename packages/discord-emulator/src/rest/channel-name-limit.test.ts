import { ChannelType } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, takeChannelNameEdit } from '../discord-limits.ts';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { botApi, type ApiCall } from '../test-helpers.ts';

/**
 * Discord's channel name/topic limit (discord-api-docs issue #1900): 2 edits per channel per 10
 * minutes, the third answered 429 with a retry_after of minutes, on the emulator's injected clock.
 */
const WINDOW_MS = 10 * 60_000;
let now = Date.UTC(2026, 10, 25, 12);
let emu: EmulatorHandle;
let api: ApiCall;

beforeEach(async () => {
  // Discord-like route buckets on, as in production: the name limit comes on top of them.
  emu = await startEmulator({ port: 0, rateLimits: 'discord', now: () => now });
  api = botApi(emu);
});
afterEach(async () => {
  await emu.close();
});

async function voiceChannel(name = 'Room'): Promise<string> {
  const created = await api<{ id: string }>('POST', `/guilds/${emu.guildId}/channels`, { name, type: ChannelType.GuildVoice });
  expect(created.status).toBe(201);
  return created.body.id;
}

const nameOf = (channelId: string) => emu.state.channels(emu.guildId).find((c) => c.id === channelId)?.name;

describe('channel name and topic edits', () => {
  it('takes 2 renames, refuses the 3rd with 429 and changes nothing, and takes one again once the first is 10 minutes old', async () => {
    const id = await voiceChannel();
    expect((await api('PATCH', `/channels/${id}`, { name: 'One' })).status).toBe(200);
    now += 60_000;
    expect((await api('PATCH', `/channels/${id}`, { name: 'Two' })).status).toBe(200);
    now += 60_000;
    const third = await api('PATCH', `/channels/${id}`, { name: 'Three' });
    expect(third.status).toBe(429);
    // The first rename leaves the window 8 minutes from now.
    expect(third.body).toEqual({ message: 'You are being rate limited.', retry_after: 480, global: false });
    expect(third.headers.get('retry-after')).toBe('480');
    expect(third.headers.get('x-ratelimit-scope')).toBe('user');
    // The route's own bucket headers, as Discord sends them with this 429 (it is not the bucket that refused).
    expect(third.headers.get('x-ratelimit-bucket')).toBeTruthy();
    expect(third.headers.get('via')).toBe('1.1 google');
    expect(nameOf(id)).toBe('Two');

    // One millisecond before the first rename is 10 minutes old: still refused, with the exact wait.
    now += 8 * 60_000 - 1;
    const edge = await api('PATCH', `/channels/${id}`, { name: 'Three' });
    expect(edge.status).toBe(429);
    expect(edge.body).toMatchObject({ retry_after: 0.001 });
    now += 1;
    expect((await api('PATCH', `/channels/${id}`, { name: 'Three' })).status).toBe(200);
    expect(nameOf(id)).toBe('Three');
    // The second rename is still in the window: the next is refused until it leaves.
    expect((await api('PATCH', `/channels/${id}`, { name: 'Four' })).status).toBe(429);
  });

  it('counts per channel, counts a topic edit and a same-name edit, and leaves other changes alone', async () => {
    const [a, b] = [await voiceChannel('A'), await voiceChannel('B')];
    expect((await api('PATCH', `/channels/${a}`, { name: 'A' })).status).toBe(200);
    expect((await api('PATCH', `/channels/${a}`, { topic: 'x' })).status).toBe(200);
    expect((await api('PATCH', `/channels/${a}`, { topic: 'y' })).status).toBe(429);
    // Another channel has its own window; edits without name or topic are not counted.
    expect((await api('PATCH', `/channels/${b}`, { name: 'B2' })).status).toBe(200);
    expect((await api('PATCH', `/channels/${a}`, { user_limit: 3 })).status).toBe(200);
    expect((await api('PATCH', `/channels/${a}`, { user_limit: 4, name: 'A2' })).status).toBe(429);
    expect(emu.state.channels(emu.guildId).find((c) => c.id === a)).toMatchObject({ name: 'A', user_limit: 3 });
  });

  it('counts only edits Discord accepted: a refused body or missing permission is not an edit', async () => {
    const id = await voiceChannel();
    expect((await api('PATCH', `/channels/${id}`, { name: '' })).status).toBe(400);
    expect((await api('PATCH', `/channels/${id}`, { name: 'One' })).status).toBe(200);
    expect((await api('PATCH', `/channels/${id}`, { name: 'Two' })).status).toBe(200);
  });
});

describe('takeChannelNameEdit', () => {
  it("is Discord's 2 per 10 minutes by default, sliding", () => {
    expect([DISCORD_LIMITS.channelNameEdits, DISCORD_LIMITS.channelNameEditWindowMs]).toEqual([2, WINDOW_MS]);
    const times: number[] = [];
    expect(takeChannelNameEdit(times, 0)).toBeNull();
    expect(takeChannelNameEdit(times, 1_000)).toBeNull();
    expect(takeChannelNameEdit(times, 2_000)).toBe(598);
    expect(takeChannelNameEdit(times, WINDOW_MS - 1)).toBe(0.001);
    expect(takeChannelNameEdit(times, WINDOW_MS)).toBeNull();
    expect(times).toEqual([1_000, WINDOW_MS]);
  });
});
