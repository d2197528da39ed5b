import { AsyncLocalStorage } from 'node:async_hooks';
import type { PublishGuard } from '../realtime/redis-event-bus.ts';

/**
 * What a publish caused by a Gateway event carries to Redis, so the publish script can refuse it
 * there (R-SCALE2):
 *
 * - `token`: the fencing token of the event's shard's lease when the event was received. A holder that lost the lease
 *   (paused, partitioned) may still have events in flight; Redis compares the token with the
 *   current lease and drops the publish if they differ. Stale holders cannot publish, whatever
 *   their clocks say.
 * - `sessionId`, `sequence`, `index`, `publishes`: where the publish sits in the Gateway stream (the
 *   dispatch's `s`, the n-th domain event of that dispatch, the n-th publish while handling it).
 *   After a takeover the new holder RESUMEs from the stored sequence, which may be a little behind
 *   what the old holder had already published; Redis keeps the position of the last publish and
 *   drops replays at or below it, so every event still goes out exactly once.
 */
export interface GatewayFence {
  token: number;
  /** The shard whose lease issued the token: Redis checks that shard's lease and replay marker. */
  shardId: number;
  /** Null for publishes that are fenced but not part of the dispatch stream (status, voice resets). */
  sessionId: string | null;
  sequence: number;
  index: number;
  /** Publishes made so far while handling this event (the next one's number). */
  publishes: number;
}

// The router handles events through a promise queue; AsyncLocalStorage follows each event's work
// through it (and through ioredis), so the fence reaches the bus without threading it through the
// room service, which knows nothing of Gateway leases.
const storage = new AsyncLocalStorage<GatewayFence>();

export function runFenced<T>(fence: GatewayFence, fn: () => T): T {
  return storage.run(fence, fn);
}

export function currentFence(): GatewayFence | undefined {
  return storage.getStore();
}

/** The publish was refused: this instance no longer holds the Gateway lease. */
export class StaleGatewayHolderError extends Error {
  constructor(readonly token: number | null) {
    super(token === null ? 'refused: this instance no longer holds the Gateway lease' : `refused: fencing token ${token} is no longer the Gateway lease's`);
    this.name = 'StaleGatewayHolderError';
  }
}

/** Gateway fencing as the Redis bus's publish guard: a publish made while handling a Gateway event carries its fence to Redis. */
export const gatewayFenceGuard = {
  current: currentFence,
  refused: (token: number) => new StaleGatewayHolderError(token),
} satisfies PublishGuard;
