import { systemClock } from '@repo/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { RedisShardLeases, fairShares, holderOf, stateOf } from './shard-balancer.ts';

const available = await redisAvailable();

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

describe('a shard’s reported state', () => {
  it('is shown only under the lease token that reported it', () => {
    expect(stateOf('7|CONNECTED', 'a|7')).toBe('CONNECTED');
    expect(stateOf('7|CONNECTED', 'b|8')).toBeNull();
    // Look-alike tokens: a prefix or a suffix of the lease's is another token.
    expect(stateOf('1|CONNECTED', 'b|11')).toBeNull();
    expect(stateOf('11|CONNECTED', 'b|1')).toBeNull();
    // The old format (no token), nothing stored, nobody holding.
    expect(stateOf('CONNECTED', 'a|7')).toBeNull();
    expect(stateOf(undefined, 'a|7')).toBeNull();
    expect(stateOf('7|CONNECTED', null)).toBeNull();
  });
});

describe.runIf(available)('RedisShardLeases’ states (real Redis)', () => {
  let space: RedisTestSpace;
  const running: RedisShardLeases[] = [];
  beforeEach(() => {
    space = new RedisTestSpace();
  });
  afterEach(async () => {
    for (const leases of running.splice(0)) await leases.stop();
    await space.cleanup();
  });

  async function instance(name: string): Promise<RedisShardLeases> {
    const leases = new RedisShardLeases({
      redis: await space.connect(name),
      keys: space.keys,
      instanceId: name,
      clock: systemClock,
      log: silentLog,
      tuning: { ttlMs: 1_500, renewEveryMs: 300, safetyMarginMs: 300, pollMaxMs: 50, commandTimeoutMs: 500 },
      balance: { balanceEveryMs: 50, instanceTtlMs: 1_500 },
    });
    running.push(leases);
    leases.start(1, { onAcquired: () => undefined, onLost: () => undefined, handOver: async () => undefined });
    return leases;
  }

  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('CONNECTED under token 1; once token 2 holds the shard, null until the new holder reports', async () => {
    const a = await instance('a');
    await until(() => a.isHolder(0));
    expect(a.fencingToken(0)).toBe(1);
    await a.reportState(0, 'CONNECTED');
    expect(await a.holders()).toEqual([{ id: 0, holder: 'a', state: 'CONNECTED' }]);

    // a goes (its last state stays stored); b takes the shard with token 2.
    await a.stop();
    const b = await instance('b');
    await until(() => b.isHolder(0));
    expect(b.fencingToken(0)).toBe(2);
    expect(await b.holders()).toEqual([{ id: 0, holder: 'b', state: null }]);
    // A late report from the old holder changes nothing.
    expect((await a.reportState(0, 'CONNECTED')).size).toBe(0);
    expect(await b.holders()).toEqual([{ id: 0, holder: 'b', state: null }]);

    await b.reportState(0, 'RESUMING');
    expect(await b.holders()).toEqual([{ id: 0, holder: 'b', state: 'RESUMING' }]);
    await b.reportState(0, 'CONNECTED');
    expect(await a.holders()).toEqual([{ id: 0, holder: 'b', state: 'CONNECTED' }]);
  });
});
