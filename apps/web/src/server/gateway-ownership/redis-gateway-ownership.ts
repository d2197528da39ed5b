import { type GatewayStartOptions, GatewayState, type IdentifyThrottle, type ShardedGateway } from '@repo/discord-gateway';
import type { Clock } from '@repo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '../redis/redis-keys.ts';
import { GatewayEventGate, ShardDispatchesInFlight } from './gateway-event-gate.ts';
import { runFenced } from './gateway-fence.ts';
import type { AttachedGateway, GatewayOwnership } from './gateway-ownership.ts';
import { type GatewayStatusChannel, clusterGatewayStatus } from './gateway-status.ts';
import { RedisIdentifyThrottle } from './redis-identify-throttle.ts';
import { RedisSessionInfoStore } from './redis-resume-state-store.ts';
import { type VoiceFeed, RedisVoiceStateWriter, RedisVoiceView } from './redis-voice-state.ts';
import { type RedisShardLeasesOptions, RedisShardLeases } from './shard-balancer.ts';

export const RedisGatewayOwnershipDefaults = {
  /** How long a new holder waits for its shard's guilds to be in its cache before copying them to Redis. */
  voiceSeedWaitMs: 30_000,
  voiceSeedPollMs: 50,
} as const;

export interface RedisGatewayOwnershipOptions {
  /** The commands connection (every script, the lease renewals: one connection keeps their order). */
  redis: Redis;
  keys: RedisKeys;
  instanceId: string;
  /** Redis ≥ 7: voice writes go out with SPUBLISH, like every message of the channel. */
  sharded: boolean;
  /** How many messages the channel's log keeps (voice writes are logged like any message). */
  logLength: number;
  /** The voice messages and resyncs of the event bus, which the voice view follows. */
  voiceFeed: VoiceFeed;
  /** Where the Gateway status goes (retained, so any instance can repeat it). */
  status: GatewayStatusChannel;
  clock: Clock;
  /** `Gateway Init`: the leases, the takeovers and the voice copies. */
  log: Logger;
  /** `Internal`: the voice view's reading of Redis. */
  internalLog: Logger;
  /** Lease and balancer timings (tests). */
  leaseTuning?: Pick<RedisShardLeasesOptions, 'tuning' | 'balance'>;
}

/**
 * Several instances (R-SCALE2, specs/sharding.md): each Gateway shard has its own Redis lease; the
 * instances split the shards fairly; each shard's resume state and the voice state live in Redis,
 * written by the shard's holder inside that shard's fence, so the next holder RESUMEs and every
 * instance answers "who is in voice" from the holders' view.
 */
export class RedisGatewayOwnership implements GatewayOwnership {
  readonly leases: RedisShardLeases;
  readonly sessions: RedisSessionInfoStore;
  readonly #o: RedisGatewayOwnershipOptions;
  readonly #inFlight = new ShardDispatchesInFlight();
  readonly #voiceWriter: RedisVoiceStateWriter;
  readonly #voiceView: RedisVoiceView;
  #attached: ShardedGateway | null = null;
  readonly #seeding = new Map<number, Promise<void>>();
  /** Shards whose cache changed while their copy was being made: copied once more after it. */
  readonly #seedAgain = new Set<number>();

  constructor(options: RedisGatewayOwnershipOptions) {
    this.#o = options;
    const { redis, keys, instanceId, clock, log } = options;
    this.leases = new RedisShardLeases({ redis, keys, instanceId, clock, log, ...options.leaseTuning });
    this.sessions = new RedisSessionInfoStore({ redis, keys, leases: this.leases, handledThrough: (shardId) => this.#inFlight.of(shardId).handledThrough(), log });
    this.#voiceWriter = new RedisVoiceStateWriter(redis, keys, instanceId, options.sharded, options.logLength);
    this.#voiceView = RedisVoiceView.attach(options.voiceFeed, redis, keys, options.internalLog);
    // Redis may have restarted empty: each held shard copies its voice state again once it is back.
    redis.on('ready', () => {
      const gateway = this.#attached;
      if (!gateway) return;
      for (const shardId of this.leases.heldShards()) if (gateway.shard(shardId).status().state === GatewayState.Connected) this.#seedVoice(gateway, shardId);
    });
  }

  identifyThrottle(maxConcurrency: number): IdentifyThrottle {
    const { redis, keys, clock, instanceId } = this.#o;
    return new RedisIdentifyThrottle({ redis, keys, clock, instanceId, maxConcurrency });
  }

  attach(gateway: ShardedGateway): AttachedGateway {
    if (this.#attached) throw new Error('the Gateway client is attached once');
    this.#attached = gateway;
    const { leases, sessions } = this;
    const gate = new GatewayEventGate({ leases, gateway, inFlight: this.#inFlight, loadedSessionId: (shardId) => sessions.loadedSessionId(shardId), voice: this.#voiceWriter, clock: this.#o.clock, log: this.#o.log });
    gateway.onShardState((change) => {
      if (change.state === GatewayState.Connected && leases.isHolder(change.shardId)) this.#seedVoice(gateway, change.shardId);
    });
    // A guild's GUILD_CREATE comes after its shard's READY (and again when the bot is re-added or
    // an outage ends): its first snapshot emits no voice events, so the copy is what carries it.
    gateway.on('guild.available', (event) => {
      if (leases.isHolder(event.shardId)) this.#seedVoice(gateway, event.shardId);
    });
    return {
      voice: this.#voiceView,
      status: clusterGatewayStatus({ gateway, channel: this.#o.status, leases, log: this.#o.log }),
      route: (event, handle) => gate.handle(event, handle),
      startOptions: (shardId) => this.#takeoverOptions(shardId),
    };
  }

  async #takeoverOptions(shardId: number): Promise<GatewayStartOptions> {
    const log = this.#o.log;
    try {
      const voice = await this.#voiceWriter.takeoverSeed(shardId);
      log.info(
        { shardId, seeded: voice !== null, inVoice: voice ? [...voice.values()].reduce((n, m) => n + m.length, 0) : 0 },
        voice ? 'taking the shard over from the voice state in Redis' : 'taking the shard over without a voice copy for its stored session: the snapshot comes from a fresh identify',
      );
      return { takeover: { voice } };
    } catch (error) {
      log.warn({ err: error, shardId }, 'could not read the voice state for the takeover: the snapshot comes from a fresh identify');
      return { takeover: { voice: null } };
    }
  }

  /**
   * A shard's holder copies its guilds' voice state to Redis each time the shard's cache is
   * (re)seeded from GUILD_CREATEs (the first seed emits no events) and after Redis comes back
   * (it may have restarted empty). Fenced by the shard's lease like every Gateway write.
   */
  #seedVoice(gateway: ShardedGateway, shardId: number): void {
    if (this.#seeding.has(shardId)) {
      this.#seedAgain.add(shardId);
      return;
    }
    const { clock, log } = this.#o;
    const { leases } = this;
    const shard = gateway.shard(shardId);
    const seeding = (async () => {
      try {
        const deadline = clock.now() + RedisGatewayOwnershipDefaults.voiceSeedWaitMs;
        const guilds = () => gateway.cache.guildIds().filter((id) => shard.ownsGuild(id));
        // Ready = every guild of the shard the cache knows is seeded (after a takeover: not yet).
        const ready = () => guilds().every((id) => gateway.cache.isReady(id));
        while (!ready() && clock.now() < deadline && leases.isHolder(shardId)) await clock.sleep(RedisGatewayOwnershipDefaults.voiceSeedPollMs);
        const token = leases.fencingToken(shardId);
        if (token === null || !ready()) return;
        await runFenced({ token, shardId, sessionId: null, sequence: 0, index: 0, publishes: 0 }, async () => {
          const sessionId = shard.status().sessionId;
          for (const guildId of guilds()) await this.#voiceWriter.replace(guildId, sessionId, gateway.cache.voiceStates(guildId).values());
        });
        log.info({ shardId, guilds: guilds().length }, "the shard's voice state copied to Redis for every instance");
      } catch (error) {
        log.warn({ err: error, shardId }, 'could not copy the voice state to Redis');
      } finally {
        this.#seeding.delete(shardId);
        if (this.#seedAgain.delete(shardId)) this.#seedVoice(gateway, shardId);
      }
    })();
    this.#seeding.set(shardId, seeding);
  }
}
