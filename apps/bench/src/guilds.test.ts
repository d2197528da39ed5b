/** --guilds at its edges, the capacity each guild has with Discord's limits on, and who plays with whom. */
import { describe, expect, it } from 'vitest';
import { groupWithinGuilds } from './grouping.ts';
import { emulatorLimitsProblem, MAX_ROOMS_PER_GUILD, parseOptions, roomsPerGuild, usersPerGuild } from './options.ts';

const parsed = (...argv: string[]) => {
  const o = parseOptions(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};
const problem = (...argv: string[]) => emulatorLimitsProblem(parsed(...argv), 4);

describe('--guilds', () => {
  it('defaults to 1 (today), and to 4 for the shards scenario unless given', () => {
    expect(parsed().guilds).toBe(1);
    expect(parsed('--scenario', 'shards').guilds).toBe(4);
    expect(parsed('--scenario', 'shards', '--guilds', '2').guilds).toBe(2);
  });

  it('takes 1 and 12, refuses 0, a fraction and a word', () => {
    expect(parsed('--guilds', '1').guilds).toBe(1);
    expect(parsed('--guilds', '12').guilds).toBe(12);
    expect(() => parsed('--guilds', '0')).toThrow(/^--guilds 0: /);
    expect(() => parsed('--guilds', '101')).toThrow(/^--guilds 101: /);
    expect(parsed('--guilds', '100').guilds).toBe(100);
    expect(() => parsed('--guilds', '-1')).toThrow();
    expect(() => parsed('--guilds', '2.5')).toThrow();
    expect(() => parsed('--guilds', 'twelve')).toThrow();
  });
});

describe('capacity with Discord limits on', () => {
  it('guild 1 holds 243 rooms (250 roles − 5 kept free − @everyone − the bot), the others one fewer (their Admin role)', () => {
    expect(MAX_ROOMS_PER_GUILD).toBe(243);
    expect(roomsPerGuild(1)).toBe(242);
    expect(roomsPerGuild(11)).toBe(242);
  });

  it('one guild: 243 rooms fit, 244 are refused with the way out named', () => {
    expect(problem('--connections', String(243 * 4))).toBeNull();
    expect(problem('--connections', String(243 * 4 + 1))).toMatch(/244 rooms in guild 1.*--guilds 2/);
    expect(problem('--connections', String(243 * 4 + 1), '--emulator-limits', 'off')).toBeNull();
  });

  it('two guilds: guild 2 is the first to overflow (users dealt round robin, one role fewer)', () => {
    // 1,937 users: 969 in guild 1 (243 rooms, its capacity), 968 in guild 2 (242 rooms, its capacity).
    expect(usersPerGuild(1937, 2)).toEqual([969, 968]);
    expect(problem('--connections', '1937', '--guilds', '2')).toBeNull();
    // One more user goes to guild 2: 969 users, 243 rooms.
    expect(problem('--connections', '1938', '--guilds', '2')).toMatch(/243 rooms in guild 2/);
  });

  it('the issue\'s 10,000 players fit in 12 guilds (≈ 209 rooms each) and in 11 (228), not in 10 (250)', () => {
    expect(problem('--connections', '10000', '--guilds', '12')).toBeNull();
    expect(problem('--connections', '10000', '--guilds', '11')).toBeNull();
    expect(problem('--connections', '10000', '--guilds', '10')).toMatch(/250 rooms in guild 1 \(10 guild\(s\) over\).*--guilds 11/);
  });
});

describe('groups of 4 within a guild', () => {
  it('with one guild, the groups of today: 0–3, 4–7, …, creators first', () => {
    const p = groupWithinGuilds(10, 1, 4);
    expect(p.map((x) => x.group)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    expect(p.filter((x) => x.creator).map((x) => x.index)).toEqual([0, 4, 8]);
    expect(p.every((x) => x.guild === 0)).toBe(true);
  });

  it('user i (1-based) is in guild ((i − 1) mod N) + 1, and every group is of one guild', () => {
    const p = groupWithinGuilds(1200, 12, 4);
    for (const x of p) expect(x.guild).toBe(x.index % 12);
    const byGroup = new Map<number, number[]>();
    for (const x of p) byGroup.set(x.group, [...(byGroup.get(x.group) ?? []), x.index]);
    expect(byGroup.size).toBe(300);
    for (const members of byGroup.values()) {
      expect(members).toHaveLength(4);
      expect(new Set(members.map((i) => i % 12)).size).toBe(1);
      expect(p[members[0]!]!.creator).toBe(true);
      expect(members.slice(1).some((i) => p[i]!.creator)).toBe(false);
    }
  });

  it('a guild whose users do not fill the last group gets a smaller one, never mixed with another guild', () => {
    // 10 users over 3 guilds: guild 1 has users 1, 4, 7, 10 (indices 0, 3, 6, 9), guilds 2 and 3 three each.
    const p = groupWithinGuilds(10, 3, 4);
    expect(p.map((x) => x.group)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(p.filter((x) => x.creator).map((x) => x.index)).toEqual([0, 1, 2]);
  });

  it('more guilds than users leaves the rest empty; bad sizes are refused', () => {
    expect(groupWithinGuilds(2, 5, 4).map((x) => [x.guild, x.group])).toEqual([[0, 0], [1, 1]]);
    expect(() => groupWithinGuilds(4, 0, 4)).toThrow(RangeError);
    expect(() => groupWithinGuilds(-1, 1, 4)).toThrow(RangeError);
    expect(() => groupWithinGuilds(4, 1, 0)).toThrow(RangeError);
  });
});
