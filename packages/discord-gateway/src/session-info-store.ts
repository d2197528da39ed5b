import type { SessionInfo } from '@discordjs/ws';
import { silentLogger, type Logger } from '@repo/platform';

export type { SessionInfo };

/**
 * Where a shard's resume state (session id, last sequence, resume URL) lives between connections,
 * and between processes when another instance takes over the Gateway lease (R-SCALE2). A Redis
 * implementation only has to provide these two calls; the client never calls them on its hot path
 * (see CachedSessionInfoStore).
 */
export interface SessionInfoStore {
  get(shardId: number): Promise<SessionInfo | null>;
  set(shardId: number, info: SessionInfo | null): Promise<void>;
}

/** The embedded default: state survives reconnects but not the process. */
export class MemorySessionInfoStore implements SessionInfoStore {
  readonly #sessions = new Map<number, SessionInfo>();

  async get(shardId: number): Promise<SessionInfo | null> {
    return this.#sessions.get(shardId) ?? null;
  }

  async set(shardId: number, info: SessionInfo | null): Promise<void> {
    if (info) this.#sessions.set(shardId, { ...info });
    else this.#sessions.delete(shardId);
  }
}

/**
 * @discordjs/ws reads the session on every dispatch and heartbeat and writes it on every dispatch
 * (the sequence moves). Those calls must not wait on a network store, or every event pays a Redis
 * round trip and a slow Redis stalls the Gateway. So reads are served from memory (the remote
 * store is read once per shard, on the first connect), and writes update memory at once and reach
 * the remote store behind the scenes: one write in flight per store, later values coalesced into
 * the next write, so the remote sees the latest state without one write per dispatch.
 */
export class CachedSessionInfoStore {
  readonly #cache = new Map<number, SessionInfo | null>();
  readonly #loading = new Map<number, Promise<SessionInfo | null>>();
  readonly #dirty = new Map<number, SessionInfo | null>();
  /** Writes the remote store refused; retried by the next write or flush(), never in a tight loop. */
  readonly #failed = new Map<number, SessionInfo | null>();
  #draining: Promise<void> | null = null;
  #generation = 0;

  constructor(
    private readonly remote: SessionInfoStore,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** The cached value when known (synchronously: no extra tick on the hot path), else one remote read. */
  read(shardId: number): SessionInfo | null | Promise<SessionInfo | null> {
    if (this.#cache.has(shardId)) return this.#cache.get(shardId) ?? null;
    return this.load(shardId);
  }

  /** What memory holds, without going to the remote store. */
  peek(shardId: number): SessionInfo | null {
    return this.#cache.get(shardId) ?? null;
  }

  /** Reads through to the remote store unless the value is cached; concurrent loads share one read. */
  load(shardId: number): Promise<SessionInfo | null> {
    if (this.#cache.has(shardId)) return Promise.resolve(this.#cache.get(shardId) ?? null);
    const inFlight = this.#loading.get(shardId);
    if (inFlight) return inFlight;
    const generation = this.#generation;
    const loading = this.remote
      .get(shardId)
      .catch((error: unknown) => {
        // Without the stored session we identify afresh and resync: slower, never wrong.
        this.logger.warn(
          { module: 'Gateway', shardId, err: error },
          '[Gateway] could not read the stored session; identifying afresh',
        );
        return null;
      })
      .then((info) => {
        // A write that happened while the read was in flight is newer than what we read, and a
        // forget() meanwhile makes the read itself out of date.
        if (generation !== this.#generation) return info;
        if (!this.#cache.has(shardId)) this.#cache.set(shardId, info);
        this.#loading.delete(shardId);
        return this.#cache.get(shardId) ?? null;
      });
    this.#loading.set(shardId, loading);
    return loading;
  }

  /**
   * Drops what memory holds, so the next read goes to the remote store: another process may have
   * moved the session on since this one last held the Gateway (R-SCALE2). Call after flush().
   * Writes that failed are dropped too: they describe a session this process no longer owns.
   */
  forget(): void {
    this.#generation++;
    this.#cache.clear();
    this.#loading.clear();
    this.#failed.clear();
  }

  /** Updates memory now; the remote store follows without the caller waiting. */
  write(shardId: number, info: SessionInfo | null): void {
    const value = info ? { ...info } : null;
    this.#cache.set(shardId, value);
    this.#dirty.set(shardId, value);
    this.#failed.delete(shardId);
    this.#startDrain();
  }

  /**
   * Resolves once every write made so far has been handed to the remote store (call on shutdown
   * and before giving up the Gateway lease). Writes that failed are tried once more here.
   */
  async flush(): Promise<void> {
    for (const [shardId, info] of this.#failed) if (!this.#dirty.has(shardId)) this.#dirty.set(shardId, info);
    this.#failed.clear();
    this.#startDrain();
    while (this.#draining) await this.#draining;
  }

  #startDrain(): void {
    if (this.#draining || this.#dirty.size === 0) return;
    // Started on a microtask so that a remote implementation doing synchronous work never runs inside the caller.
    this.#draining = Promise.resolve()
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = null;
      });
  }

  async #drain(): Promise<void> {
    while (this.#dirty.size > 0) {
      const batch = [...this.#dirty];
      this.#dirty.clear();
      await Promise.all(
        batch.map(async ([shardId, info]) => {
          try {
            await this.remote.set(shardId, info);
          } catch (error) {
            this.logger.warn(
              { module: 'Gateway', shardId, err: error },
              '[Gateway] could not store the session; retrying with the next change',
            );
            if (!this.#dirty.has(shardId)) this.#failed.set(shardId, info);
          }
        }),
      );
    }
  }
}
