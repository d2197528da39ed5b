import { type DiscordGatewayClient, type GatewayStartOptions, GatewayState } from '@repo/discord-gateway';
import type { Clock } from '@repo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '../redis/redis-keys.ts';
import { DispatchesInFlight, GatewayEventGate } from './gateway-event-gate.ts';
import { runFenced } from './gateway-fence.ts';
import type { AttachedGateway, GatewayOwnership } from './gateway-ownership.ts';
import { type GatewayStatusChannel, clusterGatewayStatus } from './gateway-status.ts';
import { RedisGatewayLease } from './redis-gateway-lease.ts';
import { RedisSessionInfoStore } from './redis-resume-state-store.ts';
import { type VoiceFeed, RedisVoiceStateWriter, RedisVoiceView } from './redis-voice-state.ts';

export const RedisGatewayOwnershipDefaults = {
  /** How long the new holder waits for its Gateway cache to hold the guild before copying it to Redis. */
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
  /** Where the holder's Gateway status goes (retained, so a standby can repeat it). */
  status: GatewayStatusChannel;
  clock: Clock;
  /** `Gateway Init`: the lease, the takeover and the voice copy. */
  log: Logger;
  /** `Internal`: the voice view's reading of Redis. */
  internalLog: Logger;
}

/**
 * Several instances (R-SCALE2): the Redis lease picks the Gateway holder; the resume state and the
 * voice state live in Redis, written by the holder inside its fence, so the next holder RESUMEs and
 * every instance (standbys too) answers "who is in voice" from the holder's view.
 */
export class RedisGatewayOwnership implements GatewayOwnership {
  readonly lease: RedisGatewayLease;
  readonly sessions: RedisSessionInfoStore;
  readonly #o: RedisGatewayOwnershipOptions;
  readonly #inFlight = new DispatchesInFlight();
  readonly #voiceWriter: RedisVoiceStateWriter;
  readonly #voiceView: RedisVoiceView;
  #attached: DiscordGatewayClient | null = null;
  #seeding: Promise<void> | null = null;

  constructor(options: RedisGatewayOwnershipOptions) {
    this.#o = options;
    const { redis, keys, instanceId, clock, log } = options;
    this.lease = new RedisGatewayLease({ redis, keys, instanceId, clock, log });
    this.sessions = new RedisSessionInfoStore({ redis, keys, lease: this.lease, handledThrough: () => this.#inFlight.handledThrough(), log });
    this.#voiceWriter = new RedisVoiceStateWriter(redis, keys, instanceId, options.sharded, options.logLength);
    this.#voiceView = RedisVoiceView.attach(options.voiceFeed, redis, keys, options.internalLog);
    // Redis may have restarted empty: the holder copies its voice state again once it is back.
    redis.on('ready', () => {
      const gateway = this.#attached;
      if (gateway && this.lease.isHolder() && gateway.status().state === GatewayState.Connected) this.#seedVoice(gateway);
    });
  }

  attach(gateway: DiscordGatewayClient): AttachedGateway {
    if (this.#attached) throw new Error('the Gateway client is attached once');
    this.#attached = gateway;
    const { lease, sessions } = this;
    const gate = new GatewayEventGate({ lease, gateway, inFlight: this.#inFlight, loadedSessionId: () => sessions.loadedSessionId, voice: this.#voiceWriter, clock: this.#o.clock, log: this.#o.log });
    gateway.on('gateway.state', (change) => {
      if (change.state === GatewayState.Connected && lease.isHolder()) this.#seedVoice(gateway);
    });
    return {
      voice: this.#voiceView,
      status: clusterGatewayStatus({ gateway, channel: this.#o.status, lease, log: this.#o.log }),
      route: (event, handle) => gate.handle(event, handle),
      startOptions: () => this.#takeoverOptions(),
    };
  }

  async #takeoverOptions(): Promise<GatewayStartOptions> {
    const log = this.#o.log;
    try {
      const voice = await this.#voiceWriter.takeoverSeed(0);
      log.info({ seeded: voice !== null, inVoice: voice ? [...voice.values()].reduce((n, m) => n + m.length, 0) : 0 }, voice ? 'taking the Gateway over from the voice state in Redis' : 'taking the Gateway over without a voice copy for the stored session: the snapshot comes from a fresh identify');
      return { takeover: { voice } };
    } catch (error) {
      log.warn({ err: error }, 'could not read the voice state for the takeover: the snapshot comes from a fresh identify');
      return { takeover: { voice: null } };
    }
  }

  /**
   * The holder copies its whole cache to Redis each time the cache is (re)seeded from a
   * GUILD_CREATE (the first seed emits no events) and after Redis comes back (it may have
   * restarted empty). Fenced like every Gateway write.
   */
  #seedVoice(gateway: DiscordGatewayClient): void {
    const { clock, log } = this.#o;
    const lease = this.lease;
    this.#seeding ??= (async () => {
      try {
        const deadline = clock.now() + RedisGatewayOwnershipDefaults.voiceSeedWaitMs;
        const ready = () => gateway.cache.guildIds().length > 0 && gateway.cache.guildIds().every((id) => gateway.cache.isReady(id));
        while (!ready() && clock.now() < deadline && lease.isHolder()) await clock.sleep(RedisGatewayOwnershipDefaults.voiceSeedPollMs);
        const token = lease.fencingToken();
        if (token === null || !ready()) return;
        await runFenced({ token, sessionId: null, sequence: 0, index: 0, publishes: 0 }, async () => {
          const sessionId = gateway.status().sessionId;
          for (const guildId of gateway.cache.guildIds()) await this.#voiceWriter.replace(guildId, sessionId, gateway.cache.voiceStates(guildId).values());
        });
        log.info({ guilds: gateway.cache.guildIds().length }, 'voice state copied to Redis for every instance');
      } catch (error) {
        log.warn({ err: error }, 'could not copy the voice state to Redis');
      } finally {
        this.#seeding = null;
      }
    })();
  }
}
