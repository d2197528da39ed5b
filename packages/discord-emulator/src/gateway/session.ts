import { GatewayOpcodes, type GatewayDispatchEvents } from 'discord-api-types/v10';
import type { ShardTuple } from './sharding.ts';

/** Where a session's dispatches go while it has a socket: the connection that identified or resumed it. */
export interface DispatchSink {
  deliver(frame: string): void;
}

export type ReplayResult =
  | { kind: 'replay'; frames: string[] }
  /** The client claims a sequence number this session never produced: Discord answers 4007. */
  | { kind: 'invalid-seq' }
  /** The dispatches after `seq` were evicted from the buffer, so nothing can be replayed faithfully. */
  | { kind: 'too-old' };

interface Buffered {
  s: number;
  frame: string;
}

/**
 * One gateway session: what survives a socket. It numbers its dispatches, keeps them in order so
 * a RESUME can replay what the client missed, and remembers when it lost its socket so the registry
 * can expire it after the resume window.
 */
export class GatewaySession {
  readonly id: string;
  readonly intents: number;
  readonly shard: ShardTuple;
  #seq = 0;
  #buffer: Buffered[] = [];
  /** Highest sequence number evicted from the buffer; a RESUME below it cannot be served. */
  #evictedThrough = 0;
  readonly #maxBuffered: number;
  #sink: DispatchSink | null = null;
  #disconnectedAt: number | null;
  /** Set by `forgetSessions()` on a session that still has a socket: it dies with that socket. */
  forgotten = false;

  constructor(init: { id: string; intents: number; shard: ShardTuple; maxBuffered: number; now: number }) {
    this.id = init.id;
    this.intents = init.intents;
    this.shard = init.shard;
    this.#maxBuffered = init.maxBuffered;
    this.#disconnectedAt = init.now;
  }

  get seq(): number {
    return this.#seq;
  }

  get sink(): DispatchSink | null {
    return this.#sink;
  }

  get connected(): boolean {
    return this.#sink !== null;
  }

  /** Numbers, buffers and (if a socket is attached) sends one dispatch. Returns its sequence number. */
  dispatch(t: GatewayDispatchEvents, d: unknown): number {
    const s = ++this.#seq;
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, d, s, t });
    this.#buffer.push({ s, frame });
    if (this.#buffer.length > this.#maxBuffered) {
      const evicted = this.#buffer.shift();
      if (evicted) this.#evictedThrough = evicted.s;
    }
    this.#sink?.deliver(frame);
    return s;
  }

  /**
   * RESUMED takes the next sequence number like any dispatch but stays out of the replay buffer:
   * replaying it inside a later resume would tell the client a resume finished before it had.
   */
  dispatchUnbuffered(t: GatewayDispatchEvents, d: unknown): void {
    const s = ++this.#seq;
    this.#sink?.deliver(JSON.stringify({ op: GatewayOpcodes.Dispatch, d, s, t }));
  }

  replayAfter(seq: number): ReplayResult {
    if (seq > this.#seq) return { kind: 'invalid-seq' };
    if (seq < this.#evictedThrough) return { kind: 'too-old' };
    return { kind: 'replay', frames: this.#buffer.filter((b) => b.s > seq).map((b) => b.frame) };
  }

  attach(sink: DispatchSink): void {
    this.#sink = sink;
    this.#disconnectedAt = null;
  }

  /** Only the sink that holds the session may let go of it (a superseded socket closing late must not). */
  detach(sink: DispatchSink, now: number): void {
    if (this.#sink !== sink) return;
    this.#sink = null;
    this.#disconnectedAt = now;
  }

  isExpired(now: number, resumeWindowMs: number): boolean {
    return this.#disconnectedAt !== null && now - this.#disconnectedAt > resumeWindowMs;
  }
}
