import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiscordGuildCreate, DiscordMember, DiscordVoiceState } from './discord-payloads.ts';
import type { DomainChange, VoiceFlags } from './events.ts';
import { VoiceStateCache } from './voice-state-cache.ts';

const G = 'guild-1';
const VOICE = ['v1', 'v2', 'v3'];
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];

const member = (userId: string, nick: string | null = null): DiscordMember => ({
  user: { id: userId, username: `user_${userId}`, global_name: `User ${userId}`, avatar: `hash_${userId}` },
  nick,
  avatar: null,
});

const flagsOff: VoiceFlags = { selfMute: false, selfDeaf: false, mute: false, deaf: false, selfStream: false, selfVideo: false, suppress: false };

const vs = (userId: string, channelId: string | null, flags: Partial<VoiceFlags> = {}): DiscordVoiceState => {
  const f = { ...flagsOff, ...flags };
  return {
    guild_id: G,
    channel_id: channelId,
    user_id: userId,
    member: member(userId),
    self_mute: f.selfMute,
    self_deaf: f.selfDeaf,
    mute: f.mute,
    deaf: f.deaf,
    self_stream: f.selfStream,
    self_video: f.selfVideo,
    suppress: f.suppress,
  };
};

const guild = (voice: Array<[string, string, Partial<VoiceFlags>?]>, channels = VOICE): DiscordGuildCreate => ({
  id: G,
  name: 'Guild',
  owner_id: null,
  channels: channels.map((id) => ({ id, type: 2, name: `Voice ${id}`, parent_id: null })),
  roles: [],
  members: USERS.map((u) => member(u)),
  voice_states: voice.map(([u, c, f]) => ({ ...vs(u, c, f), member: undefined, guild_id: undefined })),
});

/** user → channel + flags: the model the cache must agree with. */
type Model = Map<string, { channelId: string; flags: VoiceFlags }>;

function snapshot(cache: VoiceStateCache): Model {
  const model: Model = new Map();
  for (const [userId, vm] of cache.voiceStates(G)) {
    const { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } = vm;
    model.set(userId, { channelId: vm.channelId, flags: { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } });
  }
  return model;
}

/** Replays events onto a model, as a subscriber would. */
function applyEvents(model: Model, changes: DomainChange[]): void {
  for (const c of changes) {
    if (c.type === 'voice.left') {
      expect(model.get(c.userId)?.channelId).toBe(c.previousChannelId);
      model.delete(c.userId);
    } else if (c.type === 'voice.joined') {
      expect(model.has(c.userId)).toBe(false);
      const { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } = c;
      model.set(c.userId, { channelId: c.channelId, flags: { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } });
    } else if (c.type === 'voice.updated') {
      expect(model.get(c.userId)?.channelId).toBe(c.channelId);
      const { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } = c;
      model.set(c.userId, { channelId: c.channelId, flags: { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } });
    }
  }
}

function expectIndexesAgree(cache: VoiceStateCache): void {
  let inChannels = 0;
  for (const ch of VOICE) {
    for (const [userId, vm] of cache.membersIn(G, ch)) {
      inChannels += 1;
      expect(vm.channelId).toBe(ch);
      expect(cache.channelOf(G, userId)).toBe(ch);
    }
  }
  expect(inChannels).toBe(cache.voiceStates(G).size);
}

const flagsArb = fc.record({
  selfMute: fc.boolean(),
  selfDeaf: fc.boolean(),
  mute: fc.boolean(),
  deaf: fc.boolean(),
  selfStream: fc.boolean(),
  selfVideo: fc.boolean(),
  suppress: fc.boolean(),
});
const voiceOpArb = fc.record({
  userId: fc.constantFrom(...USERS),
  channelId: fc.option(fc.constantFrom(...VOICE), { nil: null }),
  flags: flagsArb,
});
const stateArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...USERS), fc.constantFrom(...VOICE), flagsArb), {
  selector: ([u]) => u,
});

describe('VoiceStateCache', () => {
  it('seeds from GUILD_CREATE without events and answers who is where', () => {
    const cache = new VoiceStateCache();
    expect(cache.replaceGuild(guild([['u1', 'v1', { selfMute: true }], ['u2', 'v1'], ['u3', 'v2']]))).toEqual([]);
    expect(cache.isReady(G)).toBe(true);
    expect([...cache.membersIn(G, 'v1').keys()].sort()).toEqual(['u1', 'u2']);
    expect(cache.channelOf(G, 'u3')).toBe('v2');
    expect(cache.channelOf(G, 'u4')).toBeNull();
    expect(cache.voiceStateOf(G, 'u1')).toMatchObject({
      selfMute: true,
      username: 'user_u1',
      globalName: 'User u1',
      displayName: 'User u1',
      avatar: 'hash_u1',
    });
    expect(cache.membersIn(G, 'v3').size).toBe(0);
  });

  it('turns joins, updates, moves and leaves into events in order', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([]));
    expect(cache.applyVoiceState(G, vs('u1', 'v1'))).toMatchObject([{ type: 'voice.joined', userId: 'u1', channelId: 'v1' }]);
    expect(cache.applyVoiceState(G, vs('u1', 'v1', { selfMute: true, selfStream: true }))).toMatchObject([
      { type: 'voice.updated', channelId: 'v1', selfMute: true, changed: ['selfMute', 'selfStream'] },
    ]);
    expect(cache.applyVoiceState(G, vs('u1', 'v1', { selfMute: true, selfStream: true }))).toEqual([]);
    expect(cache.applyVoiceState(G, vs('u1', 'v2', { selfMute: true }))).toMatchObject([
      { type: 'voice.left', channelId: null, previousChannelId: 'v1' },
      { type: 'voice.joined', channelId: 'v2', selfMute: true },
    ]);
    expect(cache.applyVoiceState(G, vs('u1', null))).toEqual([
      { type: 'voice.left', guildId: G, channelId: null, previousChannelId: 'v2', userId: 'u1' },
    ]);
    expect(cache.applyVoiceState(G, vs('u1', null))).toEqual([]);
  });

  it('a change in the same channel keeps what the cache held: the profile object and the channel order', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1'], ['u2', 'v1'], ['u3', 'v1']]));
    const profile = cache.member(G, 'u2');
    const before = cache.voiceStateOf(G, 'u2');
    // The dispatch's strings are new ones, as JSON.parse makes them: equal values, not the same objects.
    const fresh = (s: string) => s.split('').join('');
    cache.applyVoiceState(G, { ...vs('u2', 'v1', { selfMute: true }), channel_id: fresh('v1'), guild_id: fresh(G) });
    const after = cache.voiceStateOf(G, 'u2');
    expect(after).not.toBe(before); // handed-out records are replaced, never mutated
    expect(before?.selfMute).toBe(false);
    expect(after?.selfMute).toBe(true);
    expect(cache.member(G, 'u2')).toBe(profile);
    expect([...cache.membersIn(G, 'v1').keys()]).toEqual(['u1', 'u2', 'u3']);
    expect(cache.membersIn(G, 'v1').get('u2')).toBe(after);
    expectIndexesAgree(cache);
  });

  it('a changed name, nickname or avatar in a voice dispatch replaces the profile; a move re-files the user', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1'], ['u2', 'v1']]));
    const edits: Array<[string, (m: DiscordMember) => DiscordMember, (v: ReturnType<VoiceStateCache['voiceStateOf']>) => unknown, unknown]> = [
      ['username', (m) => ({ ...m, user: { ...m.user, username: 'renamed' } }), (v) => v?.username, 'renamed'],
      ['global name', (m) => ({ ...m, user: { ...m.user, global_name: null } }), (v) => v?.globalName, null],
      ['nickname', (m) => ({ ...m, nick: 'Wizard' }), (v) => v?.displayName, 'Wizard'],
      ['avatar', (m) => ({ ...m, user: { ...m.user, avatar: 'other' } }), (v) => v?.avatar, 'other'],
      ['guild avatar', (m) => ({ ...m, avatar: 'guild-hash' }), (v) => v?.guildAvatar, 'guild-hash'],
    ];
    for (const [what, edit, read, expected] of edits) {
      const profile = cache.member(G, 'u1');
      const state = vs('u1', 'v1');
      cache.applyVoiceState(G, { ...state, member: edit(state.member!) });
      expect(cache.member(G, 'u1'), what).not.toBe(profile);
      expect(read(cache.voiceStateOf(G, 'u1')), what).toEqual(expected);
    }
    cache.applyVoiceState(G, vs('u1', 'v2'));
    expect([...cache.membersIn(G, 'v1').keys()]).toEqual(['u2']);
    expect([...cache.membersIn(G, 'v2').keys()]).toEqual(['u1']);
    cache.applyVoiceState(G, vs('u1', 'v1'));
    expect([...cache.membersIn(G, 'v1').keys()]).toEqual(['u2', 'u1']); // a move back joins at the end
    expectIndexesAgree(cache);
  });

  it('deleting a channel with people in it reports them as left, then the channel', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1'], ['u2', 'v2']]));
    expect(cache.deleteChannel(G, { id: 'v1', type: 2, name: 'Voice v1', parent_id: null }).map((c) => c.type)).toEqual([
      'voice.left',
      'channel.deleted',
    ]);
    expect(cache.channel(G, 'v1')).toBeNull();
    expect(cache.channelOf(G, 'u1')).toBeNull();
    // Discord's own VOICE_STATE_UPDATE (channel null) that follows is then a no-op: no duplicate.
    expect(cache.applyVoiceState(G, vs('u1', null))).toEqual([]);
  });

  it('member removal takes the member out of voice, then reports the removal', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1']]));
    expect(cache.removeMember(G, 'u1')).toEqual([
      { type: 'voice.left', guildId: G, channelId: null, previousChannelId: 'v1', userId: 'u1' },
      { type: 'member.removed', guildId: G, userId: 'u1' },
    ]);
    expect(cache.member(G, 'u1')).toBeNull();
  });

  it('member updates reach the voice entry (display name follows the nickname)', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1']]));
    cache.updateMember(G, { guild_id: G, user: member('u1').user, nick: 'Wizard' });
    expect(cache.membersIn(G, 'v1').get('u1')?.displayName).toBe('Wizard');
    cache.updateMember(G, { guild_id: G, user: member('u1').user });
    expect(cache.voiceStateOf(G, 'u1')?.nick).toBe('Wizard');
  });

  it('a fresh GUILD_CREATE yields the differences: left, moved, joined, updated, channel deleted', () => {
    const cache = new VoiceStateCache();
    cache.replaceGuild(guild([['u1', 'v1'], ['u2', 'v1'], ['u3', 'v2'], ['u4', 'v3']]));
    const changes = cache.replaceGuild(
      guild(
        [
          ['u2', 'v2'],
          ['u3', 'v2', { deaf: true }],
          ['u5', 'v1'],
        ],
        ['v1', 'v2'],
      ),
    );
    expect(changes.map((c) => `${c.type}:${'userId' in c ? c.userId : 'channelId' in c ? c.channelId : 'guildId' in c ? c.guildId : c.guildIds.join()}`)).toEqual([
      'voice.left:u1',
      'voice.left:u2',
      'voice.joined:u2',
      'voice.updated:u3',
      'voice.left:u4',
      'voice.joined:u5',
      'channel.deleted:v3',
    ]);
  });

  it('property: any sequence of voice changes keeps both indexes equal to a simple model', () => {
    fc.assert(
      fc.property(fc.array(voiceOpArb, { minLength: 1, maxLength: 300 }), (ops) => {
        const cache = new VoiceStateCache();
        cache.replaceGuild(guild([]));
        const expected: Model = new Map();
        const replayed: Model = new Map();
        for (const op of ops) {
          applyEvents(replayed, cache.applyVoiceState(G, vs(op.userId, op.channelId, op.flags)));
          if (op.channelId === null) expected.delete(op.userId);
          else expected.set(op.userId, { channelId: op.channelId, flags: op.flags });
        }
        expect(snapshot(cache)).toEqual(expected);
        expect(replayed).toEqual(expected); // subscribers that only see events agree too
        expectIndexesAgree(cache);
      }),
      { numRuns: 200 },
    );
  });

  it('property: the resync diff takes a subscriber from the old truth to the new one', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (before, after) => {
        const cache = new VoiceStateCache();
        cache.replaceGuild(guild(before.map(([u, c, f]) => [u, c, f])));
        const model = snapshot(cache);
        applyEvents(model, cache.replaceGuild(guild(after.map(([u, c, f]) => [u, c, f]))));
        expect(model).toEqual(snapshot(cache));
        expectIndexesAgree(cache);
      }),
      { numRuns: 300 },
    );
  });
});
