import type { Logger } from 'pino';
import { type BackoffPolicy, type Clock, DEFAULT_BACKOFF, backoffCeiling } from '@repo/platform';
import { AppError } from '../errors.ts';

export const RoomRestoreDefaults = {
  /**
   * How long a request waits for the rooms to be read back before it is answered 503. A read-back
   * is three REST listings and a few repairs (well under a second against Discord); ten seconds
   * covers a slow Discord and stays far below the 30–60 s at which browsers and proxies give up.
   */
  waitMs: 10_000,
  /** The 503's Retry-After: a read-back that took longer than waitMs is retrying after a failure. */
  retryAfterSeconds: 5,
  /** Backoff between failed read-backs (Discord unreachable at start): the workspace's one schedule, 1 s doubling to 16 s, as REST retries wait. */
  retryBackoff: DEFAULT_BACKOFF,
} as const;

export const ROOMS_RESTORING_MESSAGE = 'Rooms are being restored after a restart. Try again in a few seconds.';

export interface RoomRestoreOptions {
  clock: Clock;
  log: Logger;
  waitMs?: number;
  retryAfterSeconds?: number;
  retryBackoff?: BackoffPolicy;
}

/**
 * The start-up read-back of rooms (R-ROOM8) as a gate: the server listens while rooms are rebuilt
 * from Discord, and whoever asks for a room meanwhile waits for them instead of being told that the
 * room does not exist. HTTP requests wait up to `waitMs`, then get 503 + Retry-After; a WebSocket
 * subscribe and the Gateway's events wait as long as it takes (a socket has no deadline to miss,
 * and an event applied to a store still being filled would be lost).
 *
 * A read-back that fails (Discord unreachable at start) is tried again with backoff until it
 * succeeds: serving an empty room list would be the one wrong answer.
 */
export class RoomRestore {
  readonly #o: Required<RoomRestoreOptions>;
  #ready = false;
  #stopped = false;
  #cancelRetry: (() => void) | undefined;
  readonly #opened: Promise<void>;
  #open!: () => void;

  constructor(options: RoomRestoreOptions) {
    this.#o = { ...RoomRestoreDefaults, ...options };
    this.#opened = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves once the rooms are back, however long that takes. */
  whenReady(): Promise<void> {
    return this.#opened;
  }

  /** Resolves once the rooms are back; throws the 503 after `waitMs`. */
  async awaitReady(): Promise<void> {
    if (this.#ready) return;
    let cancel: (() => void) | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      cancel = this.#o.clock.setTimeout(
        () => reject(new AppError('unavailable', ROOMS_RESTORING_MESSAGE, { retryAfterSeconds: this.#o.retryAfterSeconds, retryable: true, reason: 'rooms_restoring' })),
        this.#o.waitMs,
      );
    });
    try {
      await Promise.race([this.#opened, timedOut]);
    } finally {
      cancel?.();
    }
  }

  /** Runs `restore` until it succeeds (or stop()), then opens the gate. */
  async run(restore: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.#stopped; attempt++) {
      try {
        await restore();
        this.#markReady();
        return;
      } catch (error) {
        if (this.#stopped) return;
        const delayMs = backoffCeiling(attempt - 1, this.#o.retryBackoff);
        this.#o.log.error({ err: error, attempt, retryInMs: delayMs }, 'reading the rooms back from Discord failed; requests for rooms wait (503 after a while) until it succeeds');
        await new Promise<void>((resolve) => {
          const cancel = this.#o.clock.setTimeout(resolve, delayMs);
          this.#cancelRetry = () => {
            cancel();
            resolve();
          };
        });
      }
    }
  }

  /** Nothing to restore (a store that already holds the rooms, tests): open at once. */
  markReady(): void {
    this.#markReady();
  }

  /** Shutdown: no more attempts. Waiters keep waiting; the process is going away. */
  stop(): void {
    this.#stopped = true;
    this.#cancelRetry?.();
  }

  #markReady(): void {
    this.#ready = true;
    this.#open();
  }
}
