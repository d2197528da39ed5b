/**
 * Who plays with whom. The emulator deals generated users round robin over its guilds (user i,
 * 1-based, is a member of guild ((i − 1) mod N) + 1 only), and a room lives in one guild, whose
 * members alone can be seated without being added to it. So groups of 4 are made within a guild:
 * guild k's users in order, 4 at a time (its last group may be smaller); groups are numbered guild
 * by guild. The group's first user creates the room in that guild, the others redeem its invite.
 */
export interface Placement {
  /** Client index, 0…N−1: generated user index + 1. */
  index: number;
  /** 0-based guild index (0: the emulator's first, home guild). */
  guild: number;
  group: number;
  creator: boolean;
}

export function groupWithinGuilds(connections: number, guilds: number, roomSize: number): Placement[] {
  if (!Number.isSafeInteger(connections) || connections < 0) throw new RangeError(`connections must be a whole number ≥ 0 (got ${connections})`);
  if (!Number.isSafeInteger(guilds) || guilds < 1) throw new RangeError(`guilds must be a whole number ≥ 1 (got ${guilds})`);
  if (!Number.isSafeInteger(roomSize) || roomSize < 1) throw new RangeError(`roomSize must be a whole number ≥ 1 (got ${roomSize})`);
  const out: Placement[] = new Array(connections);
  let nextGroup = 0;
  for (let guild = 0; guild < guilds; guild++) {
    let position = 0;
    for (let index = guild; index < connections; index += guilds, position++) {
      out[index] = { index, guild, group: nextGroup + Math.floor(position / roomSize), creator: position % roomSize === 0 };
    }
    nextGroup += Math.ceil(position / roomSize);
  }
  return out;
}
