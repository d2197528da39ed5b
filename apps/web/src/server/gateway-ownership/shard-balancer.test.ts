import { describe, expect, it } from 'vitest';
import { fairShares, holderOf } from './shard-balancer.ts';

const shares = (count: number, live: string[], holders: Array<string | null>) => Object.fromEntries(fairShares(count, live, holders));

describe('fairShares', () => {
  it('splits 4 shards 2/2 between two instances, whoever holds them now', () => {
    expect(shares(4, ['a', 'b'], ['a', 'a', 'a', 'a'])).toEqual({ a: 2, b: 2 });
    expect(shares(4, ['b', 'a'], [null, null, null, null])).toEqual({ a: 2, b: 2 });
  });

  it('gives the left-over shards to those holding the most, so a balanced cluster does not move', () => {
    // A third instance joins a 2/2 split: one of the two gives one up, the newcomer takes it.
    expect(shares(4, ['a', 'b', 'c'], ['a', 'a', 'b', 'b'])).toEqual({ a: 2, b: 1, c: 1 });
    // …and once it has, nobody's share changes.
    expect(shares(4, ['a', 'b', 'c'], ['a', 'a', 'b', 'c'])).toEqual({ a: 2, b: 1, c: 1 });
    // Ties go to the smaller id.
    expect(shares(4, ['c', 'b', 'a'], ['a', 'b', 'c', null])).toEqual({ a: 2, b: 1, c: 1 });
  });

  it('a dead holder counts for nothing; one instance gets everything', () => {
    expect(shares(4, ['b'], ['a', 'a', 'b', 'b'])).toEqual({ b: 4 });
  });

  it('always adds up to the shard count, even with more instances than shards', () => {
    expect(shares(2, ['a', 'b', 'c'], [null, 'c'])).toEqual({ c: 1, a: 1, b: 0 });
    for (let live = 1; live <= 7; live++) {
      const ids = Array.from({ length: live }, (_, i) => `i${i}`);
      for (const count of [1, 2, 3, 4, 16]) {
        const total = [...fairShares(count, ids, []).values()].reduce((a, b) => a + b, 0);
        expect(total, `${count} shards / ${live}`).toBe(count);
      }
    }
  });

  it('reads the holder out of a lease value', () => {
    expect(holderOf('host-12-ab|7')).toBe('host-12-ab');
    expect(holderOf('a|b|7')).toBe('a|b');
    expect(holderOf('')).toBeNull();
    expect(holderOf(null)).toBeNull();
    expect(holderOf('|7')).toBeNull();
  });
});
