/** Discord's epoch (2015-01-01T00:00:00Z): snowflake timestamps count milliseconds from here. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;

/**
 * Ids are minted from a counter over a fixed instant instead of the wall clock, so every
 * emulator started with the same seed hands out the same ids (tests and bookmarks stay valid
 * across restarts). Each id advances the timestamp by one millisecond, which keeps ids sorted by
 * creation, unique without a sequence field, and 19 digits long like real ones.
 */
const BASE_MS = Date.UTC(2024, 0, 1);

export class SnowflakeFactory {
  #counter = 0n;

  next(): string {
    const ms = BigInt(BASE_MS - DISCORD_EPOCH_MS) + this.#counter;
    // Low bits: worker 1, process 0, increment = counter's low 12 bits, as Discord lays them out.
    const id = (ms << 22n) | (1n << 17n) | (this.#counter & 0xfffn);
    this.#counter += 1n;
    return id.toString();
  }
}

/** The creation time Discord encodes in a snowflake, in epoch milliseconds. */
export function snowflakeTimestamp(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}
