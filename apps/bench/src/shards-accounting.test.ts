/** The shards scenario's accounting: what counts as lost, covered by a snapshot, repeated or out of order. */
import { describe, expect, it } from 'vitest';
import { account, shardOfGuild } from './shards-scenario.ts';

// Two rooms of 2 clients: room 0 (clients 0, 1) in guild "A", room 1 (clients 2, 3) in guild "B".
const rooms = new Map([
  [0, { clients: [0, 1], guildId: 'A' }],
  [1, { clients: [2, 3], guildId: 'B' }],
]);
const fleet = { rooms, groupOf: (c: number) => (c < 2 ? 0 : 1) } as unknown as Parameters<typeof account>[0]['fleet'];
// Room 0 is at sequence 10 before the phase, room 1 at 0; three events each, sent at t = 100, 200, 300.
const base = new Map([[0, 10], [1, 0]]);
const sent = new Map([[0, [100, 200, 300]], [1, [100, 200, 300]]]);
const frames = (...triples: Array<[number, number, number]>) => [Float64Array.from(triples.flat())];
const everyone = (): Array<[number, number, number]> => [
  [0, 11, 105], [0, 12, 205], [0, 13, 305],
  [1, 11, 106], [1, 12, 206], [1, 13, 306],
  [2, 1, 110], [2, 2, 210], [2, 3, 310],
  [3, 1, 111], [3, 2, 211], [3, 3, 311],
];
const run = (f: Float64Array[], resyncs: Float64Array[] = []) => account({ fleet, base, sent, frames: f, resyncs, killedAt: 150, takeoverMs: 100, victimGuilds: new Set(['A']) });

describe('shards accounting', () => {
  it('everything once and in order: nothing lost, latency from each send', () => {
    const v = run(frames(...everyone()));
    expect(v).toMatchObject({ expected: 12, received: 12, lost: 0, covered: 0, repeated: 0, outOfOrder: 0, unmatched: 0 });
    expect(v.latency.max).toBe(11);
    // Sent in [150, 250]: the second event of each room; room 0 is in a killed shard's guild.
    expect(v.takeoverVictim.count).toBe(2);
    expect(v.takeoverOthers.count).toBe(2);
  });

  it('a missing frame is lost; a repeat and a late lower sequence are counted as such', () => {
    const f = everyone().filter(([c, s]) => !(c === 3 && s === 2));
    f.push([0, 12, 400]); // repeated
    const swapped = f.map((t): [number, number, number] => (t[0] === 1 && t[1] === 12 ? [1, 13, 206] : t[0] === 1 && t[1] === 13 ? [1, 12, 306] : t));
    const v = run(frames(...swapped));
    expect(v).toMatchObject({ received: 11, lost: 1, repeated: 1, outOfOrder: 1 });
  });

  it('a client that reconnected: what its snapshot holds is covered, what comes after it must arrive', () => {
    // Client 0 lost its socket after seq 11 and resubscribed with a snapshot at 12; 13 arrived.
    const f = everyone().filter(([c, s]) => !(c === 0 && s === 12));
    const v = run(frames(...f), [Float64Array.from([0, 12, 250])]);
    expect(v).toMatchObject({ covered: 1, lost: 0, resyncedClients: 1 });
    expect(v.resyncMs.max).toBe(100);
    // The same without 13: the snapshot does not cover it.
    const g = f.filter(([c, s]) => !(c === 0 && s === 13));
    expect(run(frames(...g), [Float64Array.from([0, 12, 250])])).toMatchObject({ covered: 1, lost: 1 });
  });

  it('a sequence no event of the phase has is unmatched, not received', () => {
    expect(run(frames(...everyone(), [2, 4, 400], [0, 10, 50]))).toMatchObject({ received: 12, unmatched: 2, lost: 0 });
  });

  it('routes a guild to (id >> 22) mod shards', () => {
    expect(shardOfGuild(String(0n << 22n), 4)).toBe(0);
    expect(shardOfGuild(String((5n << 22n) + 12345n), 4)).toBe(1);
    expect(shardOfGuild(String((7n << 22n) + ((1n << 22n) - 1n)), 4)).toBe(3);
  });
});
