import { REST } from '@discordjs/rest';
import { WebSocketManager } from '@discordjs/ws';
import type { Clock } from '@repo/platform';
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayTuning } from './defaults.ts';
import { GatedShardingStrategy } from './gated-sharding-strategy.ts';
import { ReconnectGate } from './reconnect-backoff.ts';
import type { CachedSessionInfoStore } from './session-info-store.ts';
import type { IdentifyThrottle } from './shard-parts.ts';

/** R-GW1: what the voice cache needs, nothing more (GUILD_MEMBERS is privileged: enable it in the portal). */
export const GATEWAY_INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates | GatewayIntentBits.GuildMembers;


export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // start() callers may not wait; a fatal error is also reported through state and logs.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One run of the client, from start() to stop() or a fatal close; a restart builds a new one. */
export interface Run {
  manager: WebSocketManager;
  strategy: GatedShardingStrategy;
  rest: REST;
  gate: ReconnectGate;
  /** Aborted on stop or a fatal close: ends the identify budget's wait. */
  abort: AbortController;
  started: Deferred;
  stopping: boolean;
  /** stop({ keepSession: true }): the stored session must survive the close. */
  keepSession: boolean;
}

/** What the client decides for a run; the run only asks. */
export interface RunHooks {
  /** Before each reconnect the library makes (not its first connect): resolves false to give up. */
  beforeReconnect(run: Run): Promise<boolean>;
  /** Before each IDENTIFY (never before a RESUME): resolves false to give up. */
  beforeIdentify(run: Run): Promise<boolean>;
  /** An attempt failed; `nextDelayMs` is the backoff before the next one. */
  onAttemptFailed(consecutiveFailures: number, nextDelayMs: number): void;
}

export interface RunParts {
  token: string;
  tuning: GatewayTuning;
  clock: Clock;
  sessions: CachedSessionInfoStore;
  /** The one shard this run connects (a shard serves up to 2,500 guilds; past that Discord closes with 4011). */
  shard: { id: number; count: number };
  /** Shared by the shards of a bot (identify concurrency); default: the library's, per manager. */
  throttle?: IdentifyThrottle;
  hooks: RunHooks;
}

/**
 * Wires one run: a REST client for GET /gateway/bot, the backoff gate, and a WebSocketManager whose
 * sharding strategy passes every reconnect and IDENTIFY through the hooks. Opens nothing yet.
 */
export function createRun({ token, tuning, clock, sessions, shard, throttle, hooks }: RunParts): Run {
  const rest = new REST({ api: tuning.restBaseUrl, version: tuning.apiVersion }).setToken(token);
  const gate = new ReconnectGate(clock, { baseMs: tuning.backoffInitialDelayMs, maxMs: tuning.backoffMaxDelayMs }, { onFailure: hooks.onAttemptFailed });
  let strategy: GatedShardingStrategy | undefined;
  const manager = new WebSocketManager({
    token,
    intents: GATEWAY_INTENTS,
    rest,
    shardCount: shard.count,
    shardIds: [shard.id],
    ...(throttle ? { buildIdentifyThrottler: () => throttle } : {}),
    handshakeTimeout: tuning.handshakeTimeoutMs,
    helloTimeout: tuning.helloTimeoutMs,
    readyTimeout: tuning.readyTimeoutMs,
    buildStrategy: (m) => {
      strategy = new GatedShardingStrategy(m, {
        sessions,
        mayClearSession: () => !run.keepSession,
        beforeConnect: (_shardId, reconnect) => (reconnect ? hooks.beforeReconnect(run) : Promise.resolve(!run.stopping)),
        beforeIdentify: () => hooks.beforeIdentify(run),
        destroyWaitMs: tuning.readyTimeoutMs,
      });
      return strategy;
    },
  });
  if (!strategy) throw new Error('WebSocketManager did not build its sharding strategy');
  const run: Run = { manager, strategy, rest, gate, abort: new AbortController(), started: deferred(), stopping: false, keepSession: false };
  return run;
}

/** Stops the run's REST client's sweeper timers. */
export function disposeRest(run: Run): void {
  run.rest.clearHashSweeper();
  run.rest.clearHandlerSweeper();
}
