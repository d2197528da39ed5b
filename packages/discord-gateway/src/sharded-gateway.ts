import { REST } from '@discordjs/rest';
import { silentLogger, systemClock } from '@repo/platform';
import { Routes } from 'discord-api-types/v10';
import { z } from 'zod';
import type { DiscordGatewayClientOptions, GatewayStartOptions } from './client-options.ts';
import { gatewayDefaults } from './defaults.ts';
import { DiscordGatewayClient } from './discord-gateway-client.ts';
import type { GatewayEventMap } from './events.ts';
import { GatewayState, type GatewayStatus } from './gateway-state.ts';
import { GatewayInformationError, IdentifyBudget, sessionStartLimitSchema } from './identify-budget.ts';
import { IdentifyBuckets, type IdentifyThrottle, type ShardShared } from './shard-parts.ts';
import { TypedEmitter } from './typed-emitter.ts';
import { VoiceStateCache, type GuildInventoryView, type VoiceStateView } from './voice-state-cache.ts';

/** Discord allows at most 2,500 guilds per shard; a count this large is a typo, not a bot. */
export const MAX_SHARD_COUNT = 4_096;

const gatewayBotSchema = z.object({
  url: z.string(),
  shards: z.number().int().min(1).max(MAX_SHARD_COUNT),
  session_start_limit: sessionStartLimitSchema,
});
export type GatewayBotInfo = z.infer<typeof gatewayBotSchema>;

/** GET /gateway/bot, parsed: the recommended shard count and the session start limit. */
export async function readGatewayBot(options: { token: string; restBaseUrl?: string; apiVersion?: string }): Promise<GatewayBotInfo> {
  const rest = new REST({ api: options.restBaseUrl ?? gatewayDefaults.restBaseUrl, version: options.apiVersion ?? gatewayDefaults.apiVersion }).setToken(options.token);
  try {
    const parsed = gatewayBotSchema.safeParse(await rest.get(Routes.gatewayBot()));
    if (!parsed.success) throw new GatewayInformationError(`GET /gateway/bot answered an unexpected shape: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    return parsed.data;
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

/** `DISCORD_SHARD_COUNT`: a number is used as is; `auto` takes Discord's recommendation (`shards` of GET /gateway/bot). */
export function shardCountOf(setting: number | 'auto', info: Pick<GatewayBotInfo, 'shards'>): number {
  return setting === 'auto' ? info.shards : setting;
}

export interface ShardedGatewayOptions extends Omit<DiscordGatewayClientOptions, 'shard' | 'shared' | 'sessionStore'> {
  shardCount: number;
  /** Resume state, shared by the shards (each under its own shard id). */
  sessionStore?: DiscordGatewayClientOptions['sessionStore'];
  /**
   * Holds IDENTIFYs to Discord's identify concurrency. Default: IdentifyBuckets in this process
   * (`max_concurrency` from the last GET /gateway/bot); with several processes, a shared one.
   */
  identifyThrottle?: IdentifyThrottle;
}

/** Worst first: the aggregate state of several shards is the worst state among the started ones. */
const STATE_RANK: Record<GatewayState, number> = {
  [GatewayState.Disconnected]: 4,
  [GatewayState.Reconnecting]: 3,
  [GatewayState.Connecting]: 2,
  [GatewayState.Identifying]: 1,
  [GatewayState.Connected]: 0,
};

/**
 * The bot's Gateway as `shardCount` shards (R-GW1; Discord requires sharding past 2,500 guilds),
 * each a DiscordGatewayClient with its own socket, session and sequence, sharing one voice cache,
 * one session-start budget and one identify throttle. Which shards this process runs is the
 * caller's choice (startShard/stopShard): all of them in one process, a share of them per instance
 * with several. Domain events of every shard come out of `on()`, each stamped with its `shardId`;
 * `gateway.state` here is the aggregate over the started shards (each shard's own changes:
 * `onShardState`).
 */
export class ShardedGateway {
  readonly shards: readonly DiscordGatewayClient[];
  readonly #shared: ShardShared;
  readonly #events: TypedEmitter<Pick<GatewayEventMap, 'gateway.state'>>;
  #state: GatewayState = GatewayState.Disconnected;

  constructor(options: ShardedGatewayOptions) {
    const { shardCount, identifyThrottle, ...client } = options;
    if (!Number.isSafeInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARD_COUNT) throw new RangeError(`shard count must be 1–${MAX_SHARD_COUNT}, not ${shardCount}`);
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const identifyBudget = new IdentifyBudget({ clock, logger, freshForMs: options.tuning?.identifyBudgetFreshMs ?? gatewayDefaults.identifyBudgetFreshMs });
    this.#shared = {
      cache: new VoiceStateCache(),
      identifyBudget,
      identifyThrottle: identifyThrottle ?? new IdentifyBuckets(clock, () => identifyBudget.last?.maxConcurrency ?? 1),
    };
    this.#events = new TypedEmitter((error) => logger.error({ module: 'Gateway', err: error }, '[Gateway] a state listener threw'));
    this.shards = Array.from({ length: shardCount }, (_, id) => new DiscordGatewayClient({ ...client, shard: { id, count: shardCount }, shared: this.#shared }));
    for (const shard of this.shards) shard.on('gateway.state', () => this.#aggregate(clock.now()));
  }

  get shardCount(): number {
    return this.shards.length;
  }

  /** One shard's client; a RangeError for an id outside 0…shardCount-1. */
  shard(id: number): DiscordGatewayClient {
    const shard = this.shards[id];
    if (!shard) throw new RangeError(`no shard ${id} (of ${this.shards.length})`);
    return shard;
  }

  /** Voice presence of every guild of every shard; answers are O(1). */
  get cache(): VoiceStateView {
    return this.#shared.cache;
  }

  get inventory(): GuildInventoryView {
    return this.#shared.cache;
  }

  /** Every shard's domain events (each carries its `shardId`); `gateway.state` is the aggregate. */
  on<K extends keyof GatewayEventMap>(type: K, listener: (event: GatewayEventMap[K]) => void): () => void {
    if (type === 'gateway.state') return this.#events.on('gateway.state', listener as (event: GatewayEventMap['gateway.state']) => void);
    const offs = this.shards.map((shard) => shard.on(type, listener));
    return () => offs.forEach((off) => off());
  }

  /** Each shard's own state changes. */
  onShardState(listener: (event: GatewayEventMap['gateway.state']) => void): () => void {
    const offs = this.shards.map((shard) => shard.on('gateway.state', listener));
    return () => offs.forEach((off) => off());
  }

  startShard(id: number, options: GatewayStartOptions = {}): Promise<void> {
    return this.shard(id).start(options);
  }

  stopShard(id: number, options: { keepSession?: boolean } = {}): Promise<void> {
    return this.shard(id).stop(options);
  }

  /** Every shard (one process holds them all); resolves when each is READY/RESUMED. */
  async start(options: GatewayStartOptions = {}): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.start(options)));
  }

  async stop(options: { keepSession?: boolean } = {}): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.stop(options)));
  }

  /** The shards this process runs now. */
  activeShardIds(): number[] {
    return this.shards.filter((shard) => shard.active).map((shard) => shard.shardId);
  }

  /**
   * One shard: its own status. Several: the worst state among the started shards (and the fatal
   * ones), summed reconnects, the slowest heartbeat; session and sequence belong to a shard
   * (`shard(id).status()`), so they are null here.
   */
  status(): GatewayStatus {
    const [only] = this.shards;
    if (this.shards.length === 1 && only) return only.status();
    const statuses = this.shards.map((shard) => ({ shard, status: shard.status() }));
    const counted = statuses.filter(({ shard, status }) => shard.active || status.fatalError);
    const budget = this.#shared.identifyBudget;
    return {
      state: this.#state,
      sessionId: null,
      sequence: null,
      heartbeatLatencyMs: maxOf(counted.map(({ status }) => status.heartbeatLatencyMs)),
      lastHeartbeatAckAt: maxOf(counted.map(({ status }) => status.lastHeartbeatAckAt)),
      reconnectCount: counted.reduce((n, { status }) => n + status.reconnectCount, 0),
      consecutiveFailures: counted.reduce((n, { status }) => Math.max(n, status.consecutiveFailures), 0),
      readyGuildIds: counted.flatMap(({ status }) => status.readyGuildIds),
      fatalError: counted.find(({ status }) => status.fatalError)?.status.fatalError ?? null,
      identifyBlockedUntil: budget.blockedUntil,
      sessionStartLimit: budget.last,
    };
  }

  #aggregate(at: number): void {
    let worst: GatewayState | null = null;
    for (const shard of this.shards) {
      const status = shard.status();
      if (!shard.active && !status.fatalError) continue;
      if (worst === null || STATE_RANK[status.state] > STATE_RANK[worst]) worst = status.state;
    }
    const state = worst ?? GatewayState.Disconnected;
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.#events.emit('gateway.state', { type: 'gateway.state', state, previous, at, shardId: -1 });
  }
}

function maxOf(values: Array<number | null>): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}
