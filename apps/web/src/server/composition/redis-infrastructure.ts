import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisSessionRevocations } from '../auth/redis-session-revocations.ts';
import { RedisSiteUsers } from '../auth/redis-site-users.ts';
import { RedisGuildRegistry, RedisGuildSettingsStore } from '../guilds/redis-guild-stores.ts';
import type { Clock } from '@repo/platform';
import type { Config } from '../config.ts';
import { moduleLogger } from '../log.ts';
import { ALL_TOPIC } from '../realtime/event-bus.ts';
import { RedisEventBus } from '../realtime/redis-event-bus.ts';
import { RedisOrderedChannel } from '../realtime/redis-ordered-channel.ts';
import { RedisRoomStore } from '../rooms/redis-room-store.ts';
import { gatewayFenceGuard } from '../gateway-ownership/gateway-fence.ts';
import { RedisGatewayOwnership } from '../gateway-ownership/redis-gateway-ownership.ts';
import { GATEWAY_STATUS_EVENT, type Infrastructure } from './infrastructure.ts';
import { closeRedis, openRedis, redisMajorVersion } from '../redis/redis-client.ts';
import { RedisKeys } from '../redis/redis-keys.ts';
import { RedisLeaderGuard } from '../rooms/redis-leader.ts';
import { RedisRateLimitStateStore } from '../discord/redis-rate-limit-store.ts';
import { RedisRefreshCoordinator } from '../auth/redis-refresh-coordinator.ts';
import type { GatewayStatusPayload } from '@repo/protocol';

/**
 * Several instances behind a load balancer, one product (R-SCALE2): the Redis implementations of
 * every swappable part, on two connections per instance (commands, subscriber). See
 * specs/scale-out.md for the topology and what happens when an instance or Redis fails.
 */
export async function openRedisInfrastructure(options: { config: Config; log: Logger; clock: Clock; redisUrl: string }): Promise<Infrastructure> {
  const { config, log, clock, redisUrl } = options;
  const internal = moduleLogger(log, 'Internal');
  const gatewayInit = moduleLogger(log, 'Gateway Init');
  // Short, unique, readable in CLIENT LIST and in the lease value.
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // Without DISCORD_GUILD_ID (the home server is then found at start), the bot's application scopes the keys.
  const scope = config.discord.kind === 'remote' ? config.discord.guildId || `app-${config.discord.clientId}` : 'embedded';
  if (config.discord.kind === 'embedded-emulator') {
    internal.warn(
      'REDIS_URL is set but this instance runs its own embedded Discord emulator: instances only make one product when they share one Discord. Start `pnpm emulator` and point DISCORD_API_URL (and the credentials it prints) at it, or use `pnpm dev:cluster`.',
    );
  }
  const keys = new RedisKeys(config.redisKeyPrefix, scope);

  const redis = await openRedis(redisUrl, { name: `sr-${instanceId}`, log: internal });
  let subscriber;
  try {
    subscriber = await openRedis(redisUrl, { name: `sr-${instanceId}-sub`, log: internal, subscriber: true });
  } catch (error) {
    await closeRedis(redis);
    throw error;
  }
  // Both connections are open: a step below that fails (INFO refused, the channel's baseline
  // unreadable) must close them, or every failed start leaks two connections until the process exits.
  const { channel, bus, gateway } = await (async () => {
    const sharded = (await redisMajorVersion(redis)) >= 7;
    const channel = new RedisOrderedChannel({ redis, subscriber, keys, log: internal, clock, sharded });
    const bus = new RedisEventBus({ redis, channel, keys, log: internal, origin: instanceId, guard: gatewayFenceGuard, retainedTopics: [ALL_TOPIC] });
    // Built before the channel starts: the voice view loads the hash at the channel's baseline.
    const status = {
      publish: (payload: GatewayStatusPayload) => bus.publish(ALL_TOPIC, GATEWAY_STATUS_EVENT, { ...payload }),
      lastPublished: () => bus.retained(ALL_TOPIC, GATEWAY_STATUS_EVENT),
    };
    const gateway = new RedisGatewayOwnership({ redis, keys, instanceId, sharded, logLength: channel.logLength, voiceFeed: channel, status, clock, log: gatewayInit, internalLog: internal });
    await channel.start();
    return { channel, bus, gateway };
  })().catch(async (error: unknown) => {
    await closeRedis(subscriber);
    await closeRedis(redis);
    throw error;
  });

  return {
    kind: 'redis',
    instanceId,
    bus,
    roomStore: new RedisRoomStore(redis, keys, () => clock.now()),
    leader: new RedisLeaderGuard(redis, keys, clock, internal),
    gateway,
    refreshes: new RedisRefreshCoordinator(redis, keys, clock, moduleLogger(log, 'Auth')),
    revocations: new RedisSessionRevocations(redis, keys, clock),
    siteUsers: new RedisSiteUsers(redis, keys),
    rateLimits: new RedisRateLimitStateStore(redis, keys),
    guildRegistry: new RedisGuildRegistry(redis, keys),
    guildSettings: new RedisGuildSettingsStore(redis, keys),
    redis: { ping: () => pingWithin(redis, clock, 1_000) },
    async close() {
      await gateway.leases.stop();
      await bus.close();
      await channel.close();
      await closeRedis(subscriber);
      await closeRedis(redis);
    },
  };
}

/** Whether Redis answers PING within `ms` (health: a hung connection must not hang the answer). */
async function pingWithin(redis: Redis, clock: Clock, ms: number): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    cancel = clock.setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return (await Promise.race([redis.ping(), deadline])) === 'PONG';
  } catch {
    return false;
  } finally {
    cancel?.();
  }
}
