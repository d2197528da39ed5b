import type { GatewayDomainEvent, CachedVoiceState } from '@repo/discord-gateway';
import { type Logger } from '@repo/platform';
import { recordingLogger } from '@repo/platform/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { type RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { voiceMember } from '@repo/protocol/testing';
import { emitRaw, redisBusPerTest } from '../../../test/redis-bus.ts';
import { roomTopic } from '../rooms/room-events.ts';
import { runFenced, StaleGatewayHolderError } from './gateway-fence.ts';
import { RedisVoiceStateWriter, RedisVoiceView, VOICE_TOPIC } from './redis-voice-state.ts';

const available = await redisAvailable();
const guildId = 'g1';

function member(userId: string, channelId: string, selfMute = false): CachedVoiceState {
  return {
    guildId,
    channelId,
    userId,
    username: userId,
    globalName: null,
    nick: null,
    displayName: userId,
    avatar: null,
    guildAvatar: null,
    selfMute,
    selfDeaf: false,
    mute: false,
    deaf: false,
    selfStream: false,
    selfVideo: false,
    suppress: false,
  };
}
/** Hash order is Redis's: compare members by user id. */
const sortedSeed = (seed: Map<string, CachedVoiceState[]> | null) => seed && new Map([...seed].map(([g, ms]) => [g, [...ms].sort((x, y) => x.userId.localeCompare(y.userId))] as const));
const meta = (sequence: number) => ({ sequence, receivedAt: 0, source: 'dispatch' as const, shardId: 0 });
const joined = (m: CachedVoiceState, sequence: number): GatewayDomainEvent => ({ type: 'voice.joined', ...m, ...meta(sequence) });
const left = (userId: string, from: string, sequence: number): GatewayDomainEvent => ({ type: 'voice.left', guildId, channelId: null, previousChannelId: from, userId, ...meta(sequence) });

/** The holder writes voice state through Redis; every instance's view follows it, never behind a room event. */
describe.runIf(available)('voice state through Redis (real Redis)', () => {
  const redisSpace = redisBusPerTest();
  let space: RedisTestSpace;
  beforeEach(() => (space = redisSpace.space()));

  async function instance(name: string, log: Logger = silentLog) {
    const { redis, channel, bus } = await redisSpace.instance(name, { sharded: true });
    const view = RedisVoiceView.attach(channel, redis, space.keys, log);
    await channel.start();
    return { redis, bus, view, writer: new RedisVoiceStateWriter(redis, space.keys, name, true, 1_000) };
  }

  it('a standby sees each change, and a snapshot taken after a room event includes its voice change', async () => {
    const holder = await instance('holder');
    const standby = await instance('standby');
    await holder.redis.set(space.keys.gatewayLease(0), 'holder|3');
    const fence = (sequence: number) => ({ token: 3, shardId: 0, sessionId: 's', sequence, index: 0, publishes: 0 });
    const room = roomTopic('voiceroom1');

    for (let s = 1; s <= 30; s++) {
      const m = member(`u${s % 3}`, 'c1', s % 2 === 0);
      // As the gate does: voice write first, then the room event, same connection, same fence.
      await runFenced(fence(s), async () => {
        void holder.writer.record(joined(m, s));
        await holder.bus.publish(room, 'voice.joined', { roomId: 'voiceroom1', member: voiceMember(m.userId, { selfMute: m.selfMute }) });
      });
      // A snapshot on the standby: seq (a barrier), then the view.
      const seq = await standby.bus.currentSeq(room);
      expect(seq).toBe(s);
      expect(standby.view.voiceStateOf(guildId, m.userId)?.selfMute).toBe(m.selfMute);
    }
    await runFenced(fence(31), () => holder.writer.record(left('u1', 'c1', 31)));
    await standby.bus.currentSeq(room);
    expect([...standby.view.membersIn(guildId, 'c1').keys()].sort()).toEqual(['u0', 'u2']);
    expect(standby.view.channelOf(guildId, 'u1')).toBeNull();

    // An instance that starts now loads the same state from Redis.
    const late = await instance('late');
    expect([...late.view.membersIn(guildId, 'c1').keys()].sort()).toEqual(['u0', 'u2']);
    expect(late.view.voiceStateOf(guildId, 'u0')).toEqual(standby.view.voiceStateOf(guildId, 'u0'));

    // A full copy (after a re-seed) replaces everything.
    await runFenced({ token: 3, shardId: 0, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => holder.writer.replace(guildId, 's', [member('u9', 'c2')]));
    await standby.bus.currentSeq(room);
    expect(standby.view.voiceStates(guildId).size).toBe(1);
    expect(standby.view.channelOf(guildId, 'u9')).toBe('c2');
  });

  it('keeps guilds apart: one user in voice in two guilds (two shards), and a copy of one guild leaves the other alone', async () => {
    const holder = await instance('holder');
    const standby = await instance('standby');
    await holder.redis.set(space.keys.gatewayLease(0), 'holder|3');
    await holder.redis.set(space.keys.gatewayLease(1), 'holder|4');
    const other = 'g2';
    const inOther = { ...member('u1', 'c9'), guildId: other };
    await runFenced({ token: 3, shardId: 0, sessionId: 's0', sequence: 1, index: 0, publishes: 0 }, () => holder.writer.record(joined(member('u1', 'c1'), 1)));
    await runFenced({ token: 4, shardId: 1, sessionId: 's1', sequence: 1, index: 0, publishes: 0 }, () => holder.writer.record(joined(inOther, 1)));
    // A stale token for shard 1 (shard 0's) is refused there.
    await expect(runFenced({ token: 3, shardId: 1, sessionId: 's1', sequence: 2, index: 0, publishes: 0 }, () => holder.writer.record(left('u1', 'c9', 2)))).rejects.toThrow();
    expect(await holder.redis.hlen(space.keys.voice)).toBe(2);
    // Shard 0 copies its guild afresh (nobody in voice): guild g2's entry stays.
    await runFenced({ token: 3, shardId: 0, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => holder.writer.replace(guildId, 's0', []));
    expect(Object.keys(await holder.redis.hgetall(space.keys.voice))).toEqual([`${other}/u1`]);
    const late = await instance('late');
    expect(late.view.channelOf(other, 'u1')).toBe('c9');
    expect(late.view.channelOf(guildId, 'u1')).toBeNull();
    await standby.bus.currentSeq(roomTopic('any'));
    expect(standby.view.channelOf(other, 'u1')).toBe('c9');
  });

  it('seeds a takeover only from a copy made for the stored Gateway session', async () => {
    const holder = await instance('holder');
    await holder.redis.set(space.keys.gatewayLease(0), 'holder|3');
    const copy = [member('u1', 'c1'), member('u2', 'c1', true)];
    const storeSession = (sessionId: string) => holder.redis.set(space.keys.gatewaySession(0), JSON.stringify({ sessionId, sequence: 40, shardCount: 1, shardId: 0, resumeURL: 'ws://x' }));

    // Nothing stored yet: a first holder identifies.
    expect(await holder.writer.takeoverSeed(0)).toBeNull();
    // The holder died between its READY (session stored) and its first full copy.
    await storeSession('s-new');
    await runFenced({ token: 3, shardId: 0, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => holder.writer.replace(guildId, 's-old', copy));
    expect(await holder.writer.takeoverSeed(0)).toBeNull();

    await runFenced({ token: 3, shardId: 0, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => holder.writer.replace(guildId, 's-new', copy));
    // Changes after the copy (voice write, then the room event, as the gate does) are part of what the successor starts from.
    const room = roomTopic('voiceroom1');
    await runFenced({ token: 3, shardId: 0, sessionId: 's-new', sequence: 41, index: 0, publishes: 0 }, async () => {
      await holder.writer.record(left('u1', 'c1', 41));
      await holder.bus.publish(room, 'voice.left', { roomId: 'voiceroom1', userId: 'u1' });
    });
    await holder.redis.hset(space.keys.voice, 'u7', '{"not":"a member"}');
    const seed = await holder.writer.takeoverSeed(0);
    expect(seed).toEqual(new Map([[guildId, [member('u2', 'c1', true)]]]));

    // The holder died between a change's voice write and its room event: the seed is the state
    // before that write, so the successor derives the change again and its room event goes out.
    const fence43 = { token: 3, shardId: 0, sessionId: 's-new', sequence: 43, index: 0, publishes: 0 };
    await runFenced(fence43, () => holder.writer.record(joined(member('u3', 'c1'), 43))!);
    expect(await holder.writer.takeoverSeed(0)).toEqual(new Map([[guildId, [member('u2', 'c1', true)]]]));
    await runFenced(fence43, () => holder.bus.publish(room, 'voice.joined', { roomId: 'voiceroom1', member: voiceMember('u3') }));
    expect(sortedSeed(await holder.writer.takeoverSeed(0))).toEqual(new Map([[guildId, [member('u2', 'c1', true), member('u3', 'c1')]]]));
    // Same for a change of someone already in voice: the seed has them as they were.
    const fence44 = { token: 3, shardId: 0, sessionId: 's-new', sequence: 44, index: 0, publishes: 0 };
    await runFenced(fence44, () => holder.writer.record({ type: 'voice.updated', ...member('u2', 'c1', false), changed: ['selfMute'], ...meta(44) })!);
    expect(sortedSeed(await holder.writer.takeoverSeed(0))).toEqual(new Map([[guildId, [member('u2', 'c1', true), member('u3', 'c1')]]]));

    // Nobody in voice is a snapshot too: the guild is seeded, empty.
    await runFenced({ token: 3, shardId: 0, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => holder.writer.replace(guildId, 's-new', []));
    expect(await holder.writer.takeoverSeed(0)).toEqual(new Map([[guildId, []]]));
  });

  it('drops a voice message that is not one (logged), applies the changes around it, and takes a look-alike with a field too many', async () => {
    const holder = await instance('holder');
    const log = recordingLogger();
    const standby = await instance('standby', log);
    await holder.redis.set(space.keys.gatewayLease(0), 'holder|3');
    const fence = (sequence: number) => ({ token: 3, shardId: 0, sessionId: 's', sequence, index: 0, publishes: 0 });
    const barrier = () => standby.bus.currentSeq(roomTopic('voiceroom1'));
    const dropped = () => log.lines.filter((l) => l.level === 'error' && l.msg === 'malformed voice state message on the event bus ignored').length;

    await runFenced(fence(1), () => holder.writer.record(joined(member('u1', 'c1'), 1))!);
    // What an older or broken writer could leave on the voice topic, each at its own position.
    const malformed = [
      { op: 'set', member: { userId: 'half' } },
      { op: 'del', guildId },
      { op: 'del', guildId, userId: 7 },
      { op: 'reset', guildId, sessionId: null, members: 'everyone' },
      { op: 'reset', guildId, sessionId: null, members: [{ userId: 'u1' }] },
      { op: 'move', guildId, userId: 'u1', channelId: 'c2' },
      {},
    ];
    for (const payload of malformed) await emitRaw(holder.redis, space, true, { topic: VOICE_TOPIC, event: 'raw', payload });
    await runFenced(fence(2), () => holder.writer.record(joined(member('u2', 'c1'), 2))!);
    await barrier();
    expect(standby.view.guildIds()).toEqual([guildId]);
    expect([...standby.view.membersIn(guildId, 'c1').keys()].sort()).toEqual(['u1', 'u2']);
    expect(standby.view.voiceStateOf(guildId, 'u1')).toEqual(member('u1', 'c1'));
    expect(dropped()).toBe(malformed.length);

    await emitRaw(holder.redis, space, true, { topic: VOICE_TOPIC, event: 'del', payload: { op: 'del', guildId, userId: 'u1', reason: 'extra' } });
    await barrier();
    expect(standby.view.channelOf(guildId, 'u1')).toBeNull();
    expect([...standby.view.membersIn(guildId, 'c1').keys()]).toEqual(['u2']);
    expect(dropped()).toBe(malformed.length);
  });

  it('refuses the writes of a holder whose lease is gone', async () => {
    const holder = await instance('holder');
    await holder.redis.set(space.keys.gatewayLease(0), 'other|8');
    await expect(runFenced({ token: 7, shardId: 0, sessionId: 's', sequence: 1, index: 0, publishes: 0 }, () => holder.writer.record(joined(member('u1', 'c1'), 1)))).rejects.toBeInstanceOf(
      StaleGatewayHolderError,
    );
    expect(await holder.redis.hlen(space.keys.voice)).toBe(0);
  });
});
