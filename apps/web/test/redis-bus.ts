import { type Clock, systemClock } from '@repo/platform';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import { gatewayFenceGuard } from '../src/server/gateway-ownership/gateway-fence.ts';
import { RedisEventBus } from '../src/server/realtime/redis-event-bus.ts';
import { RedisOrderedChannel, type RedisChannelTuning } from '../src/server/realtime/redis-ordered-channel.ts';
import { BUS_LUA_PRELUDE, messageBody } from '../src/server/redis/bus-lua.ts';
import { RedisTestSpace, silentLog } from './cluster/redis.ts';

export interface RedisBusOptions {
  sharded: boolean;
  clock?: Clock;
  tuning?: Partial<RedisChannelTuning>;
  retainedTopics?: readonly string[];
}

/**
 * One instance's event bus on the real Redis of a test space, wired as the composition root wires
 * it: its own command and subscriber connections, the guild's ordered channel, the bus on it with
 * the Gateway fence as its publish guard. Attach listeners, then start the channel.
 */
export async function redisBus(space: RedisTestSpace, name: string, options: RedisBusOptions) {
  const redis = await space.connect(`${name}-cmd`);
  const subscriber = await space.connect(`${name}-sub`);
  const { sharded, clock = systemClock, tuning, retainedTopics } = options;
  const channel = new RedisOrderedChannel({ redis, subscriber, keys: space.keys, log: silentLog, clock, sharded, tuning });
  const bus = new RedisEventBus({ redis, channel, keys: space.keys, log: silentLog, origin: name, guard: gatewayFenceGuard, retainedTopics });
  return { redis, subscriber, channel, bus };
}

/**
 * Writes a message straight onto a test space's channel at its next position, as any writer's
 * script does, whatever its topic, event and payload: what an older or broken writer could leave there.
 */
export async function emitRaw(redis: Redis, space: RedisTestSpace, sharded: boolean, message: { topic: string; event: string; payload: unknown }): Promise<void> {
  const { keys } = space;
  const script = `${BUS_LUA_PRELUDE}\nreturn emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], 'null', ARGV[3], ARGV[4])`;
  await redis.eval(script, 2, keys.busPosition, keys.busLog, keys.busChannel, sharded ? '1' : '0', messageBody('raw', undefined, message.topic, message.event, message.payload), '100');
}

/**
 * For a describe block: a fresh test space before each test, and after it every bus and channel
 * made through `instance` closed and the space's keys deleted.
 */
export function redisBusPerTest() {
  let current: RedisTestSpace | undefined;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeEach(() => {
    current = new RedisTestSpace();
  });
  afterEach(async () => {
    for (const part of closing.splice(0)) await part.close();
    await current?.cleanup();
  });
  const space = (): RedisTestSpace => {
    if (!current) throw new Error('redisBusPerTest: no test is running');
    return current;
  };
  return {
    space,
    async instance(name: string, options: RedisBusOptions) {
      const made = await redisBus(space(), name, options);
      closing.push(made.bus, made.channel);
      return made;
    },
  };
}
