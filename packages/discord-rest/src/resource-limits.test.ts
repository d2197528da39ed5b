import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CannedDiscord, discordError } from '../test/canned-discord.ts';
import { FakeClock } from '@repo/platform/testing';
import { DiscordRestClient } from './discord-rest-client.ts';
import { resourceLimitOf } from './resource-limits.ts';

const guildId = '100000000000000001';
const channelsPath = `/guilds/${guildId}/channels`;
const rolesPath = `/guilds/${guildId}/roles`;

let discord: CannedDiscord;
let rest: DiscordRestClient;
beforeEach(async () => {
  discord = await CannedDiscord.start();
  rest = new DiscordRestClient({ botToken: 'bot-token', apiBaseUrl: discord.apiBaseUrl, clock: new FakeClock({ sleeps: 'instant' }) });
});
afterEach(async () => {
  rest.close();
  await discord.close();
});

const refusal = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a refusal'), (e: unknown) => e);
const parentError = (code: string) => ({ parent_id: { _errors: [{ code, message: 'Maximum number of channels in category reached (50)' }] } });

describe('resourceLimitOf: a full guild or category told apart from other refusals', () => {
  it("names each of Discord's three answers, sent once (never retried)", async () => {
    discord.on('POST', channelsPath, discordError(400, 30013, 'Maximum number of guild channels reached (500)'));
    expect(resourceLimitOf(await refusal(rest.createVoiceChannel(guildId, { name: 'x', userLimit: 4 })))).toBe('guild_channels');
    discord.on('POST', rolesPath, discordError(400, 30005, 'Maximum number of guild roles reached (250)'));
    expect(resourceLimitOf(await refusal(rest.createRole(guildId, { name: 'x' })))).toBe('guild_roles');
    discord.on('POST', channelsPath, discordError(400, 50035, 'Invalid Form Body', parentError('CHANNEL_PARENT_MAX_CHANNELS')));
    expect(resourceLimitOf(await refusal(rest.createVoiceChannel(guildId, { name: 'x', userLimit: 4, parentId: '100000000000000009' })))).toBe('category_channels');
    expect(discord.requests).toHaveLength(3);
  });

  it('is null for look-alikes: another form error, another field, another code, a thrown non-Discord error', async () => {
    discord.on('POST', channelsPath, discordError(400, 50035, 'Invalid Form Body', parentError('CHANNEL_PARENT_INVALID_TYPE')));
    expect(resourceLimitOf(await refusal(rest.createVoiceChannel(guildId, { name: 'x', userLimit: 4 })))).toBeNull();
    discord.on('POST', channelsPath, discordError(400, 50035, 'Invalid Form Body', { name: { _errors: [{ code: 'CHANNEL_PARENT_MAX_CHANNELS', message: '' }] } }));
    expect(resourceLimitOf(await refusal(rest.createVoiceChannel(guildId, { name: 'x', userLimit: 4 })))).toBeNull();
    discord.on('POST', channelsPath, discordError(400, 50035, 'Invalid Form Body'));
    expect(resourceLimitOf(await refusal(rest.createVoiceChannel(guildId, { name: 'x', userLimit: 4 })))).toBeNull();
    discord.on('POST', rolesPath, discordError(403, 50013, 'Missing Permissions'));
    expect(resourceLimitOf(await refusal(rest.createRole(guildId, { name: 'x' })))).toBeNull();
    // 30007 is the webhook limit: a limit, but not one a room runs into.
    discord.on('POST', rolesPath, discordError(400, 30007, 'Maximum number of webhooks reached (15)'));
    expect(resourceLimitOf(await refusal(rest.createRole(guildId, { name: 'x' })))).toBeNull();
    expect(resourceLimitOf(new Error('Maximum number of guild roles reached (250)'))).toBeNull();
    expect(resourceLimitOf(undefined)).toBeNull();
  });
});
