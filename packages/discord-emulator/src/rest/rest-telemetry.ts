/** A 429 the REST layer sent, kept so tests and the bench can count them. */
export interface RateLimitHit {
  atMs: number;
  method: string;
  route: string;
  bucket: string;
  scope: 'user' | 'global' | 'shared';
  /** True when the 429 came from a `rest.status` fault rather than a real bucket. */
  injected: boolean;
}

/**
 * What the REST pipeline did, for tests, the bench and `GET /_emulator/state` to read: every 429 it
 * sent and how many requests each route served. It belongs to the emulator's state (exposed as
 * `state.rateLimitHits` and `state.requestCounts`) so that a reset clears it with the world.
 */
export class RestTelemetry {
  /** 429s sent by the REST layer since the last reset. */
  readonly rateLimitHits: RateLimitHit[] = [];
  /** Requests served per route template (`GET /guilds/:id/channels`) since the last reset. */
  readonly requestCounts = new Map<string, number>();

  recordRateLimitHit(hit: RateLimitHit): void {
    this.rateLimitHits.push(hit);
  }

  countRequest(route: string): void {
    this.requestCounts.set(route, (this.requestCounts.get(route) ?? 0) + 1);
  }

  /** Empties both in place: callers holding `rateLimitHits` or `requestCounts` see the reset. */
  clear(): void {
    this.rateLimitHits.length = 0;
    this.requestCounts.clear();
  }
}
