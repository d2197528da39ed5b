import { systemClock } from '@repo/platform';
import { FakeClock } from '@repo/platform/testing';
import { ServerMessage } from '@repo/protocol';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { type RedisTestSpace, TEST_REDIS_URL, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { voiceMember } from '@repo/protocol/testing';
import { emitRaw, redisBusPerTest } from '../../../test/redis-bus.ts';
import { runFenced, StaleGatewayHolderError } from '../gateway-ownership/gateway-fence.ts';
import { roomTopic } from '../rooms/room-events.ts';
import { ALL_TOPIC, type BusMessage, type Revocation, userTopic } from './event-bus.ts';
import { Hub } from './hub.ts';
import { openTab } from '../../../test/hub-tab.ts';
import type { RedisEventBus } from './redis-event-bus.ts';
import { RedisChannelDefaults } from './redis-ordered-channel.ts';

const available = await redisAvailable();

async function waitFor(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Payloads that carry a mark the test reads back (markOf): who joined, left or changed, or the room's name. */
const joined = (roomId: string, mark: string) => ({ roomId, member: voiceMember(mark) });
const left = (roomId: string, mark: string) => ({ roomId, userId: mark });
const renamed = (roomId: string, mark: string) => ({
  roomId,
  room: { id: roomId, name: mark, creatorId: 'u1', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
  players: [],
  spectators: [],
});
function markOf(m: BusMessage): string | undefined {
  switch (m.event) {
    case 'voice.joined':
    case 'voice.updated':
      return m.payload.member.userId;
    case 'voice.left':
      return m.payload.userId;
    case 'room.updated':
      return m.payload.room.name;
    default:
      return undefined;
  }
}

describe.runIf(available).each([{ sharded: true }, { sharded: false }])('RedisEventBus (real Redis, sharded pub/sub: $sharded)', ({ sharded }) => {
  const redisSpace = redisBusPerTest();
  let space: RedisTestSpace;
  beforeEach(() => (space = redisSpace.space()));

  /** One "instance": a command connection, a subscriber, the channel and a bus on it; every message it receives, recorded. */
  async function instance(name: string, options: { clock?: FakeClock } = {}) {
    const { redis, subscriber, channel, bus } = await redisSpace.instance(name, { sharded, clock: options.clock, retainedTopics: [ALL_TOPIC] });
    const subscriberId = Number(await subscriber.client('ID'));
    const received: BusMessage[] = [];
    const revocations: Revocation[] = [];
    /** Events and revocations as this instance saw them, in one order. */
    const stream: string[] = [];
    bus.subscribe((m) => {
      received.push(m);
      stream.push(`${m.event}:${m.seq}`);
    });
    bus.onRevocation((r) => {
      revocations.push(r);
      stream.push(`revoke:${r.userId ?? '*'}:${r.access}`);
    });
    await channel.start();
    return { bus, channel, redis, received, revocations, stream, subscriberId };
  }

  it('delivers every message to every instance exactly once, with contiguous room seqs from 1', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('abcdefghij');
    // Both instances publish to the same room at once.
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).bus.publish(room, 'voice.updated', joined('abcdefghij', `i${i}`))),
    );
    await a.bus.publish(userTopic('u1'), 'lobby.rooms', { rooms: [] });
    for (const node of [a, b]) {
      await waitFor(() => node.received.length === 201, 'all messages');
      const roomMessages = node.received.filter((m) => m.topic === room);
      expect(roomMessages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(roomMessages.map(markOf)).size).toBe(200);
      expect(node.received.at(-1)).toEqual({ topic: userTopic('u1'), event: 'lobby.rooms', payload: { rooms: [] }, seq: null });
    }
    // Same order on both instances.
    expect(a.received).toEqual(b.received);
    expect(await b.bus.currentSeq(room)).toBe(200);
    expect(await b.bus.currentSeq(roomTopic('otherroom1'))).toBe(0);
  });

  it('currentSeq returns only once this instance has received everything published before it', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('barrier001');
    const publishing = Promise.all(Array.from({ length: 50 }, (_, i) => a.bus.publish(room, 'voice.joined', joined('barrier001', `i${i}`))));
    await publishing;
    const seq = await b.bus.currentSeq(room);
    // Whatever seq says, b already holds that message: a snapshot read now is not behind it.
    expect(b.received.filter((m) => m.topic === room).at(-1)?.seq).toBeGreaterThanOrEqual(seq);
    expect(seq).toBe(50);
  });

  it('refuses publishes from a stale Gateway holder and drops replays of what was already published', async () => {
    const a = await instance('a');
    await a.redis.set(space.keys.gatewayLease(0), 'instance-2|7');
    const room = roomTopic('fencedroom');
    const fence = (token: number, sequence: number, index = 0, sessionId = 'sess-1') => ({ token, shardId: 0, sessionId, sequence, index, publishes: 0 });

    await expect(runFenced(fence(6, 10), () => a.bus.publish(room, 'voice.joined', joined('fencedroom', 'stale')))).rejects.toBeInstanceOf(StaleGatewayHolderError);
    expect(Number(await a.redis.get(space.keys.gatewayFenced))).toBe(1);

    await runFenced(fence(7, 10), async () => {
      await a.bus.publish(room, 'voice.left', left('fencedroom', '10/0/0'));
      await a.bus.publish(room, 'voice.joined', joined('fencedroom', '10/0/1')); // a second publish while handling the same event
    });
    await runFenced(fence(7, 10, 1), () => a.bus.publish(room, 'voice.joined', joined('fencedroom', '10/1/0')));
    // The successor resumed from sequence 9: its replay of 10 is dropped, 11 goes out.
    const replay = await runFenced(fence(7, 10), () => a.bus.publish(room, 'voice.left', left('fencedroom', 'replay')));
    expect(replay.seq).toBeNull();
    await runFenced(fence(7, 10, 1), () => a.bus.publish(room, 'voice.joined', joined('fencedroom', 'replay')));
    await runFenced(fence(7, 11), () => a.bus.publish(room, 'voice.updated', joined('fencedroom', '11/0/0')));
    // A new session (a re-identify) numbers from 1 again.
    await runFenced(fence(7, 2, 0, 'sess-2'), () => a.bus.publish(room, 'voice.joined', joined('fencedroom', 'new session')));
    // Publishes that are not Gateway-driven are never fenced.
    await a.bus.publish(room, 'room.updated', renamed('fencedroom', 'http'));

    await waitFor(() => a.received.length === 6, 'the accepted messages');
    expect(a.received.map((m) => [markOf(m), m.seq])).toEqual([
      ['10/0/0', 1],
      ['10/0/1', 2],
      ['10/1/0', 3],
      ['11/0/0', 4],
      ['new session', 5],
      ['http', 6],
    ]);
  });

  it('after its connection is killed mid-stream, an instance delivers what it missed from the log, in order, once', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('killedsub1');
    const admin = new Redis(TEST_REDIS_URL);
    try {
      let published = 0;
      const publishing = (async () => {
        for (; published < 300; published++) {
          await a.bus.publish(room, 'voice.updated', joined('killedsub1', `i${published}`));
          if (published === 100) await admin.client('KILL', 'ID', String(b.subscriberId));
        }
      })();
      await publishing;
      await waitFor(() => b.received.length === 300, 'b to catch up', 10_000);
      expect(b.received.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(a.received.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    } finally {
      admin.disconnect();
    }
  });

  it('notices when Redis came back empty (no persistence) and keeps delivering from the new start', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('lostdata01');
    for (let i = 0; i < 20; i++) await a.bus.publish(room, 'voice.updated', joined('lostdata01', `i${i}`));
    await waitFor(() => b.received.length === 20, 'the first messages');
    const resyncs: string[] = [];
    b.channel.onResync(async (reason) => void resyncs.push(reason));
    // "Restart without persistence": the data is gone, every connection drops.
    const admin = new Redis(TEST_REDIS_URL);
    try {
      const keys = await admin.keys(`${space.prefix}*`);
      await admin.del(...keys);
      await admin.client('KILL', 'ID', String(b.subscriberId));
      await waitFor(() => resyncs.length === 1, 'the resync');
      expect(resyncs).toEqual(['reset']);
      for (let i = 0; i < 5; i++) await a.bus.publish(room, 'voice.updated', joined('lostdata01', `i${100 + i}`));
      // Positions restarted at 1: without the reset these would all look like old news.
      await waitFor(() => b.received.length === 25, 'the messages after the reset');
      expect(b.received.slice(20).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      admin.disconnect();
    }
  });

  it('carries a revocation to every instance at its place in the room stream, taking no seq', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('revokeroom');
    await a.bus.publish(room, 'voice.joined', joined('revokeroom', 'x'));
    await a.bus.revoke({ topic: room, userId: 'u1', access: 'denied' });
    await b.bus.publish(room, 'voice.left', left('revokeroom', 'x'));
    await b.bus.revoke({ topic: room, userId: null, access: 'closed' });
    const expected = ['voice.joined:1', 'revoke:u1:denied', 'voice.left:2', 'revoke:*:closed'];
    for (const node of [a, b]) {
      await waitFor(() => node.stream.length === 4, 'the four messages');
      expect(node.stream).toEqual(expected);
      expect(node.revocations[0]).toEqual({ topic: room, userId: 'u1', access: 'denied' });
      // Subscribers of events never see it as one.
      expect(node.received.map((m) => m.event)).toEqual(['voice.joined', 'voice.left']);
    }
    expect(await a.bus.currentSeq(room)).toBe(2);
    // The wire name of a revocation is the bus's own: nobody can publish a fake one as an event.
    // @ts-expect-error a name outside the protocol's union does not type-check either
    await expect(a.bus.publish(room, '~revoke', { u: 'u2', a: 'denied' })).rejects.toThrow(/reserved/);
  });

  it('carries why access ended (removed by the host, left) to every instance, and no reason when there was none', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('reasonroom');
    await a.bus.revoke({ topic: room, userId: 'u1', access: 'denied', reason: 'removed' });
    await b.bus.revoke({ topic: room, userId: 'u2', access: 'denied', reason: 'left' });
    await a.bus.revoke({ topic: room, userId: 'u3', access: 'denied' });
    for (const node of [a, b]) {
      await waitFor(() => node.revocations.length === 3, 'the three revocations');
      expect(node.revocations).toEqual([
        { topic: room, userId: 'u1', access: 'denied', reason: 'removed' },
        { topic: room, userId: 'u2', access: 'denied', reason: 'left' },
        { topic: room, userId: 'u3', access: 'denied' },
      ]);
      expect('reason' in node.revocations[2]!).toBe(false);
    }
  });

  it('delivers a revocation missed while disconnected from the log, in order', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('revokelog1');
    const admin = new Redis(TEST_REDIS_URL);
    try {
      await admin.client('KILL', 'ID', String(b.subscriberId));
      await a.bus.publish(room, 'voice.joined', joined('revokelog1', 'x'));
      await a.bus.revoke({ topic: room, userId: 'u1', access: 'denied' });
      await a.bus.publish(room, 'voice.left', left('revokelog1', 'x'));
      await waitFor(() => b.stream.length === 3, 'b to catch up', 10_000);
      expect(b.stream).toEqual(['voice.joined:1', 'revoke:u1:denied', 'voice.left:2']);
    } finally {
      admin.disconnect();
    }
  });

  it('two hubs: a revocation published on one instance ends the user\'s tabs on both, and the others see no gap', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const roomId = 'hubsroom01';
    const room = roomTopic(roomId);
    const hubOn = (bus: RedisEventBus) => {
      const hub = new Hub({
        log: silentLog,
        clock: systemClock,
        verifyToken: async (token) => token,
        streamTopic: roomTopic,
        viewAccess: async () => 'allowed',
        snapshot: async (id) => ({
          roomId: id,
          room: { id, name: 'R', creatorId: 'carol', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
          players: [],
          spectators: [],
          voice: [],
          seq: await bus.currentSeq(roomTopic(id)),
        }),
        gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
      });
      bus.subscribe((m) => hub.deliver(m));
      bus.onRevocation((r) => hub.revoke(r));
      return hub;
    };
    const hubA = hubOn(a.bus);
    const hubB = hubOn(b.bus);
    let n = 0;
    const connect = (hub: Hub, userId: string) => openTab(hub, `c${n++}`, userId, roomId);
    const aliceOnA = await connect(hubA, 'alice');
    const aliceOnB = await connect(hubB, 'alice');
    const bobOnB = await connect(hubB, 'bob');
    try {
      await a.bus.publish(room, 'voice.joined', joined(roomId, 'x'));
      await a.bus.revoke({ topic: room, userId: 'alice', access: 'denied' });
      await a.bus.publish(room, 'voice.left', left(roomId, 'x'));
      await waitFor(() => bobOnB.some((f) => f.event === 'voice.left'), 'voice.left on b');
      for (const alice of [aliceOnA, aliceOnB]) await waitFor(() => alice.some((f) => f.type === 'error'), 'the revocation on both');
      const roomFrames = (frames: Array<Record<string, unknown>>) =>
        frames.slice(2).map((f) => {
          if (f.type === 'error') return `error:${String(f.code)}:${String(f.room)}`;
          if (f.type === 'ack') return String(f.event);
          return `${String(f.event)}:${String((f.payload as { seq: number }).seq)}`;
        });
      for (const alice of [aliceOnA, aliceOnB]) expect(roomFrames(alice)).toEqual(['subscribed', 'room.snapshot:0', 'voice.joined:1', `error:forbidden:${roomId}`]);
      expect(roomFrames(bobOnB)).toEqual(['subscribed', 'room.snapshot:0', 'voice.joined:1', 'voice.left:2']);
      expect(hubB.viewers(roomId)).toBe(1);
      // What went through Redis reaches browsers as the protocol describes it.
      for (const frame of bobOnB) expect(ServerMessage.safeParse(frame).success).toBe(true);
    } finally {
      hubA.closeAll();
      hubB.closeAll();
    }
  });

  it('keeps the last gateway status for instances that start later', async () => {
    const a = await instance('a');
    await a.bus.publish(ALL_TOPIC, 'gateway.status', { live: true, state: 'CONNECTED' });
    await waitFor(() => a.bus.retained(ALL_TOPIC, 'gateway.status') !== undefined, 'retained on a');
    const late = await instance('late');
    expect(late.bus.retained(ALL_TOPIC, 'gateway.status')).toEqual({ live: true, state: 'CONNECTED' });
    await a.bus.publish(ALL_TOPIC, 'gateway.status', { live: false, state: 'RECONNECTING' });
    await waitFor(() => late.bus.retained(ALL_TOPIC, 'gateway.status')?.live === false, 'the update on the late instance');
  });

  it('hands on only what the protocol describes: an event it does not, or with a payload that is not its event\'s, is dropped and what follows flows', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('checkroom1');
    await a.bus.publish(room, 'voice.joined', joined('checkroom1', 'before'));
    // What an older or broken writer could leave on the channel, each at its own position.
    await emitRaw(a.redis, space, sharded, { topic: room, event: 'voice.joined', payload: { roomId: 'checkroom1', member: { userId: 'half' } } });
    await emitRaw(a.redis, space, sharded, { topic: room, event: 'voice.left', payload: { roomId: 'checkroom1', userId: 'early', receivedAt: -1 } });
    await emitRaw(a.redis, space, sharded, { topic: room, event: 'voice.moved', payload: { roomId: 'checkroom1', userId: 'moved' } });
    await emitRaw(a.redis, space, sharded, { topic: room, event: 'room.snapshot', payload: { roomId: 'checkroom1' } });
    await a.bus.publish(room, 'voice.left', left('checkroom1', 'after'));
    for (const node of [a, b]) {
      await waitFor(() => node.received.length === 2, 'the two readable events');
      expect(node.received.map(markOf)).toEqual(['before', 'after']);
      // The channel moved past what it dropped: nothing is held back or fetched again.
      expect(node.channel.position).toBe(6);
    }
    // A look-alike of a well-formed payload goes through, extra fields left behind.
    await emitRaw(a.redis, space, sharded, { topic: room, event: 'voice.left', payload: { roomId: 'checkroom1', userId: 'extra', receivedAt: 0, secret: 'x' } });
    await waitFor(() => b.received.length === 3, 'the look-alike');
    expect(b.received[2]).toEqual({ topic: room, event: 'voice.left', payload: { roomId: 'checkroom1', userId: 'extra', receivedAt: 0 }, seq: null });
  });

  it('ignores a message that is not one of the channel\'s (not JSON, no position) and keeps its order', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const room = roomTopic('wireroom01');
    await a.bus.publish(room, 'voice.joined', joined('wireroom01', 'one'));
    const send = (text: string) => (sharded ? a.redis.spublish(space.keys.busChannel, text) : a.redis.publish(space.keys.busChannel, text));
    await send('{not json');
    await send(JSON.stringify({ s: 2, o: 'raw', f: 0, t: room, e: 'voice.left', p: { roomId: 'wireroom01', userId: 'nowhere' } }));
    await send(JSON.stringify({ g: '2', s: null, o: 'raw', f: 0, t: room, e: 'voice.left', p: { roomId: 'wireroom01', userId: 'string position' } }));
    await a.bus.publish(room, 'voice.joined', joined('wireroom01', 'two'));
    await waitFor(() => b.received.length === 2, 'both real messages');
    expect(b.received.map((m) => [markOf(m), m.seq])).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
    expect(b.channel.position).toBe(2);
  });

  it('does not take an unreadable retained payload from Redis as the gateway status', async () => {
    const a = await instance('a');
    await a.redis.hset(space.keys.retained(ALL_TOPIC), 'gateway.status', '{"live":"yes"}');
    const late = await instance('late');
    expect(late.bus.retained(ALL_TOPIC, 'gateway.status')).toBeUndefined();
    await a.redis.hset(space.keys.retained(ALL_TOPIC), 'gateway.status', '{nope');
    const later = await instance('later');
    expect(later.bus.retained(ALL_TOPIC, 'gateway.status')).toBeUndefined();
    await a.bus.publish(ALL_TOPIC, 'gateway.status', { live: true, state: 'CONNECTED' });
    const last = await instance('last');
    expect(last.bus.retained(ALL_TOPIC, 'gateway.status')).toEqual({ live: true, state: 'CONNECTED' });
  });

  it('waits for its barrier on the injected clock: currentSeq gives up exactly at barrierTimeoutMs, not a millisecond before', async () => {
    const clock = new FakeClock();
    const a = await instance('a', { clock });
    const room = roomTopic('clockroom1');
    // Redis's position runs ahead of this instance: a message it will never receive.
    await a.redis.incr(space.keys.busPosition);
    let answered: number | null = null;
    void a.bus.currentSeq(room).then((seq) => (answered = seq));
    await new Promise((r) => setTimeout(r, 50));
    await clock.advance(RedisChannelDefaults.barrierTimeoutMs - 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBeNull();
    await clock.advance(1);
    // Within moments of the fake clock's move, not the real 2 s of a timer off the clock.
    await waitFor(() => answered !== null, 'the barrier to give up', 500);
    expect(answered).toBe(0);
  });
});
