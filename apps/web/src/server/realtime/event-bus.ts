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

/** What a subscribe to the topic would be answered now, for someone whose access ended. */
export type LostAccess = 'denied' | 'closed';

/**
 * The end of someone's access to a topic (R-RT3): a player removed, a seat given back, a member
 * gone from the guild, a room closed. It travels on the topic's own ordered stream, so whatever
 * was published before it still reaches its targets and nothing published after it does. It is
 * not an event: it takes no sequence number, and no subscriber ever receives it as one.
 */
export interface Revocation {
  topic: string;
  /** Whose subscriptions end; null: everyone's (the topic itself is over). */
  userId: string | null;
  access: LostAccess;
}

export type RevocationHandler = (revocation: Revocation) => void;

export interface EventBus {
  /** Publishes to every subscriber on every instance; resolves with the sequence number given. */
  publish(topic: string, event: string, payload: Record<string, unknown>): Promise<BusMessage>;
  /** Every message on every topic, in publish order per topic. */
  subscribe(handler: BusHandler): () => void;
  /** Sends a revocation to every instance, in order with the topic's messages. */
  revoke(revocation: Revocation): Promise<void>;
  /** Revocations, in the same order as subscribe's messages (the hub ends subscriptions with them). */
  onRevocation(handler: RevocationHandler): () => void;
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

/** Event names starting with `~` are the bus's own (a revocation on the wire); nobody may publish one. */
export function assertPublishable(event: string): void {
  if (event.startsWith('~')) throw new Error(`event name ${event} is reserved for the event bus`);
}

/** One process (R-SCALE1): delivery is a synchronous loop, so order and sequence are trivially kept. */
export class MemoryEventBus implements EventBus {
  readonly #handlers = new Set<BusHandler>();
  readonly #revocationHandlers = new Set<RevocationHandler>();
  readonly #seqs = new Map<string, number>();

  async publish(topic: string, event: string, payload: Record<string, unknown>): Promise<BusMessage> {
    assertPublishable(event);
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

  async revoke(revocation: Revocation): Promise<void> {
    const copy = { ...revocation };
    for (const handler of this.#revocationHandlers) handler(copy);
  }

  onRevocation(handler: RevocationHandler): () => void {
    this.#revocationHandlers.add(handler);
    return () => this.#revocationHandlers.delete(handler);
  }

  async currentSeq(topic: string): Promise<number> {
    return this.#seqs.get(topic) ?? 0;
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#revocationHandlers.clear();
  }
}
