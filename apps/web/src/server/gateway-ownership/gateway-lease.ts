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
