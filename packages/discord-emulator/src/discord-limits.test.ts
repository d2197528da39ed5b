import { describe, expect, it } from 'vitest';
import { resolveResourceLimits } from './discord-limits.ts';

describe('resolveResourceLimits', () => {
  it("gives Discord's numbers, and lets each override stand alone", () => {
    expect(resolveResourceLimits('discord')).toEqual({ channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250 });
    expect(resolveResourceLimits('discord', { channelsPerGuild: 30 })).toEqual({ channelsPerCategory: 50, channelsPerGuild: 30, rolesPerGuild: 250 });
  });

  it("'off' lifts every limit that is not set explicitly", () => {
    expect(resolveResourceLimits('off')).toEqual({ channelsPerCategory: Infinity, channelsPerGuild: Infinity, rolesPerGuild: Infinity });
    expect(resolveResourceLimits('off', { channelsPerCategory: 5 })).toEqual({ channelsPerCategory: 5, channelsPerGuild: Infinity, rolesPerGuild: Infinity });
    expect(resolveResourceLimits('off', { channelsPerGuild: 7 }).channelsPerGuild).toBe(7);
  });

  it('accepts 0 and refuses negative or fractional limits', () => {
    expect(resolveResourceLimits('discord', { rolesPerGuild: 0 }).rolesPerGuild).toBe(0);
    expect(() => resolveResourceLimits('discord', { rolesPerGuild: -1 })).toThrow('limits.rolesPerGuild must be a whole number ≥ 0 (got -1)');
    expect(() => resolveResourceLimits('off', { channelsPerGuild: 1.5 })).toThrow(RangeError);
  });
});
