import { ChannelType, GatewayDispatchEvents, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { has } from './permissions.ts';
import { EmulatorState, type DispatchRecord } from './state.ts';

function seeded() {
  const state = new EmulatorState();
  const guildId = state.defaultGuildId;
  const events: DispatchRecord[] = [];
  state.onDispatch((rec) => events.push(rec));
  const byName = (name: string) => state.channels(guildId).find((c) => c.name === name)?.id ?? '';
  const user = (name: string) => state.findUser(name)?.id ?? '';
  return { state, guildId, events, byName, user };
}

describe('EmulatorState seed', () => {
  it('has the test guild, its channels, the bot with a sufficient managed role, and eight users (heidi not a member)', () => {
    const { state, guildId, user } = seeded();
    expect(state.guild(guildId).name).toBe('Spell Rooms Test Guild');
    expect(state.channels(guildId).map((c) => [c.name, c.type])).toEqual([
      ['Game Rooms', ChannelType.GuildCategory],
      ['general', ChannelType.GuildText],
      ['Lounge', ChannelType.GuildVoice],
    ]);
    expect(state.role(guildId, guildId).name).toBe('@everyone');
    const bot = state.botUser();
    expect(bot.bot).toBe(true);
    const perms = state.memberPermissions(guildId, bot.id);
    expect(has(perms, P.ManageChannels | P.ManageRoles | P.MoveMembers | P.ViewChannel | P.Connect)).toBe(true);
    expect(has(perms, P.Administrator)).toBe(false);
    const names = state.seedUsers().map((u) => u.username);
    expect(names).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']);
    expect(state.seedUsers().every((u) => /^[0-9a-f]{32}$/.test(u.avatar ?? ''))).toBe(true);
    expect(state.isMember(guildId, user('alice'))).toBe(true);
    expect(state.isMember(guildId, user('heidi'))).toBe(false);
    for (const id of [guildId, bot.id, user('alice')]) expect(id).toMatch(/^\d{17,19}$/);
  });

  it('is deterministic: two states have the same ids and credentials', () => {
    const a = new EmulatorState();
    const b = new EmulatorState();
    expect(a.credentials).toEqual(b.credentials);
    expect(a.channels(a.defaultGuildId)).toEqual(b.channels(b.defaultGuildId));
    expect(a.isValidBotToken(a.credentials.botToken)).toBe(true);
    expect(a.isValidBotToken(`Bot ${a.credentials.botToken}`)).toBe(false);
  });

  it('generates 10,000 extra members quickly', () => {
    const started = performance.now();
    const state = new EmulatorState({ extraUsers: 10_000 });
    const payload = state.guildCreatePayload(state.defaultGuildId);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(payload.member_count).toBe(9 + 10_000);
    expect(state.findUser('user10000')).toBeDefined();
    expect(state.findUser('user00001')?.global_name).toBe('User 1');
  });

  it('builds a full GUILD_CREATE payload', () => {
    const { state, guildId, byName, user } = seeded();
    state.setVoiceState(guildId, user('alice'), { channelId: byName('Lounge'), selfMute: true });
    const payload = state.guildCreatePayload(guildId);
    expect(payload).toMatchObject({ id: guildId, large: false, unavailable: false, member_count: 9, threads: [], presences: [] });
    expect(payload.joined_at).toMatch(/^\d{4}-/);
    expect(payload.channels).toHaveLength(3);
    expect(payload.members.find((m) => m.user.id === user('alice'))).toMatchObject({ roles: [], deaf: false });
    expect(payload.voice_states).toEqual([expect.objectContaining({ user_id: user('alice'), channel_id: byName('Lounge'), self_mute: true, member: expect.objectContaining({ user: expect.objectContaining({ username: 'alice' }) }) })]);
    expect(payload.voice_states[0]).not.toHaveProperty('guild_id');
  });
});

describe('EmulatorState dispatches', () => {
  it('emits synchronously and in mutation order; unsubscribe stops delivery; a throwing listener does not break mutations', () => {
    const errors: unknown[] = [];
    const state = new EmulatorState({ onListenerError: (e) => errors.push(e) });
    const guildId = state.defaultGuildId;
    const seen: string[] = [];
    state.onDispatch(() => {
      throw new Error('boom');
    });
    const off = state.onDispatch((rec) => seen.push(rec.t));
    const role = state.createRole(guildId, { name: 'r' });
    const ch = state.createChannel(guildId, { name: 'v', type: ChannelType.GuildVoice });
    state.updateRole(guildId, role.id, { name: 'r2' });
    off();
    state.deleteChannel(ch.id);
    expect(seen).toEqual([GatewayDispatchEvents.GuildRoleCreate, GatewayDispatchEvents.ChannelCreate, GatewayDispatchEvents.GuildRoleUpdate]);
    expect(errors).toHaveLength(4);
  });

  it('voice: join, move, leave with channel_id null and the member attached', () => {
    const { state, guildId, events, byName, user } = seeded();
    const room = state.createChannel(guildId, { name: 'Room', type: ChannelType.GuildVoice });
    events.length = 0;
    state.setVoiceState(guildId, user('bob'), { channelId: byName('Lounge') });
    state.setVoiceState(guildId, user('bob'), { channelId: room.id, selfStream: true });
    state.setVoiceState(guildId, user('bob'), { channelId: null });
    expect(events.map((e) => [e.t, (e.d as { channel_id: string | null }).channel_id])).toEqual([
      [GatewayDispatchEvents.VoiceStateUpdate, byName('Lounge')],
      [GatewayDispatchEvents.VoiceStateUpdate, room.id],
      [GatewayDispatchEvents.VoiceStateUpdate, null],
    ]);
    expect(events[2]?.d).toMatchObject({ guild_id: guildId, user_id: user('bob'), member: { user: { id: user('bob') } } });
    expect(state.setVoiceState(guildId, user('bob'), { channelId: null })).toBeNull();
    expect(events).toHaveLength(3);
  });

  it('deleting a voice channel disconnects its members after CHANNEL_DELETE; deleting a category orphans its children', () => {
    const { state, guildId, events, byName, user } = seeded();
    const category = byName('Game Rooms');
    const room = state.createChannel(guildId, { name: 'Room', type: ChannelType.GuildVoice, parentId: category });
    state.setVoiceState(guildId, user('carol'), { channelId: room.id });
    state.setVoiceState(guildId, user('dave'), { channelId: room.id });
    state.setVoiceState(guildId, user('erin'), { channelId: byName('Lounge') });
    events.length = 0;
    state.deleteChannel(room.id);
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.ChannelDelete, GatewayDispatchEvents.VoiceStateUpdate, GatewayDispatchEvents.VoiceStateUpdate]);
    expect(state.voiceStates(guildId).map((v) => v.user_id)).toEqual([user('erin')]);

    const child = state.createChannel(guildId, { name: 'Child', type: ChannelType.GuildVoice, parentId: category });
    events.length = 0;
    state.deleteChannel(category);
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.ChannelDelete, GatewayDispatchEvents.ChannelUpdate]);
    expect(state.channel(child.id).parentId).toBeNull();
  });

  it('deleting a role removes it from members and overwrites', () => {
    const { state, guildId, user } = seeded();
    const role = state.createRole(guildId, { name: 'room' });
    const ch = state.createChannel(guildId, { name: 'v', type: ChannelType.GuildVoice, overwrites: [{ id: role.id, type: 0, allow: '1024', deny: '0' }] });
    state.updateMember(guildId, user('alice'), { roles: [role.id] });
    state.deleteRole(guildId, role.id);
    expect(state.member(guildId, user('alice')).roles).toEqual([]);
    expect(state.channel(ch.id).overwrites).toEqual([]);
  });

  it('reset returns to the seed and keeps listeners', () => {
    const { state, guildId, events, user } = seeded();
    state.createChannel(guildId, { name: 'x', type: ChannelType.GuildText });
    state.restTelemetry.recordRateLimitHit({ atMs: 0, method: 'GET', route: 'GET /x', bucket: 'b', scope: 'user', injected: false });
    state.reset();
    expect(state.channels(guildId)).toHaveLength(3);
    expect(state.rateLimitHits).toEqual([]);
    events.length = 0;
    state.updateMember(guildId, user('alice'), { nick: 'Al' });
    expect(events).toHaveLength(1);
  });
});
