import type { GatewayDomainEvent, VoiceUpdatedEvent } from '@repo/discord-gateway';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRouter } from '../src/server/rooms/gateway-router.ts';
import { RedisRoomStore } from '../src/server/rooms/redis-room-store.ts';
import { RedisTestSpace, redisAvailable } from './cluster/redis.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * One process: a voice change in a room's channel reaches the bus before the Gateway's handler
 * returns (no promise hops), and only when nothing is queued before it. With a store outside the
 * process (Redis) the router takes the queue, and the result is the same.
 */

const log = pino({ level: 'silent' });
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

let h: RoomsHarness;
let roomId: string;
let channelId: string;

beforeAll(async () => {
  h = await roomsHarness();
  const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Now');
  await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
  roomId = room.id;
  channelId = room.channelId;
});
afterAll(async () => h?.close());

const voiceOf = (topic: string, receivedAt: number) => h.published.filter((m) => m.topic === topic && m.event.startsWith('voice.') && 'receivedAt' in m.payload && m.payload.receivedAt === receivedAt);

describe('GatewayRouter in one process', () => {
  it('publishes a room voice change before the Gateway handler returns, numbered after the room’s earlier events', async () => {
    const seen: Array<{ type: string; publishedAlready: number }> = [];
    // Registered after the harness's router: runs right after router.handle returned, in the same turn.
    const off = h.gateway.on('*', (event: GatewayDomainEvent) => {
      if (event.type === 'voice.joined' || event.type === 'voice.updated') seen.push({ type: event.type, publishedAlready: voiceOf(`room:${roomId}`, event.receivedAt).length });
    });
    await h.control('voice', { userId: 'bob', channelId });
    await h.control('voice', { userId: 'bob', channelId, selfMute: true });
    await h.waitFor(() => seen.length === 2, 'both voice events');
    off();
    expect(seen).toEqual([
      { type: 'voice.joined', publishedAlready: 1 },
      { type: 'voice.updated', publishedAlready: 1 },
    ]);
    const stream = h.published.filter((m) => m.topic === `room:${roomId}`);
    expect(stream.map((m) => m.seq)).toEqual(stream.map((_, i) => i + 1));
  });

  it('a voice change behind a queued event waits its turn, then is published', async () => {
    const router = new GatewayRouter(h.rooms, { noteActivity: async () => undefined }, log);
    const last = h.published.at(-1)!;
    const base = { guildId: h.emulator.guildId, userId: h.session('bob').userId, channelId, sequence: 0, source: 'dispatch', shardId: 0 } as const;
    const voice = { ...base, type: 'voice.updated', receivedAt: 111, previous: {}, username: 'bob', globalName: null, displayName: null, avatar: null, selfMute: false, selfDeaf: false, mute: false, deaf: false, selfStream: false, selfVideo: false, suppress: false } as unknown as VoiceUpdatedEvent;
    // Not a room's channel: nothing published, but it goes through the queue.
    const first = router.handle({ type: 'channel.deleted', guildId: h.emulator.guildId, channelId: '1', receivedAt: 110, sequence: 0, source: 'dispatch', shardId: 0 } as unknown as GatewayDomainEvent);
    const second = router.handle(voice);
    expect(voiceOf(`room:${roomId}`, 111)).toHaveLength(0);
    await Promise.all([first, second]);
    expect(voiceOf(`room:${roomId}`, 111)).toHaveLength(1);
    expect(h.published.at(-1)!.seq).toBe((last.seq ?? 0) + 1);
    // The queue drained: the next one is answered at once again.
    void router.handle({ ...voice, receivedAt: 112 } as VoiceUpdatedEvent);
    expect(voiceOf(`room:${roomId}`, 112)).toHaveLength(1);
  });
});

const redisUp = await redisAvailable();

describe.runIf(redisUp)('GatewayRouter with the room store in Redis', () => {
  it('declines the synchronous path and publishes through the queue', async () => {
    const space = new RedisTestSpace();
    try {
      const store = new RedisRoomStore(await space.connect('rooms'), space.keys, () => h.clock.now());
      await store.insert((await h.store.get(roomId))!);
      const rooms = h.restart(store);
      expect(rooms.voiceChangedNow({ type: 'voice.left', guildId: h.emulator.guildId, userId: 'x', previousChannelId: channelId } as unknown as VoiceUpdatedEvent)).toBeUndefined();
      const router = new GatewayRouter(rooms, { noteActivity: async () => undefined }, log);
      const left = { type: 'voice.left', guildId: h.emulator.guildId, userId: h.session('bob').userId, previousChannelId: channelId, receivedAt: 222, sequence: 0, source: 'dispatch', shardId: 0 } as unknown as GatewayDomainEvent;
      const done = router.handle(left);
      expect(voiceOf(`room:${roomId}`, 222)).toHaveLength(0);
      await done;
      expect(voiceOf(`room:${roomId}`, 222)).toHaveLength(1);
    } finally {
      await space.cleanup();
    }
  });
});
