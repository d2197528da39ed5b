/**
 * How events travel from whoever produces them (gateway routing, the room service) to every
 * instance's hub. Topics: `room:<id>` (sequenced per room), `user:<id>` (a user's lobby), and
 * `all` (connection-wide notices such as the Discord connection's status).
 */
export interface BusMessage {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  /** Per-topic sequence for `room:` topics: contiguous, starting at 1. */
  seq: number | null;
}

export type BusHandler = (message: BusMessage) => void;

export interface EventBus {
  /** Publishes to every subscriber on every instance; resolves with the sequence number given. */
  publish(topic: string, event: string, payload: Record<string, unknown>): Promise<BusMessage>;
  /** Every message on every topic, in publish order per topic. */
  subscribe(handler: BusHandler): () => void;
  /** The last sequence number given on a topic (0 before the first event). */
  currentSeq(topic: string): Promise<number>;
  close(): Promise<void>;
}

export const roomTopic = (roomId: string) => `room:${roomId}`;
export const userTopic = (userId: string) => `user:${userId}`;
export const ALL_TOPIC = 'all';

export function isSequenced(topic: string): boolean {
  return topic.startsWith('room:');
}

/** One process (R-SCALE1): delivery is a synchronous loop, so order and sequence are trivially kept. */
export class MemoryEventBus implements EventBus {
  readonly #handlers = new Set<BusHandler>();
  readonly #seqs = new Map<string, number>();

  async publish(topic: string, event: string, payload: Record<string, unknown>): Promise<BusMessage> {
    let seq: number | null = null;
    if (isSequenced(topic)) {
      seq = (this.#seqs.get(topic) ?? 0) + 1;
      this.#seqs.set(topic, seq);
    }
    const message: BusMessage = { topic, event, payload, seq };
    for (const handler of this.#handlers) handler(message);
    return message;
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async currentSeq(topic: string): Promise<number> {
    return this.#seqs.get(topic) ?? 0;
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
