import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDomainEvent, VoiceFlags } from './events.ts';
import { Testbed, type VoiceTruth } from './testing/emulator-testbed.ts';

/**
 * 1,000 random joins, leaves, moves and mute/deaf toggles made through the emulator's control API:
 * at the end the client's cache equals the emulator's state, and so does the state a subscriber
 * rebuilds from the events alone.
 */

let bed: Testbed;
let channels: string[];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];

beforeAll(async () => {
  bed = await Testbed.start({ heartbeatIntervalMs: 1_000 });
  await bed.connect();
  channels = [await bed.channelId('Lounge'), await bed.createVoiceChannel('Room 2'), await bed.createVoiceChannel('Room 3')];
});
afterAll(async () => {
  await bed.close();
});

function replay(events: GatewayDomainEvent[], initial: VoiceTruth): VoiceTruth {
  const model: VoiceTruth = new Map(initial);
  for (const e of events) {
    if (e.type === 'voice.left') model.delete(e.userId);
    if (e.type === 'voice.joined' || e.type === 'voice.updated') {
      const flags: VoiceFlags = {
        selfMute: e.selfMute,
        selfDeaf: e.selfDeaf,
        mute: e.mute,
        deaf: e.deaf,
        selfStream: e.selfStream,
        selfVideo: e.selfVideo,
        suppress: e.suppress,
      };
      model.set(e.userId, { channelId: e.channelId, flags });
    }
  }
  return model;
}

describe('cache correctness (property, emulator)', () => {
  it('after 1,000 random voice changes the cache equals the emulator state', async () => {
    const op = fc.record({
      user: fc.constantFrom(...USERS),
      // index into channels; -1 leaves; -2 keeps the channel and toggles flags
      target: fc.integer({ min: -2, max: 2 }),
      selfMute: fc.boolean(),
      selfDeaf: fc.boolean(),
      mute: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1_000, maxLength: 1_000 }), async (ops) => {
        const initial = bed.cached();
        const from = bed.events.length;
        for (const o of ops) {
          const connected = bed.client.cache.channelOf(bed.guildId, bed.userId(o.user)) !== null;
          if (o.target === -1) await bed.voice({ userId: o.user, channelId: null });
          else if (o.target === -2 && connected) await bed.voice({ userId: o.user, selfMute: o.selfMute, selfDeaf: o.selfDeaf, mute: o.mute });
          else {
            const channelId = channels[Math.max(0, o.target)] ?? channels[0];
            await bed.voice({ userId: o.user, channelId, selfMute: o.selfMute });
          }
        }
        await bed.caughtUp();
        const truth = await bed.truth();
        expect(bed.cached()).toEqual(truth);
        expect(replay(bed.events.slice(from), initial)).toEqual(truth);
        for (const channelId of channels) {
          const inChannel = [...bed.client.cache.membersIn(bed.guildId, channelId).keys()].sort();
          expect(inChannel).toEqual([...truth].filter(([, v]) => v.channelId === channelId).map(([u]) => u).sort());
        }
      }),
      { numRuns: 2 },
    );
  }, 120_000);
});
