import { type Clock, systemClock } from '@repo/platform';
import { afterEach, beforeEach } from 'vitest';
import { currentFence, StaleGatewayHolderError } from '../src/server/gateway-ownership/gateway-fence.ts';
import { RedisEventBus } from '../src/server/realtime/redis-event-bus.ts';
import { RedisOrderedChannel, type RedisChannelTuning } from '../src/server/realtime/redis-ordered-channel.ts';
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
  const guard = { current: currentFence, refused: (token: number) => new StaleGatewayHolderError(token) };
  const bus = new RedisEventBus({ redis, channel, keys: space.keys, log: silentLog, origin: name, guard, retainedTopics });
  return { redis, subscriber, channel, bus };
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
