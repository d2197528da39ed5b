import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { signInAs } from '../sign-in.ts';
import { Cluster, type ClusterInstance } from './cluster-stack.ts';
import { TEST_REDIS_URL, deleteKeys, redisAvailable } from './redis.ts';

/**
 * R-ROOM8 with REDIS_URL: the rooms live in Redis, so an instance killed and started again finds
 * them there as they were (spectators and idle clocks included). A Redis that lost them (flushed:
 * here, only this run's key prefix is deleted) is filled again from Discord by the next start.
 */

const redisUp = await redisAvailable();
let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.close();
});

async function call(instance: ClusterInstance, cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${instance.baseUrl}${path}`, {
    method,
    headers: { cookie, origin: instance.baseUrl, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function kill9(instance: ClusterInstance): Promise<void> {
  instance.signal('SIGKILL');
  await instance.exited;
}

describe.runIf(redisUp)('a restart with REDIS_URL', () => {
  it('keeps the Redis store as it is, and reads a flushed one back from Discord', async () => {
    cluster = await Cluster.start({ instances: 1 });
    const first = cluster.instances[0]!;
    const alice = (await signInAs(first.baseUrl, 'alice')).cookie;
    const bob = (await signInAs(first.baseUrl, 'bob')).cookie;
    const grace = (await signInAs(first.baseUrl, 'grace')).cookie;
    const created = await call(first, alice, 'POST', '/api/rooms', { name: 'Redis night' });
    const roomId: string = created.body.room.id;
    const token = (url: string) => url.split('/invite/')[1]!;
    await call(first, bob, 'POST', '/api/invites/redeem', { token: token(created.body.inviteUrl) });
    await call(first, grace, 'POST', '/api/invites/redeem', { token: token(created.body.spectatorUrl) });
    const before = await call(first, alice, 'GET', `/api/rooms/${roomId}`);
    expect(before.body.spectators).toHaveLength(1);

    // Kept: the store is the record; nothing is read back, the spectator is still seated.
    await kill9(first);
    const second = await cluster.add();
    const kept = await call(second, alice, 'GET', `/api/rooms/${roomId}`);
    expect(kept.status).toBe(200);
    expect({ room: kept.body.room, players: kept.body.players, spectators: kept.body.spectators }).toEqual({
      room: before.body.room,
      players: before.body.players,
      spectators: before.body.spectators,
    });

    // Flushed: this run's keys are gone (never FLUSHALL: other tests share this Redis).
    await kill9(second);
    const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await deleteKeys(admin, `${cluster.prefix}*`);
      expect(await admin.keys(`${cluster.prefix}*`)).toEqual([]);
    } finally {
      admin.disconnect();
    }
    const third = await cluster.add();
    const back = await call(third, bob, 'GET', `/api/rooms/${roomId}`);
    expect(back.status).toBe(200);
    expect(back.body.room).toEqual(before.body.room);
    expect(back.body.players).toEqual(before.body.players);
    expect(back.body.spectators).toEqual([]);
    expect(third.logLines(/rooms reconciled with Discord/)).toEqual([expect.objectContaining({ restored: [roomId] })]);
    // The spectator link seats them again.
    const again = await call(third, grace, 'POST', '/api/invites/redeem', { token: token(created.body.spectatorUrl) });
    expect([again.status, again.body.room?.id]).toEqual([200, roomId]);
  });
});
