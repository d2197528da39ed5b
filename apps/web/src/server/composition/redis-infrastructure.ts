import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type DiscordGatewayClient, GatewayState } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import { RedisSessionRevocations } from '../auth/redis-session-revocations.ts';
import type { Clock } from '@repo/platform';
import type { Config } from '../config.ts';
import { moduleLogger } from '../log.ts';
import { ALL_TOPIC } from '../realtime/event-bus.ts';
import { RedisBusDefaults, RedisEventBus } from '../realtime/redis-event-bus.ts';
import { RedisRoomStore } from '../rooms/redis-room-store.ts';
import { GatewayEventGate } from '../gateway-ownership/gateway-event-gate.ts';
import { runFenced } from '../gateway-ownership/gateway-fence.ts';
import { clusterGatewayStatus } from '../gateway-ownership/gateway-status.ts';
import type { Infrastructure } from './infrastructure.ts';
import { closeRedis, openRedis, redisMajorVersion } from '../redis/redis-client.ts';
import { RedisGatewayLease } from '../gateway-ownership/redis-gateway-lease.ts';
import { RedisKeys } from '../redis/redis-keys.ts';
import { RedisLeaderGuard } from '../rooms/redis-leader.ts';
import { RedisRateLimitStateStore } from '../discord/redis-rate-limit-store.ts';
import { RedisRefreshCoordinator } from '../auth/redis-refresh-coordinator.ts';
import { RedisSessionInfoStore } from '../gateway-ownership/redis-resume-state-store.ts';
import { RedisVoiceStateWriter, RedisVoiceView } from '../gateway-ownership/redis-voice-state.ts';

export const RedisInfrastructureDefaults = {
  /** How long the new holder waits for its Gateway cache to hold the guild before copying it to Redis. */
  voiceSeedWaitMs: 30_000,
  voiceSeedPollMs: 50,
} as const;

/**
 * Several instances behind a load balancer, one product (R-SCALE2): the Redis implementations of
 * every swappable part, on two connections per instance (commands, subscriber). See
 * specs/scale-out.md for the topology and what happens when an instance or Redis fails.
 */
export async function createRedisInfrastructure(options: { config: Config; log: Logger; clock: Clock; redisUrl: string }): Promise<Infrastructure> {
  const { config, log, clock, redisUrl } = options;
  const internal = moduleLogger(log, 'Internal');
  const gatewayInit = moduleLogger(log, 'Gateway Init');
  // Short, unique, readable in CLIENT LIST and in the lease value.
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const scope = config.discord.kind === 'remote' ? config.discord.guildId : 'embedded';
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
  const sharded = (await redisMajorVersion(redis)) >= 7;

  const bus = new RedisEventBus({ redis, subscriber, keys, log: internal, origin: instanceId, sharded, retainedTopics: [ALL_TOPIC] });
  const voiceView = RedisVoiceView.attach(bus, redis, keys, internal);
  const voiceWriter = new RedisVoiceStateWriter(redis, keys, instanceId, sharded, RedisBusDefaults.logLength);
  await bus.start();

  const roomStore = new RedisRoomStore(redis, keys, () => clock.now());
  const lease = new RedisGatewayLease({ redis, keys, instanceId, clock, log: gatewayInit });
  let gate: GatewayEventGate | undefined;
  const sessions = new RedisSessionInfoStore({ redis, keys, lease, handledThrough: () => gate?.handledThrough() ?? Number.POSITIVE_INFINITY, log: gatewayInit });
  let attached: DiscordGatewayClient | undefined;

  /**
   * The holder copies its whole cache to Redis each time the cache is (re)seeded from a
   * GUILD_CREATE (the first seed emits no events) and after Redis comes back (it may have
   * restarted empty). Fenced like every Gateway write.
   */
  let seeding: Promise<void> | null = null;
  const seedVoice = (gateway: DiscordGatewayClient) => {
    seeding ??= (async () => {
      try {
        const deadline = clock.now() + RedisInfrastructureDefaults.voiceSeedWaitMs;
        const ready = () => gateway.cache.guildIds().length > 0 && gateway.cache.guildIds().every((id) => gateway.cache.isReady(id));
        while (!ready() && clock.now() < deadline && lease.isHolder()) await sleep(RedisInfrastructureDefaults.voiceSeedPollMs);
        const token = lease.fencingToken();
        if (token === null || !ready()) return;
        await runFenced({ token, sessionId: null, sequence: 0, index: 0, publishes: 0 }, async () => {
          const sessionId = gateway.status().sessionId;
          for (const guildId of gateway.cache.guildIds()) await voiceWriter.replace(guildId, sessionId, gateway.cache.voiceStates(guildId).values());
        });
        gatewayInit.info({ guilds: gateway.cache.guildIds().length }, 'voice state copied to Redis for every instance');
      } catch (error) {
        gatewayInit.warn({ err: error }, 'could not copy the voice state to Redis');
      } finally {
        seeding = null;
      }
    })();
  };
  redis.on('ready', () => {
    if (attached && lease.isHolder() && attached.status().state === GatewayState.Connected) seedVoice(attached);
  });

  return {
    kind: 'redis',
    instanceId,
    bus,
    roomStore,
    leader: new RedisLeaderGuard(redis, keys, clock, internal),
    gatewayLease: lease,
    gatewaySessions: sessions,
    async gatewayStartOptions() {
      try {
        const voice = await voiceWriter.takeoverSeed(0);
        gatewayInit.info({ seeded: voice !== null, inVoice: voice ? [...voice.values()].reduce((n, m) => n + m.length, 0) : 0 }, voice ? 'taking the Gateway over from the voice state in Redis' : 'taking the Gateway over without a voice copy for the stored session: the snapshot comes from a fresh identify');
        return { takeover: { voice } };
      } catch (error) {
        gatewayInit.warn({ err: error }, 'could not read the voice state for the takeover: the snapshot comes from a fresh identify');
        return { takeover: { voice: null } };
      }
    },
    refreshes: new RedisRefreshCoordinator(redis, keys, clock, moduleLogger(log, 'Auth')),
    revocations: new RedisSessionRevocations(redis, keys, clock),
    rateLimits: new RedisRateLimitStateStore(redis, keys),
    voiceView(gateway) {
      attached = gateway;
      gate = new GatewayEventGate({ lease, gateway, loadedSessionId: () => sessions.loadedSessionId, voice: voiceWriter, clock, log: gatewayInit });
      gateway.on('gateway.state', (change) => {
        if (change.state === GatewayState.Connected && lease.isHolder()) seedVoice(gateway);
      });
      return voiceView;
    },
    routeGatewayEvent(event, route) {
      if (!gate) throw new Error('voiceView(gateway) attaches the Gateway; call it first');
      gate.handle(event, route);
    },
    gatewayStatus: (gateway) => clusterGatewayStatus({ gateway, bus, lease, log: gatewayInit }),
    async ping() {
      try {
        return (await Promise.race([redis.ping(), sleep(1_000).then(() => 'timeout')])) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await lease.stop();
      await bus.close();
      await closeRedis(subscriber);
      await closeRedis(redis);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
