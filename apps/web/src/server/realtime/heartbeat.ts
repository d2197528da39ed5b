/** The members a round visits: a live view (a Map's values), so members added during a round are visited too. */
export interface HeartbeatMembers<T> {
  readonly size: number;
  values(): Iterator<T>;
}

/**
 * The server's pings (R-RT5), spread over the interval: one round visits every member once per
 * `intervalMs`, a proportional share per slice of `sliceMs`, so 10k connections are not pinged (10k
 * socket writes) in one event-loop turn every 15 s. What a visit does (drop a member whose two
 * previous pings went unanswered, ping the others) is the caller's.
 */
export class HeartbeatRounds<T> {
  readonly #members: HeartbeatMembers<T>;
  readonly #visit: (member: T) => void;
  readonly #slices: number;
  /** The round in progress: a live iterator over the members, and how far it got. */
  #round: { members: Iterator<T>; size: number; done: number; slice: number } | undefined;

  constructor(options: { intervalMs: number; sliceMs: number; members: HeartbeatMembers<T>; visit(member: T): void }) {
    this.#members = options.members;
    this.#visit = options.visit;
    this.#slices = Math.max(1, Math.round(options.intervalMs / Math.min(options.sliceMs, options.intervalMs)));
  }

  /** The timer's period: a slice, never longer than the interval. */
  static sliceMs(intervalMs: number, sliceMs: number): number {
    return Math.min(sliceMs, intervalMs);
  }

  /** One slice of the round (a round starts when the previous one has had all its slices). */
  slice(): void {
    let round = this.#round;
    if (!round || round.slice >= this.#slices) {
      round = this.#round = { members: this.#members.values(), size: this.#members.size, done: 0, slice: 0 };
    }
    round.slice++;
    const due = Math.ceil((round.size * round.slice) / this.#slices);
    while (round.done < due) {
      const next = round.members.next();
      if (next.done) {
        round.done = due;
        break;
      }
      round.done++;
      this.#visit(next.value);
    }
  }

  /** Forget the round in progress (shutdown). */
  reset(): void {
    this.#round = undefined;
  }
}
