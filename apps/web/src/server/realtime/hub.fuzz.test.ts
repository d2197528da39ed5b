import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@repo/platform/testing';
import { voiceMember } from '@repo/protocol/testing';
import { roomTopic } from '../rooms/room-events.ts';
import { MemoryEventBus } from './event-bus.ts';
import { type Connection, Hub } from './hub.ts';

/**
 * Whatever arrives on a socket (random bytes, near-valid frames, valid frames in any order), the
 * hub never throws, and a connection that is not allowed in a room never sees its events.
 */
const frameArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      v: fc.oneof(fc.constant(1), fc.integer()),
      ts: fc.oneof(fc.nat(), fc.string()),
      type: fc.constantFrom('auth', 'subscribe', 'unsubscribe', 'ping', 'pong', 'event', '__proto__'),
      token: fc.constantFrom('token-alice', 'token-mallory', '', 'x'.repeat(3000)),
      room: fc.constantFrom('secret', 'public', '', '../secret', 'x'.repeat(100)),
    }, { requiredKeys: ['type'] })
    .map((r) => JSON.stringify(r)),
);

describe('Hub under arbitrary input', () => {
  it('never throws and never leaks a private room', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { maxLength: 30 }), async (frames) => {
        const clock = new FakeClock();
        const bus = new MemoryEventBus();
        const hub = new Hub({
          log: pino({ level: 'silent' }),
          clock,
          verifyToken: async (t) => ({ 'token-alice': 'alice', 'token-mallory': 'mallory' })[t] ?? null,
          streamTopic: roomTopic,
          // Only alice may watch "secret"; everyone may watch "public".
          viewAccess: async (room, user) => (room === 'public' || (room === 'secret' && user === 'alice') ? 'allowed' : 'denied'),
          snapshot: async (roomId) => ({
            roomId,
            room: { id: roomId, name: roomId, creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
            players: [],
            spectators: [],
            voice: [],
            seq: 0,
          }),
          gatewayStatus: () => ({ live: true, state: 'CONNECTED' }),
        });
        bus.subscribe((m) => hub.deliver(m));
        const received: string[] = [];
        const conn: Connection = {
          id: 'fuzz',
          send: (f) => received.push(f),
          close: () => undefined,
          bufferedAmount: () => 0,
          ping: () => undefined,
          terminate: () => undefined,
        };
        hub.open(conn);
        for (const f of frames) {
          await hub.message('fuzz', f);
          await bus.publish(roomTopic('secret'), 'voice.joined', { roomId: 'secret', member: voiceMember('SECRET-EVENT') });
        }
        const parsed = received.map((f) => JSON.parse(f) as { type: string; event?: string; userId?: string });
        // Unless this socket authenticated as alice, it sees nothing of "secret".
        const aliceAuthed = parsed.some((m) => m.type === 'ack' && m.event === 'auth.ok' && m.userId === 'alice');
        if (!aliceAuthed) expect(received.join('\n')).not.toContain('SECRET-EVENT');
        hub.closeAll();
      }),
      { numRuns: 300 },
    );
  });
});
