/**
 * Exactly one instance holds the Discord Gateway connection (R-SCALE2). The holder runs the Gateway
 * client; the others stand by and take over when the holder's lease lapses.
 */
export interface GatewayLease {
  /** Starts competing for the lease; `onAcquired` runs when this instance becomes the holder, `onLost` when it stops being one. */
  start(handlers: { onAcquired(fencingToken: number): void; onLost(): void }): void;
  isHolder(): boolean;
  /** Increases with every new holder; events stamped with an older token are rejected. */
  fencingToken(): number | null;
  stop(): Promise<void>;
}

/** One process: it is always the holder. */
export class AlwaysHolderLease implements GatewayLease {
  #holding = false;

  start(handlers: { onAcquired(fencingToken: number): void; onLost(): void }): void {
    this.#holding = true;
    handlers.onAcquired(1);
  }

  isHolder(): boolean {
    return this.#holding;
  }

  fencingToken(): number | null {
    return this.#holding ? 1 : null;
  }

  async stop(): Promise<void> {
    this.#holding = false;
  }
}

export interface ShardLeaseHandlers {
  /** This instance now holds the shard: connect it. */
  onAcquired(shardId: number, fencingToken: number): void;
  /** This instance lost the shard (no renewal in time, or another holds it): disconnect it at once. */
  onLost(shardId: number): void;
  /**
   * The balancer gives the shard up to another instance (specs/sharding.md): disconnect it keeping
   * the session, flush its resume state; the lease is released once this resolves.
   */
  handOver(shardId: number): Promise<void>;
}

/** Who holds which Gateway shard (R-SCALE2): one lease per shard, each with its own fencing token. */
export interface ShardLeases {
  start(shardCount: number, handlers: ShardLeaseHandlers): void;
  isHolder(shardId: number): boolean;
  /** The shard's current fencing token while this instance holds it, else null. */
  fencingToken(shardId: number): number | null;
  /** The shards this instance holds now. */
  heldShards(): number[];
  /** Per shard, the instance holding it (null: nobody), and the state its holder last reported. */
  holders(): Promise<Array<{ id: number; holder: string | null; state: string | null }>>;
  /** Reports a held shard's connection state (health, the cluster's Gateway status). */
  reportState(shardId: number, state: string): Promise<ReadonlyMap<number, string>>;
  stop(): Promise<void>;
}

/** One process: it holds every shard, always, with token 1. */
export class AllShardsLeases implements ShardLeases {
  #count = 0;
  #holding = false;
  readonly #states = new Map<number, string>();

  constructor(private readonly instanceId: string) {}

  start(shardCount: number, handlers: ShardLeaseHandlers): void {
    this.#count = shardCount;
    this.#holding = true;
    for (let id = 0; id < shardCount; id++) handlers.onAcquired(id, 1);
  }

  isHolder(shardId: number): boolean {
    return this.#holding && shardId >= 0 && shardId < this.#count;
  }

  fencingToken(shardId: number): number | null {
    return this.isHolder(shardId) ? 1 : null;
  }

  heldShards(): number[] {
    return this.#holding ? Array.from({ length: this.#count }, (_, id) => id) : [];
  }

  async holders(): Promise<Array<{ id: number; holder: string | null; state: string | null }>> {
    return Array.from({ length: this.#count }, (_, id) => ({ id, holder: this.#holding ? this.instanceId : null, state: this.#states.get(id) ?? null }));
  }

  async reportState(shardId: number, state: string): Promise<ReadonlyMap<number, string>> {
    this.#states.set(shardId, state);
    return this.#states;
  }

  async stop(): Promise<void> {
    this.#holding = false;
  }
}
