// Realtime: events from whoever produces them (the room service, the Gateway's status) to every
// instance's hub (hub.ts), which writes them to the browsers' WebSockets on their topic. The event
// bus moves the protocol's typed events on topics, in one process (below) or across instances on
// Redis (redis-event-bus.ts over the guild's ordered channel, redis-ordered-channel.ts). Neither
// the bus nor the hub names or reads a room: topics are opaque strings made by the parts that
// publish (a room's stream: rooms/room-events.ts); a user's own topic and the connection-wide one
// are the hub's, below. specs/websocket-protocol.md, specs/scale-out.md.
import { isRoomEvent, type RevocationReason, type ServerEvent } from '@repo/protocol';

/** What a payload looks like before the bus numbers it: a room event's `seq` is the bus's to give. */
type Unnumbered<P> = P extends { seq: number } ? Omit<P, 'seq'> : P;

/**
 * An event as publishers hand it to the bus: any event of the protocol's union (ServerEvent) but the
 * snapshot, which is the hub's own answer to a subscribe. TypeScript checks name and payload together.
 */
export type BusEvent = ServerEvent extends infer E
  ? E extends { event: infer N; payload: infer P }
    ? N extends 'room.snapshot'
      ? never
      : { event: N; payload: Unnumbered<P> }
    : never
  : never;
export type BusEventName = BusEvent['event'];
export type BusPayload<N extends BusEventName> = Extract<BusEvent, { event: N }>['payload'];

/** An event as the bus delivers it: on its topic, with the sequence number the bus gave it. */
export type BusMessage = BusEvent & {
  topic: string;
  /** A room event's place in its topic's stream: contiguous, from 1 (isRoomEvent); null for the others. */
  seq: number | null;
};

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
  /** Why, when the tab should say it (removed by the host, left): carried to the refusal frame. */
  reason?: RevocationReason;
}

export type RevocationHandler = (revocation: Revocation) => void;

export interface EventBus {
  /** Publishes to every subscriber on every instance; resolves with the sequence number given. */
  publish<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>): Promise<BusMessage>;
  /**
   * The same publish, done before it returns: only a bus that delivers in the caller's turn has it
   * (one process). The Gateway's hot path uses it to skip the promise hops of `publish`.
   */
  publishNow?<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>): BusMessage;
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

/** Every connection of one user, in every tab (their lobby list). */
export const userTopic = (userId: string) => `user:${userId}`;
/** Every connection, signed in or not (the Discord connection's status). */
export const ALL_TOPIC = 'all';

/** Builds the message a publish delivers: the one place a name and its payload are joined untyped. */
export function busMessage<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>, seq: number | null): BusMessage {
  return { topic, event, payload, seq } as BusMessage;
}

/** Whether a publish of `event` takes the topic's next sequence number (the protocol's room events do). */
export function isNumbered(event: string): boolean {
  return isRoomEvent(event);
}

/**
 * Event names starting with `~` are the bus's own (a revocation on the wire). TypeScript already
 * refuses any name outside the protocol's union; this holds at run time too.
 */
export function assertPublishable(event: string): void {
  if (event.startsWith('~')) throw new Error(`event name ${event} is reserved for the event bus`);
}

/** One process (R-SCALE1): delivery is a synchronous loop, so order and sequence are trivially kept. */
export class MemoryEventBus implements EventBus {
  readonly #handlers = new Set<BusHandler>();
  readonly #revocationHandlers = new Set<RevocationHandler>();
  readonly #seqs = new Map<string, number>();

  async publish<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>): Promise<BusMessage> {
    return this.publishNow(topic, event, payload);
  }

  publishNow<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>): BusMessage {
    assertPublishable(event);
    let seq: number | null = null;
    if (isNumbered(event)) {
      seq = (this.#seqs.get(topic) ?? 0) + 1;
      this.#seqs.set(topic, seq);
    }
    const message = busMessage(topic, event, payload, seq);
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
