import { Collection } from '@discordjs/collection';
import {
  WebSocketShard,
  WebSocketShardDestroyRecovery,
  WebSocketShardEvents,
  WebSocketShardStatus,
  managerToFetchingStrategyOptions,
  type FetchingStrategyOptions,
  type IContextFetchingStrategy,
  type IIdentifyThrottler,
  type IShardingStrategy,
  type SessionInfo,
  type WebSocketManager,
  type WebSocketShardDestroyOptions,
} from '@discordjs/ws';
import type { GatewaySendPayload } from 'discord-api-types/v10';
import type { CachedSessionInfoStore } from './session-info-store.ts';

export interface ShardGateHooks {
  sessions: CachedSessionInfoStore;
  /** Whether the library may clear a shard's stored session (false while handing the session over). */
  mayClearSession(): boolean;
  /**
   * Asked before every connection attempt of a shard. `reconnect` is false for the first one
   * (which the caller paced already) and true each time @discordjs/ws reconnects on its own
   * (after a close, a zombie, op 7, op 9, a timeout). Resolves false to keep the shard from
   * connecting at all (the client stopped).
   */
  beforeConnect(shardId: number, reconnect: boolean): Promise<boolean>;
  /**
   * Asked before a connection attempt that will IDENTIFY (no resumable session), after
   * beforeConnect: the identify budget's wait goes here, before a socket is opened. Resolves false
   * to keep the shard from connecting at all (the client stopped).
   */
  beforeIdentify(shardId: number): Promise<boolean>;
  /** Upper bound for each wait in destroy() (see there). */
  destroyWaitMs: number;
}

/**
 * SimpleShardingStrategy's job (shards in this process, their events re-emitted by the manager),
 * plus one seam @discordjs/ws does not offer otherwise: pacing its internal reconnects.
 *
 * The library reconnects by itself (identify, resume, heartbeat and zombie handling stay its job),
 * but it retries a failed connection every 500 ms forever. Every connection attempt starts with a
 * `retrieveSessionInfo` call while the shard is Idle; holding that call is where our backoff
 * schedule goes, without touching the protocol logic.
 */
export class GatedShardingStrategy implements IShardingStrategy {
  readonly #shards = new Collection<number, { shard: WebSocketShard; context: GatedContext }>();

  constructor(
    private readonly manager: WebSocketManager,
    private readonly hooks: ShardGateHooks,
  ) {}

  async spawn(shardIds: number[]): Promise<void> {
    const options = await managerToFetchingStrategyOptions(this.manager);
    for (const shardId of shardIds) {
      const context = new GatedContext(this.manager, options, this.hooks);
      const shard = new WebSocketShard(context, shardId);
      context.attach(shard);
      for (const event of Object.values(WebSocketShardEvents)) {
        shard.on(event, (...args: unknown[]) => {
          // Same fan-out as SimpleShardingStrategy: manager listeners get (...args, shardId).
          (this.manager.emit as (name: string, ...rest: unknown[]) => boolean).call(this.manager, event, ...args, shardId);
        });
      }
      this.#shards.set(shardId, { shard, context });
    }
  }

  async connect(): Promise<void> {
    await Promise.all(
      this.#shards.map(({ shard, context }) => {
        context.expectInitialConnect();
        return shard.connect();
      }),
    );
  }

  async destroy(options?: Omit<WebSocketShardDestroyOptions, 'recover'>): Promise<void> {
    await Promise.all(
      this.#shards.map(async ({ shard, context }) => {
        // Two races in @discordjs/ws 2.0.4 make destroying a shard mid-attempt unsafe: a socket
        // still opening is not closed (it stays connected, unidentified), and destroying while
        // it waits for HELLO/READY starts a second destroy that steals the first one's close
        // callback, so the first never resolves. So let the attempt finish (READY, RESUMED or a
        // close) first — milliseconds normally — and never wait on destroy() without a bound.
        await withTimeout(context.attemptSettled(), this.hooks.destroyWaitMs);
        await withTimeout(shard.destroy(options), this.hooks.destroyWaitMs);
      }),
    );
    this.#shards.clear();
  }

  async send(shardId: number, payload: GatewaySendPayload): Promise<void> {
    const entry = this.#shards.get(shardId);
    if (!entry) throw new RangeError(`Shard ${shardId} not found`);
    await entry.shard.send(payload);
  }

  /**
   * Drops the session and identifies afresh, through the library's own recovery path (the
   * reconnect passes the gate like any other).
   */
  async reidentify(shardId: number, reason: string): Promise<void> {
    await this.#shards.get(shardId)?.shard.destroy({ reason, recover: WebSocketShardDestroyRecovery.Reconnect });
  }

  async fetchStatus(): Promise<Collection<number, WebSocketShardStatus>> {
    return this.#shards.mapValues(({ shard }) => shard.status);
  }
}

class GatedContext implements IContextFetchingStrategy {
  #shard: WebSocketShard | null = null;
  #initialConnect = false;
  #discardedSessionId: string | null = null;
  #attempt: { promise: Promise<void>; resolve: () => void } | null = null;
  #throttler: Promise<IIdentifyThrottler> | null = null;

  constructor(
    private readonly manager: WebSocketManager,
    readonly options: FetchingStrategyOptions,
    private readonly hooks: ShardGateHooks,
  ) {}

  attach(shard: WebSocketShard): void {
    this.#shard = shard;
    const settle = (): void => {
      this.#attempt?.resolve();
      this.#attempt = null;
    };
    shard.on(WebSocketShardEvents.Ready, settle);
    shard.on(WebSocketShardEvents.Resumed, settle);
    shard.on(WebSocketShardEvents.Closed, settle);
  }

  /** Resolves once the connection attempt in progress, if any, reached READY/RESUMED or closed. */
  attemptSettled(): Promise<void> {
    return this.#attempt?.promise ?? Promise.resolve();
  }

  expectInitialConnect(): void {
    this.#initialConnect = true;
  }

  /**
   * Called on every dispatch and heartbeat (served synchronously from memory so that events keep
   * their order) and at the start of every connection attempt, the only time the shard is Idle.
   */
  retrieveSessionInfo(shardId: number): SessionInfo | null | Promise<SessionInfo | null> {
    if (this.#shard?.status === WebSocketShardStatus.Idle) return this.#beforeConnect(shardId);
    return this.hooks.sessions.read(shardId);
  }

  updateSessionInfo(shardId: number, info: SessionInfo | null): void {
    if (info === null) {
      if (!this.hooks.mayClearSession()) return;
      const current = this.hooks.sessions.read(shardId);
      if (current && !(current instanceof Promise)) this.#discardedSessionId = current.sessionId;
    } else if (info.sessionId === this.#discardedSessionId) {
      // A dispatch that was mid-flight when the library dropped the session ends with a write of
      // the old session (it read it before the drop). Keeping it would make the next connection
      // RESUME a session Discord has ended instead of identifying.
      return;
    }
    this.hooks.sessions.write(shardId, info);
  }

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    this.#throttler ??= Promise.resolve(this.manager.options.buildIdentifyThrottler(this.manager));
    await (await this.#throttler).waitForIdentify(shardId, signal);
  }

  async #beforeConnect(shardId: number): Promise<SessionInfo | null> {
    const reconnect = !this.#initialConnect;
    this.#initialConnect = false;
    if (!(await this.hooks.beforeConnect(shardId, reconnect))) {
      // Never settles: the library's connect stays parked here and the shard never connects.
      // Rejecting instead would surface as an unhandled rejection inside @discordjs/ws, which
      // starts its reconnects with `void this.internalConnect()`.
      return new Promise<never>(() => undefined);
    }
    const session = await this.hooks.sessions.load(shardId);
    // The library's own rule: a stored session of the same shard count is resumed, else it identifies.
    if (session?.shardCount !== this.options.shardCount && !(await this.hooks.beforeIdentify(shardId))) {
      return new Promise<never>(() => undefined);
    }
    // The library opens the socket right after this call returns.
    let resolve!: () => void;
    const promise = new Promise<void>((res) => {
      resolve = res;
    });
    this.#attempt = { promise, resolve };
    return session;
  }
}

/** `promise`, or nothing after `ms` (real time: a safety bound on library calls, not a policy). */
async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
