import { type RoomSnapshot, ServerEvent, ServerMessage } from '@repo/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@repo/platform/testing';
import { voiceMember } from '@repo/protocol/testing';
import { roomTopic } from '../rooms/room-events.ts';
import { ALL_TOPIC, MemoryEventBus, userTopic } from './event-bus.ts';
import { type Connection, Hub, type HubOptions, type HubStat } from './hub.ts';

interface FakeSocket {
  connection: Connection;
  frames: Array<Record<string, unknown>>;
  closes: Array<{ code: number; reason: string }>;
  buffered: number;
  pings: number;
  terminated: boolean;
}

let nextId = 0;
function socket(): FakeSocket {
  const s: FakeSocket = {
    frames: [],
    closes: [],
    buffered: 0,
    pings: 0,
    terminated: false,
    connection: undefined as unknown as Connection,
  };
  s.connection = {
    id: `c${nextId++}`,
    send: (frame) => s.frames.push(JSON.parse(frame) as Record<string, unknown>),
    close: (code, reason) => s.closes.push({ code, reason }),
    bufferedAmount: () => s.buffered,
    ping: () => s.pings++,
    terminate: () => (s.terminated = true),
  };
  return s;
}

const TOKENS: Record<string, string> = { 'token-alice': 'alice', 'token-bob': 'bob', 'token-carol': 'carol' };
/** alice and bob may watch room r1; carol may watch nothing. */
const MEMBERS: Record<string, string[]> = { r1: ['alice', 'bob'] };

function setup(overrides: Partial<HubOptions> = {}) {
  const clock = new FakeClock();
  const bus = new MemoryEventBus();
  const viewerChanges: Array<[string, number]> = [];
  const hub = new Hub({
    log: pino({ level: 'silent' }),
    clock,
    verifyToken: async (token) => TOKENS[token] ?? null,
    streamTopic: roomTopic,
    viewAccess: async (roomId, userId) => (MEMBERS[roomId]?.includes(userId) ? 'allowed' : 'denied'),
    snapshot: async (roomId): Promise<RoomSnapshot> => ({
      roomId,
      room: { id: roomId, name: 'Room', creatorId: 'alice', guildId: 'g', channelId: 'ch', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
      players: [],
      spectators: [],
      voice: [],
      seq: await bus.currentSeq(roomTopic(roomId)),
    }),
    gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
    onViewersChanged: (roomId, n) => viewerChanges.push([roomId, n]),
    ...overrides,
  });
  bus.subscribe((m) => hub.deliver(m));
  bus.onRevocation((r) => hub.revoke(r));
  hub.start();
  return { clock, bus, hub, viewerChanges };
}

const frame = (body: Record<string, unknown>) => JSON.stringify({ v: 1, ts: 1, ...body });

async function authed(hub: Hub, token = 'token-alice'): Promise<FakeSocket> {
  const s = socket();
  hub.open(s.connection);
  await hub.message(s.connection.id, frame({ type: 'auth', token }));
  return s;
}

const events = (s: FakeSocket) => s.frames.filter((f) => f.type === 'event').map((f) => f.event);

describe('Hub: authentication', () => {
  it('acks a good token and reports the Discord connection status', async () => {
    const { hub } = setup();
    const s = await authed(hub);
    expect(s.frames[0]).toMatchObject({ type: 'ack', event: 'auth.ok', userId: 'alice' });
    expect(s.frames[1]).toMatchObject({ type: 'event', event: 'gateway.status', payload: { live: true } });
  });

  it('closes with 4001 when no auth arrives within 5 s', async () => {
    const { hub, clock } = setup();
    const s = socket();
    hub.open(s.connection);
    await clock.advance(4_999);
    expect(s.closes).toEqual([]);
    await clock.advance(1);
    expect(s.closes).toEqual([{ code: 4001, reason: 'authentication timeout' }]);
    expect(hub.connectionCount).toBe(0);
  });

  it('answers a bad token with an error, then closes 4003', async () => {
    const { hub } = setup();
    const s = await authed(hub, 'forged');
    expect(s.frames).toEqual([expect.objectContaining({ type: 'error', code: 'unauthenticated' })]);
    expect(s.closes).toEqual([{ code: 4003, reason: 'invalid or expired token' }]);
  });

  it('refuses subscribe before auth as a protocol violation', async () => {
    const { hub } = setup();
    const s = socket();
    hub.open(s.connection);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    expect(s.closes[0]?.code).toBe(4009);
  });

  it('lets a user hold several tabs, up to the limit', async () => {
    const { hub } = setup({ tuning: { maxConnectionsPerUser: 2 } });
    const a = await authed(hub);
    const b = await authed(hub);
    const c = await authed(hub);
    expect(a.closes).toEqual([]);
    expect(b.closes).toEqual([]);
    expect(c.closes).toEqual([{ code: 4008, reason: 'too many connections' }]);
  });
});

describe('Hub: rooms', () => {
  it('handles frames in order: auth and subscribe sent back to back both work', async () => {
    const { hub } = setup({ verifyToken: async (token) => { await new Promise((r) => setTimeout(r, 5)); return TOKENS[token] ?? null; } });
    const s = socket();
    hub.open(s.connection);
    void hub.message(s.connection.id, frame({ type: 'auth', token: 'token-alice' }));
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    expect(s.closes).toEqual([]);
    expect(s.frames.map((f) => f.event)).toEqual(['auth.ok', 'gateway.status', 'subscribed', 'room.snapshot']);
  });

  it('sends ack, then the snapshot, then ordered events with seq', async () => {
    const { hub, bus } = setup();
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.publish(roomTopic('r1'), 'voice.updated', { roomId: 'r1', member: voiceMember('x') });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x' });
    const roomFrames = s.frames.slice(2);
    expect(roomFrames[0]).toMatchObject({ type: 'ack', event: 'subscribed', room: 'r1' });
    expect(roomFrames[1]).toMatchObject({ event: 'room.snapshot', payload: { seq: 1 } });
    expect(roomFrames.slice(2).map((f) => [f.event, (f.payload as { seq: number }).seq])).toEqual([
      ['voice.updated', 2],
      ['voice.left', 3],
    ]);
  });

  it('holds events published while the snapshot is being built and drops those it already covers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { hub, bus } = setup({
      snapshot: async (roomId) => {
        const seq = await bus.currentSeq(roomTopic(roomId));
        await gate;
        return { roomId, room: { id: roomId, name: 'R', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false }, players: [], spectators: [], voice: [], seq };
      },
    });
    const s = await authed(hub);
    const subscribing = hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await new Promise((r) => setImmediate(r));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    release();
    await subscribing;
    expect(events(s)).toEqual(['gateway.status', 'room.snapshot', 'voice.joined']);
  });

  it('answers a subscribe to a closed room with not_found, naming it', async () => {
    const { hub } = setup({ viewAccess: async (roomId) => (roomId === 'gone' ? 'closed' : 'denied') });
    const alice = await authed(hub);
    await hub.message(alice.connection.id, frame({ type: 'subscribe', room: 'gone' }));
    expect(alice.frames.filter((f) => f.type === 'error').map((f) => [f.code, f.room])).toEqual([['not_found', 'gone']]);
  });

  it('never sends a private room to someone not allowed in it, whatever they ask', async () => {
    const { hub, bus } = setup();
    const carol = await authed(hub, 'token-carol');
    await hub.message(carol.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await hub.message(carol.connection.id, frame({ type: 'subscribe', room: 'nope' }));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('secret') });
    expect(carol.frames.filter((f) => f.type === 'error').map((f) => [f.code, f.room])).toEqual([
      ['forbidden', 'r1'],
      ['forbidden', 'nope'],
    ]);
    expect(events(carol)).toEqual(['gateway.status']);
  });

  it('resubscribing gives a fresh snapshot at the current seq', async () => {
    const { hub, bus } = setup();
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    const snapshots = s.frames.filter((f) => f.event === 'room.snapshot').map((f) => (f.payload as { seq: number }).seq);
    expect(snapshots).toEqual([0, 1]);
    expect(hub.viewers('r1')).toBe(1);
  });

  it('stops sending after unsubscribe, and after the revocation that follows room.deleted', async () => {
    const { hub, bus, viewerChanges } = setup();
    const a = await authed(hub);
    const b = await authed(hub, 'token-bob');
    await hub.message(a.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await hub.message(b.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await hub.message(a.connection.id, frame({ type: 'unsubscribe', room: 'r1' }));
    await bus.publish(roomTopic('r1'), 'room.deleted', { roomId: 'r1', reason: 'closed' });
    await bus.revoke({ topic: roomTopic('r1'), userId: null, access: 'closed' });
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    expect(events(a)).not.toContain('room.deleted');
    expect(events(b).slice(-1)).toEqual(['room.deleted']);
    // The end is announced as a subscribe to the closed room would be answered.
    expect(b.frames.at(-1)).toMatchObject({ type: 'error', code: 'not_found', error: 'This room has been closed.', room: 'r1' });
    expect(a.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(viewerChanges).toEqual([['r1', 1], ['r1', 2], ['r1', 1], ['r1', 0]]);
  });

  it('delivers a user topic to every tab of that user only', async () => {
    const { hub, bus } = setup();
    const tab1 = await authed(hub);
    const tab2 = await authed(hub);
    const bob = await authed(hub, 'token-bob');
    await bus.publish(userTopic('alice'), 'lobby.rooms', { rooms: [] });
    expect(events(tab1)).toContain('lobby.rooms');
    expect(events(tab2)).toContain('lobby.rooms');
    expect(events(bob)).not.toContain('lobby.rooms');
  });
});

describe('Hub: revocation', () => {
  const withoutTs = (f: Record<string, unknown> | undefined) => {
    const { ts: _ts, ...rest } = f ?? {};
    return rest;
  };

  it('ends every tab of that user in that room, with the frame a refused subscribe gets, and nothing after it', async () => {
    const { hub, bus } = setup({ viewAccess: async (roomId, userId) => (['r1', 'r2'].includes(roomId) && userId !== 'carol' ? 'allowed' : 'denied') });
    const tab1 = await authed(hub);
    const tab2 = await authed(hub);
    const bob = await authed(hub, 'token-bob');
    for (const s of [tab1, tab2, bob]) await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await hub.message(tab1.connection.id, frame({ type: 'subscribe', room: 'r2' }));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });

    await bus.revoke({ topic: roomTopic('r1'), userId: 'alice', access: 'denied' });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x' });
    await bus.publish(roomTopic('r2'), 'voice.joined', { roomId: 'r2', member: voiceMember('x') });

    const carol = await authed(hub, 'token-carol');
    await hub.message(carol.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    const refusal = withoutTs(carol.frames.at(-1));
    expect(refusal).toEqual({ v: 1, type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: 'r1' });
    for (const tab of [tab1, tab2]) {
      expect(tab.frames.filter((f) => f.type === 'error').map(withoutTs)).toEqual([refusal]);
      expect(tab.frames.filter((f) => (f.payload as { roomId?: string } | undefined)?.roomId === 'r1' && f.type === 'event').map((f) => f.event)).toEqual([
        'room.snapshot',
        'voice.joined',
      ]);
      expect(tab.closes).toEqual([]);
    }
    // The other room of that tab goes on; the other user sees no trace of the revocation, and no gap.
    expect(events(tab1).slice(-1)).toEqual(['voice.joined']);
    expect(bob.frames.filter((f) => f.type === 'event' && f.event !== 'gateway.status').map((f) => [f.event, (f.payload as { seq: number }).seq])).toEqual([
      ['room.snapshot', 0],
      ['voice.joined', 1],
      ['voice.left', 2],
    ]);
    expect(bob.frames.some((f) => f.type === 'error')).toBe(false);
    expect(hub.viewers('r1')).toBe(1);
  });

  it('touches nobody else: another user, another room, a lobby topic', async () => {
    const { hub, bus } = setup();
    const alice = await authed(hub);
    await hub.message(alice.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.revoke({ topic: roomTopic('r1'), userId: 'bob', access: 'denied' });
    await bus.revoke({ topic: roomTopic('r2'), userId: 'alice', access: 'denied' });
    await bus.revoke({ topic: userTopic('alice'), userId: 'alice', access: 'denied' });
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    await bus.publish(userTopic('alice'), 'lobby.rooms', { rooms: [] });
    expect(events(alice).slice(-2)).toEqual(['voice.joined', 'lobby.rooms']);
    expect(alice.frames.some((f) => f.type === 'error')).toBe(false);
  });

  it('ends a subscription whose snapshot is still being built: no ack, no snapshot, none of the held events', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { hub, bus } = setup({
      snapshot: async (roomId) => {
        const seq = await bus.currentSeq(roomTopic(roomId));
        await gate;
        return { roomId, room: { id: roomId, name: 'R', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false }, players: [], spectators: [], voice: [], seq };
      },
    });
    const s = await authed(hub);
    const subscribing = hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await new Promise((r) => setImmediate(r));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    await bus.revoke({ topic: roomTopic('r1'), userId: 'alice', access: 'denied' });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x' });
    release();
    await subscribing;
    expect(s.frames.slice(2).map((f) => [f.type, f.event ?? f.code])).toEqual([['error', 'forbidden']]);
    expect(hub.viewers('r1')).toBe(0);
  });

  it('checks access again when the revocation arrives while a subscribe is checking it', async () => {
    const members = new Set(['alice']);
    let firstCheck = true;
    let readBeforeChange!: () => void;
    const checked = new Promise<void>((r) => (readBeforeChange = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { hub, bus } = setup({
      viewAccess: async (_roomId, userId) => {
        const answer = members.has(userId) ? 'allowed' : 'denied';
        if (firstCheck) {
          // The store was read before the removal; the answer arrives after the revocation.
          firstCheck = false;
          readBeforeChange();
          await gate;
        }
        return answer;
      },
    });
    const s = await authed(hub);
    const subscribing = hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await checked;
    members.delete('alice');
    await bus.revoke({ topic: roomTopic('r1'), userId: 'alice', access: 'denied' });
    release();
    await subscribing;
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    expect(s.frames.slice(2).map((f) => [f.type, f.event ?? f.code])).toEqual([['error', 'forbidden']]);
    expect(hub.viewers('r1')).toBe(0);
  });

  it('lets a user whose access came back subscribe again', async () => {
    const { hub, bus } = setup();
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.revoke({ topic: roomTopic('r1'), userId: 'alice', access: 'denied' });
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    expect(s.frames.slice(2).map((f) => f.event ?? f.code)).toEqual(['subscribed', 'room.snapshot', 'forbidden', 'subscribed', 'room.snapshot', 'voice.joined']);
  });

  it('ends everyone\'s subscription when the whole topic is over (a closed room)', async () => {
    const { hub, bus } = setup();
    const alice = await authed(hub);
    const bob = await authed(hub, 'token-bob');
    for (const s of [alice, bob]) await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.revoke({ topic: roomTopic('r1'), userId: null, access: 'closed' });
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    for (const s of [alice, bob]) {
      expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'not_found', error: 'This room has been closed.', room: 'r1' });
      expect(events(s)).not.toContain('voice.joined');
    }
    expect(hub.viewers('r1')).toBe(0);
  });
});

describe('Hub: protection', () => {
  it('closes a slow consumer with 1008 while others keep receiving', async () => {
    const { hub, bus } = setup();
    const slow = await authed(hub);
    const fast = await authed(hub, 'token-bob');
    for (const s of [slow, fast]) await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    slow.buffered = 1024 * 1024 + 1;
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('x') });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x' });
    expect(slow.closes).toEqual([{ code: 1008, reason: 'slow consumer' }]);
    expect(slow.terminated).toBe(true);
    expect(events(fast).slice(-2)).toEqual(['voice.joined', 'voice.left']);
  });

  it('closes with 4009 on garbage, unknown types, oversized frames and floods', async () => {
    const { hub } = setup();
    for (const bad of ['{oops', frame({ type: 'dance' }), frame({ type: 'auth', token: 'x'.repeat(5_000) })]) {
      const s = socket();
      hub.open(s.connection);
      await hub.message(s.connection.id, bad);
      expect(s.closes.map((c) => c.code)).toEqual([4009]);
    }
    const flood = await authed(hub);
    for (let i = 0; i < 60; i++) await hub.message(flood.connection.id, frame({ type: 'ping' }));
    expect(flood.closes.map((c) => c.code)).toEqual([4009]);
  });

  it('allows a steady 20 frames per second', async () => {
    const { hub, clock } = setup();
    const s = await authed(hub);
    for (let i = 0; i < 200; i++) {
      await hub.message(s.connection.id, frame({ type: 'ping' }));
      await clock.advance(50);
    }
    expect(s.closes).toEqual([]);
  });

  it('pings every 15 s and drops a connection that missed two', async () => {
    const { hub, clock } = setup();
    const alive = await authed(hub);
    const dead = await authed(hub, 'token-bob');
    for (let i = 0; i < 3; i++) {
      await clock.advance(15_000);
      hub.pong(alive.connection.id);
    }
    expect(alive.terminated).toBe(false);
    expect(dead.pings).toBe(2);
    expect(dead.terminated).toBe(true);
    expect(hub.connectionCount).toBe(1);
  });

  it('spreads the pings over the interval instead of pinging everyone at once', async () => {
    const { hub, clock } = setup({ tuning: { maxConnectionsPerUser: 1_000 } });
    const sockets = await Promise.all(Array.from({ length: 300 }, () => authed(hub)));
    let most = 0;
    let before = 0;
    for (let t = 0; t < 15_000; t += 100) {
      await clock.advance(100);
      const total = sockets.reduce((n, s) => n + s.pings, 0);
      most = Math.max(most, total - before);
      before = total;
    }
    expect(sockets.every((s) => s.pings === 1)).toBe(true);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('closes everyone with 1001 on shutdown', async () => {
    const { hub } = setup();
    const a = await authed(hub);
    hub.closeAll();
    expect(a.closes).toEqual([{ code: 1001, reason: 'server going away' }]);
  });
});

describe('Hub: typed envelopes on opaque topics', () => {
  it('reads no topic: a subscription is on whatever topic streamTopic names, and only there', async () => {
    const { hub, bus } = setup({ streamTopic: (name) => `stream/${name}` });
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    // A look-alike of the topic the rooms part would name: not this subscription's.
    await bus.publish(roomTopic('r1'), 'voice.joined', { roomId: 'r1', member: voiceMember('elsewhere') });
    await bus.revoke({ topic: roomTopic('r1'), userId: 'alice', access: 'denied' });
    await bus.publish('stream/r1', 'voice.joined', { roomId: 'r1', member: voiceMember('here') });
    expect(s.frames.filter((f) => f.type === 'event' && f.event === 'voice.joined').map((f) => (f.payload as { member: { userId: string } }).member.userId)).toEqual(['here']);
    expect(hub.viewers('r1')).toBe(1);
    await bus.revoke({ topic: 'stream/r1', userId: 'alice', access: 'denied' });
    expect(hub.viewers('r1')).toBe(0);
    expect(s.frames.at(-1)).toMatchObject({ type: 'error', code: 'forbidden', room: 'r1' });
  });

  it('writes every event as the protocol describes it, a room event with its seq', async () => {
    // A room id as the protocol has them ([a-z0-9]{8,16}): the frames are checked against it.
    const { hub, bus } = setup({ viewAccess: async () => 'allowed' });
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'room0001' }));
    const topic = roomTopic('room0001');
    const room = { id: 'room0001', name: 'R', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false };
    await bus.publish(topic, 'voice.joined', { roomId: 'room0001', member: voiceMember('x'), receivedAt: 5 });
    await bus.publish(topic, 'voice.updated', { roomId: 'room0001', member: voiceMember('x', { selfMute: true }) });
    await bus.publish(topic, 'voice.left', { roomId: 'room0001', userId: 'x' });
    await bus.publish(topic, 'room.updated', { roomId: 'room0001', room, players: [], spectators: [] });
    await bus.publish(topic, 'room.closing', { roomId: 'room0001', secondsLeft: 30, closingAt: 9 });
    await bus.publish(topic, 'room.closing.cancelled', { roomId: 'room0001' });
    await bus.publish(userTopic('alice'), 'lobby.rooms', { rooms: [] });
    await bus.publish(ALL_TOPIC, 'gateway.status', { live: false, state: 'RECONNECTING' });
    await bus.publish(topic, 'room.deleted', { roomId: 'room0001', reason: 'idle' });
    const sent = s.frames.filter((f) => f.type === 'event');
    expect(sent.map((f) => f.event)).toEqual([
      'gateway.status',
      'room.snapshot',
      'voice.joined',
      'voice.updated',
      'voice.left',
      'room.updated',
      'room.closing',
      'room.closing.cancelled',
      'lobby.rooms',
      'gateway.status',
      'room.deleted',
    ]);
    for (const f of sent) {
      expect(ServerMessage.safeParse(f).success).toBe(true);
      expect(ServerEvent.safeParse({ event: f.event, payload: f.payload }).error).toBeUndefined();
    }
    expect(sent.filter((f) => f.event !== 'room.snapshot' && (f.payload as { roomId?: string }).roomId).map((f) => (f.payload as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('measures delivery from when the Discord dispatch was received, for the events that say', async () => {
    const stats: HubStat[] = [];
    const { hub, bus, clock } = setup({ onStat: (stat) => stats.push(stat) });
    const s = await authed(hub);
    await hub.message(s.connection.id, frame({ type: 'subscribe', room: 'r1' }));
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x', receivedAt: clock.now() - 7 });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x', receivedAt: clock.now() });
    await bus.publish(roomTopic('r1'), 'voice.left', { roomId: 'r1', userId: 'x' });
    await bus.publish(userTopic('alice'), 'lobby.rooms', { rooms: [] });
    expect(stats.filter((stat) => stat.kind === 'delivered')).toEqual([
      { kind: 'delivered', event: 'voice.left', frames: 1, latencyMs: 7 },
      { kind: 'delivered', event: 'voice.left', frames: 1, latencyMs: 0 },
      { kind: 'delivered', event: 'voice.left', frames: 1, latencyMs: null },
      { kind: 'delivered', event: 'lobby.rooms', frames: 1, latencyMs: null },
    ]);
  });
});
