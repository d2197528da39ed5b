import { describe, expect, it } from 'vitest';
import { bucketOf, InMemoryRateLimitStateStore } from './rate-limit-store.ts';

const guild = '111111111111111111';
const addRole = bucketOf('PUT', `/guilds/${guild}/members/222222222222222222/roles/333333333333333333`);
const otherGuild = bucketOf('PUT', `/guilds/444444444444444444/members/222222222222222222/roles/333333333333333333`);

describe('bucketOf', () => {
  it('keys a request like Discord does: route with ids elided, major parameter kept', () => {
    expect(addRole).toEqual({ method: 'PUT', route: '/guilds/:id/members/:id/roles/:id', majorParameter: guild });
    expect(bucketOf('get', '/users/@me')).toEqual({ method: 'GET', route: '/users/@me', majorParameter: 'global' });
  });
});

describe('InMemoryRateLimitStateStore', () => {
  const headers = (remaining: number, resetAfterMs: number, limit = 5) => ({ kind: 'headers', bucketHash: 'abc', limit, remaining, resetAfterMs }) as const;

  it('lets requests through until the budget the headers announced is spent, then waits for the reset', async () => {
    const store = new InMemoryRateLimitStateStore();
    expect(await store.acquire(addRole, 0)).toBeNull();
    await store.update(addRole, headers(1, 1_000, 2), 0);
    expect(await store.acquire(addRole, 10)).toBeNull();
    expect(await store.acquire(addRole, 20)).toEqual({ waitMs: 980, reason: 'bucket' });
    expect(await store.acquire(otherGuild, 20)).toBeNull();
    expect(await store.acquire(addRole, 1_000)).toBeNull();
  });

  it('makes clients sharing one store spend one budget (R-RL2, in one process)', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(2, 500, 3), 0);
    const grants = await Promise.all([1, 2, 3, 4].map(() => store.acquire(addRole, 100)));
    expect(grants.filter((g) => g === null)).toHaveLength(2);
    expect(grants.filter((g) => g !== null)).toEqual([
      { waitMs: 400, reason: 'bucket' },
      { waitMs: 400, reason: 'bucket' },
    ]);
  });

  it('does not believe a response that ignores requests still in flight', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(3, 1_000), 0);
    // Two requests leave; the first answer was computed before the second reached Discord.
    expect(await store.acquire(addRole, 10)).toBeNull();
    expect(await store.acquire(addRole, 10)).toBeNull();
    await store.update(addRole, headers(2, 990), 10);
    expect(await store.acquire(addRole, 20)).toBeNull();
    expect(await store.acquire(addRole, 20)).toEqual({ waitMs: 980, reason: 'bucket' });
  });

  it('ignores a late answer from a window that is already over', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(0, 1_000), 0);
    expect(await store.acquire(addRole, 1_000)).toBeNull();
    await store.update(addRole, headers(4, 1_000), 1_000);
    await store.update(addRole, headers(0, 10), 1_005); // stale: its window ended at 1 015, ours ends at 2 000
    expect(await store.acquire(addRole, 1_020)).toBeNull();
  });

  it('stops counting an attempt as in flight once it ended without budget information', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(1, 1_000), 0);
    expect(await store.acquire(addRole, 10)).toBeNull();
    // A timeout: the slot stays spent (Discord may have counted it), but it is no longer in flight.
    await store.update(addRole, { kind: 'released' }, 20);
    expect(await store.acquire(addRole, 30)).toEqual({ waitMs: 970, reason: 'bucket' });
    expect(await store.acquire(addRole, 1_000)).toBeNull();
    await store.update(addRole, headers(4, 1_000), 1_010);
    const grants = await Promise.all([1, 2, 3, 4, 5].map(() => store.acquire(addRole, 1_020)));
    expect(grants.filter((g) => g === null)).toHaveLength(4);
  });

  it('blocks a bucket for retry_after after a 429, whatever its headers said', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(4, 100), 0);
    await store.acquire(addRole, 0);
    await store.update(addRole, { kind: '429', bucketHash: 'abc', global: false, scope: 'shared', retryAfterMs: 2_500 }, 0);
    expect(await store.acquire(addRole, 500)).toEqual({ waitMs: 2_000, reason: 'bucket' });
    expect(await store.acquire(addRole, 2_500)).toBeNull();
  });

  it('blocks every bucket of the token after a global 429', async () => {
    const store = new InMemoryRateLimitStateStore();
    await store.acquire(addRole, 0);
    await store.update(addRole, { kind: '429', bucketHash: undefined, global: true, scope: 'global', retryAfterMs: 1_200 }, 0);
    expect(await store.acquire(otherGuild, 200)).toEqual({ waitMs: 1_000, reason: 'global' });
    expect(await store.acquire(bucketOf('GET', '/users/@me'), 1_200)).toBeNull();
  });
});
