import { describe, expect, it } from 'vitest';
import { type CapacityLimits, GuildCapacity, RoomCapacityError, roomsThatFit } from './guild-capacity.ts';
import type { InventoryView } from './guild-inventory.ts';

const limits: CapacityLimits = { channelsPerGuild: 20, channelsPerCategory: 5, rolesPerGuild: 10, reserveChannels: 2, reserveRoles: 1 };

/** A guild as counted: `channels` in all, `roles`, and children per category. */
function view(channels: number, roles: number, under: Record<string, number> = {}): InventoryView {
  return {
    source: 'gateway',
    channelCount: () => channels,
    roleCount: () => roles,
    channelsUnder: (id) => under[id] ?? 0,
    channel: () => null,
    categories: () => [],
  };
}

const refusal = (fn: () => unknown): RoomCapacityError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RoomCapacityError);
    return error as RoomCapacityError;
  }
  return expect.fail('expected a RoomCapacityError');
};

describe('GuildCapacity.reserve: one room = one role + one channel (+ one category channel when every category is full)', () => {
  it('takes the last role the reserve leaves, and refuses the next', () => {
    const capacity = new GuildCapacity(limits);
    // 10 roles, 1 kept free: 9 may be used; 8 used → one more room.
    capacity.reserve(view(0, 8, {}), 'cat');
    expect(refusal(() => capacity.reserve(view(0, 8), 'cat')).limit).toBe('guild_roles');
    expect(refusal(() => new GuildCapacity(limits).reserve(view(0, 9), 'cat')).limit).toBe('guild_roles');
  });

  it('takes the last channel the reserve leaves, and refuses the next; a new category needs two', () => {
    // 20 channels, 2 kept free: 18 may be used.
    new GuildCapacity(limits).reserve(view(17, 0), 'cat');
    expect(refusal(() => new GuildCapacity(limits).reserve(view(18, 0), 'cat')).limit).toBe('guild_channels');
    new GuildCapacity(limits).reserve(view(16, 0), null);
    expect(refusal(() => new GuildCapacity(limits).reserve(view(17, 0), null)).limit).toBe('guild_channels');
  });

  it('fills a category to exactly channelsPerCategory, counting rooms still being placed', () => {
    const capacity = new GuildCapacity(limits);
    const v = view(5, 0, { cat: 3 });
    expect(capacity.hasSlot(v, 'cat')).toBe(true);
    const a = capacity.reserve(v, 'cat');
    expect(capacity.hasSlot(v, 'cat')).toBe(true);
    capacity.reserve(v, 'cat');
    expect(capacity.channelsUnder(v, 'cat')).toBe(5);
    expect(capacity.hasSlot(v, 'cat')).toBe(false);
    expect(refusal(() => capacity.reserve(v, 'cat')).limit).toBe('category_channels');
    a.release();
    a.release(); // idempotent: a second release gives nothing back twice
    expect(capacity.channelsUnder(v, 'cat')).toBe(4);
    expect(capacity.isPlacingIn('cat')).toBe(true);
  });

  it('counts rooms in flight against the guild until released, and releases exactly what it held', () => {
    const capacity = new GuildCapacity(limits);
    const v = view(16, 7);
    const waiting = capacity.reserve(v, null); // 2 channels, 1 role: 18 of the 18 usable
    expect(refusal(() => capacity.reserve(v, 'cat')).limit).toBe('guild_channels');
    waiting.placeIn('new-cat');
    // The new category is counted by the inventory from now on: the reservation holds one channel.
    expect(capacity.channelsUnder(v, 'new-cat')).toBe(1);
    expect(() => waiting.placeIn('other')).toThrow();
    capacity.reserve(v, 'cat');
    expect(refusal(() => capacity.reserve(v, 'cat')).limit).toBe('guild_roles');
    waiting.release();
    expect(capacity.isPlacingIn('new-cat')).toBe(false);
    expect(capacity.status(v, []).channels.used).toBe(17);
    expect(capacity.status(v, []).roles.used).toBe(8);
  });
});

describe('roomsThatFit', () => {
  it('uses free category slots first, then one channel per new category of channelsPerCategory rooms', () => {
    const fit = (freeChannels: number, categorySlots: number[], freeRoles = 1_000) => roomsThatFit({ freeChannels, freeRoles, categorySlots, channelsPerCategory: 5 });
    expect(fit(0, [3])).toBe(0);
    expect(fit(3, [3])).toBe(3);
    expect(fit(2, [3])).toBe(2);
    // 3 in the category, then a new one: 1 channel for it and 1 room.
    expect(fit(4, [3])).toBe(3);
    expect(fit(5, [3])).toBe(4);
    expect(fit(3 + 6, [3])).toBe(8);
    expect(fit(3 + 7, [3])).toBe(8);
    expect(fit(3 + 8, [3])).toBe(9);
    expect(fit(12, [0, 0])).toBe(10);
    expect(fit(-4, [3])).toBe(0);
    expect(fit(100, [5], 7)).toBe(7);
    expect(fit(100, [5], -1)).toBe(0);
  });

  it('matches a room-by-room simulation of reserve() for every small guild', () => {
    for (let channels = 0; channels <= 20; channels++) {
      for (let inCategory = 0; inCategory <= 5; inCategory++) {
        for (let roles = 0; roles <= 10; roles++) {
          const capacity = new GuildCapacity(limits);
          const under: Record<string, number> = { first: inCategory };
          const expected = capacity.status(view(channels, roles, under), ['first']).roomsAvailable;
          // Place rooms one by one as placement does until refused.
          let placed = 0;
          const categories = ['first'];
          let total = channels;
          for (;;) {
            const v = view(total, roles + placed, under);
            const free = categories.find((id) => capacity.hasSlot(v, id));
            try {
              if (free) {
                capacity.reserve(v, free).release();
                under[free] = (under[free] ?? 0) + 1;
                total += 1;
              } else {
                capacity.reserve(v, null).release();
                const id = `extra-${categories.length}`;
                categories.push(id);
                under[id] = 1;
                total += 2;
              }
              placed += 1;
            } catch (error) {
              expect(error).toBeInstanceOf(RoomCapacityError);
              break;
            }
          }
          expect({ channels, inCategory, roles, rooms: placed }).toEqual({ channels, inCategory, roles, rooms: expected });
        }
      }
    }
  });
});
