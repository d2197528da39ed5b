import { randomBytes } from 'node:crypto';
import { GatewaySession, type DispatchSink } from './session.ts';
import type { ShardTuple } from './sharding.ts';

export interface SessionRegistryOptions {
  /** How long a session without a socket stays resumable. */
  resumeWindowMs: number;
  /** Per-session replay buffer cap; older dispatches are evicted and a RESUME from before them fails. */
  maxBufferedDispatches: number;
  now: () => number;
}

/**
 * The live sessions of the gateway, by id. It decides what "resumable" means: known, not
 * forgotten, and not disconnected for longer than the resume window.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, GatewaySession>();
  readonly #options: SessionRegistryOptions;

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  create(intents: number, shard: ShardTuple): GatewaySession {
    // Discord's session ids are 32 hex characters.
    const id = randomBytes(16).toString('hex');
    const session = new GatewaySession({
      id,
      intents,
      shard,
      maxBuffered: this.#options.maxBufferedDispatches,
      now: this.#options.now(),
    });
    this.#sessions.set(id, session);
    return session;
  }

  findResumable(id: string): GatewaySession | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.forgotten || session.isExpired(this.#options.now(), this.#options.resumeWindowMs)) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** The socket let go of the session: it now buffers for the resume window (or dies, if forgotten). */
  release(session: GatewaySession, sink: DispatchSink): void {
    session.detach(sink, this.#options.now());
    if (session.forgotten && !session.connected) this.#sessions.delete(session.id);
  }

  discard(session: GatewaySession): void {
    this.#sessions.delete(session.id);
  }

  /** Makes every existing session unresumable; ones with a live socket keep working until it closes. */
  forgetAll(): void {
    for (const session of this.#sessions.values()) {
      if (session.connected) session.forgotten = true;
      else this.#sessions.delete(session.id);
    }
  }

  sweep(): void {
    const now = this.#options.now();
    for (const session of this.#sessions.values()) {
      if (session.isExpired(now, this.#options.resumeWindowMs)) this.#sessions.delete(session.id);
    }
  }

  all(): IterableIterator<GatewaySession> {
    return this.#sessions.values();
  }
}
