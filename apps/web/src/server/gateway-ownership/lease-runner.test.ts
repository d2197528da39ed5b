import { GatewayState, MemorySessionInfoStore, ShardedGateway } from '@repo/discord-gateway';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { systemClock } from '@repo/platform';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { GatewayLeaseRunner } from './lease-runner.ts';
import { RedisShardLeases } from './shard-balancer.ts';

const available = await redisAvailable();

/** Polls (the Gateway and the lease move over real sockets) until `done` or 10 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The hand-over runner with its real parts: a Redis lease (short TTL) and a Gateway client on the
 * emulator. It connects while it holds the lease, disconnects when it loses it, and connects again
 * (by RESUME) once it wins the lease back, after the previous connection has stopped.
 */
describe.runIf(available)('GatewayLeaseRunner (real Redis, emulator Gateway)', () => {
  let emulator: EmulatorHandle;
  let space: RedisTestSpace;
  let redis: Redis;
  let stops: Array<() => Promise<void>>;

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0 });
    space = new RedisTestSpace();
    redis = await space.connect('runner');
    stops = [];
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await space.cleanup();
    await emulator.close();
  });

  function runner() {
    const leases = new RedisShardLeases({
      redis,
      keys: space.keys,
      instanceId: 'runner-test',
      clock: systemClock,
      log: silentLog,
      tuning: { ttlMs: 1_500, renewEveryMs: 150, safetyMarginMs: 300, pollMaxMs: 100, commandTimeoutMs: 500 },
      balance: { balanceEveryMs: 100, instanceTtlMs: 1_500 },
    });
    const lease = { isHolder: () => leases.isHolder(0) };
    const gateway = new ShardedGateway({ token: emulator.botToken, guildIds: emulator.guildId, restBaseUrl: emulator.apiUrl, logger: silentLog, sessionStore: new MemorySessionInfoStore(), shardCount: 1 });
    /** The client's state each time the runner read the start options (right before it starts it). */
    const statesAtStart: string[] = [];
    const run = new GatewayLeaseRunner({
      leases,
      gateway,
      startOptions: async () => {
        statesAtStart.push(gateway.status().state);
        return {};
      },
      keepSessionOnStop: true,
      log: silentLog,
    });
    stops.push(() => run.stop());
    return { lease, gateway, run, statesAtStart };
  }

  it('connects while holding the lease, disconnects on losing it, and RESUMEs once it is won back and the old connection has stopped', async () => {
    const { lease, gateway, run, statesAtStart } = runner();
    const states: string[] = [];
    gateway.on('gateway.state', (change) => states.push(change.state));

    run.start();
    await until(() => gateway.status().state === GatewayState.Connected, 'the first connection');
    expect(emulator.gateway.stats()).toMatchObject({ identifies: 1, resumes: 0 });

    // Another instance holds the lease now (briefly): the next renewal finds it gone.
    await redis.set(space.keys.gatewayLease(0), 'another-instance|999999', 'PX', 600);
    await until(() => states.includes(GatewayState.Disconnected), 'the disconnect on losing the lease');
    expect(lease.isHolder()).toBe(false);

    // Its lease lapses; this runner takes it back and resumes the session it kept.
    await until(() => statesAtStart.length === 2 && gateway.status().state === GatewayState.Connected, 'the second connection');
    expect(lease.isHolder()).toBe(true);
    expect(statesAtStart).toEqual([GatewayState.Disconnected, GatewayState.Disconnected]);
    expect(emulator.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('stops by disconnecting first, then releasing the lease for a successor', async () => {
    const { lease, gateway, run } = runner();
    run.start();
    await until(() => gateway.status().state === GatewayState.Connected, 'the connection');
    let leaseHeldAtDisconnect: string | null = null;
    gateway.on('gateway.state', (change) => {
      if (change.state === GatewayState.Disconnected) void redis.get(space.keys.gatewayLease(0)).then((value) => (leaseHeldAtDisconnect = value));
    });

    await run.stop();
    expect(gateway.status().state).toBe(GatewayState.Disconnected);
    expect(lease.isHolder()).toBe(false);
    // The lease was still ours when the connection went (the resume state is written under it)…
    expect(leaseHeldAtDisconnect).toMatch(/^runner-test\|\d+$/);
    // …and is free now: a successor takes it at once instead of waiting for the TTL.
    expect(await redis.get(space.keys.gatewayLease(0))).toBeNull();
  });
});
