import { ChannelType } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { botApi, controlApi, type ApiCall } from '../test-helpers.ts';

/**
 * Snowflakes sent as JSON integers (as some client libraries do) are accepted and keep all 19
 * digits: a body is never read through a double, which would round them to a neighbouring id.
 */

let emu: EmulatorHandle;
let api: ApiCall;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, rateLimits: 'off' });
  api = botApi(emu);
});
afterAll(async () => {
  await emu.close();
});

const category = () => emu.state.channels(emu.guildId).find((c) => c.type === ChannelType.GuildCategory)?.id ?? '';
/** `id + delta` as decimal, exactly (ids are beyond 2^53). */
const plus = (id: string, delta: bigint) => (BigInt(id) + delta).toString();

describe('integer snowflakes', () => {
  it('the ids are beyond 2^53, so a double would round them', () => {
    expect(category()).toHaveLength(19);
    expect(String(Number(category()))).not.toBe(category());
  });

  it('parent_id and overwrite ids as integers create the channel with the exact ids', async () => {
    const body = `{"name":"Room","type":2,"parent_id":${category()},"permission_overwrites":[{"id":${emu.guildId},"type":0,"deny":"1024"},{"id":${emu.clientId},"type":1,"allow":"1024"}]}`;
    const res = await api('POST', `/guilds/${emu.guildId}/channels`, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      parent_id: category(),
      permission_overwrites: [
        { id: emu.guildId, type: 0, deny: '1024' },
        { id: emu.clientId, type: 1, allow: '1024' },
      ],
    });
  });

  it('an integer one off a real id is not rounded onto it: it is refused like any unknown id', async () => {
    const res = await api('POST', `/guilds/${emu.guildId}/channels`, `{"name":"Room","type":2,"parent_id":${plus(category(), 1n)}}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 50035, errors: { parent_id: { _errors: [{ code: 'CHANNEL_PARENT_INVALID' }] } } });
  });

  it('PATCH /channels parent_id and PATCH member channel_id as integers', async () => {
    const created = (await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Loose', type: 2 })).body as { id: string };
    const moved = await api('PATCH', `/channels/${created.id}`, `{"parent_id":${category()}}`);
    expect(moved.body).toMatchObject({ parent_id: category() });

    const lounge = emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')?.id ?? '';
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: lounge });
    const res = await api('PATCH', `/guilds/${emu.guildId}/members/${emu.users.alice.id}`, `{"channel_id":${created.id}}`);
    expect(res.status).toBe(200);
    expect(emu.state.voiceState(emu.guildId, emu.users.alice.id)?.channelId).toBe(created.id);
  });

  it('a small integer is still a bad snowflake, with Discord’s field error', async () => {
    const res = await api('POST', `/guilds/${emu.guildId}/channels`, '{"name":"Room","type":2,"parent_id":42}');
    expect(res.body).toMatchObject({ errors: { parent_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "42" is not snowflake.' }] } } });
  });
});
