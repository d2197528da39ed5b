/**
 * Discord's documented limits that the emulator enforces, in one place, each with where the number
 * comes from. specs/discord-limits.md lists them with Discord's exact answers and the doc pages.
 * Tests lower them through `startEmulator({ limits, sessionStartLimit, invalidRequestLimit })`.
 */
export const DISCORD_LIMITS = {
  /** Channel resource: "each parent category can contain up to 50 channels". */
  channelsPerCategory: 50,
  /** JSON error 30013 "Maximum number of guild channels reached (500)"; categories count as channels. */
  channelsPerGuild: 500,
  /** JSON error 30005 "Maximum number of guild roles reached (250)"; @everyone and managed roles count. */
  rolesPerGuild: 250,
  /** Gateway: "limited to 1000 IDENTIFY calls to the websocket in a 24-hour period" (RESUMEs excluded). */
  sessionStartTotal: 1000,
  sessionStartResetAfterMs: 24 * 60 * 60_000,
  /** session_start_limit.max_concurrency of an unsharded bot: one IDENTIFY per 5 s. */
  sessionStartMaxConcurrency: 1,
  /** Rate limits, "Invalid Request Limit aka Cloudflare bans": 10,000 401/403/429 answers per 10 minutes. */
  invalidRequests: 10_000,
  invalidRequestWindowMs: 10 * 60_000,
} as const;

/** JSON error 30001 "Maximum number of guilds reached (100)": a user's servers; PUT /guilds/:id/members/:id (guilds.join) refuses the 101st. */
export const MAX_GUILDS_PER_USER = 100;

/** The resource limits a guild is held to; `Infinity` when switched off. */
export interface ResourceLimits {
  channelsPerCategory: number;
  channelsPerGuild: number;
  rolesPerGuild: number;
}

/** `'off'` lifts the three resource limits (for the bench, which needs more rooms than a guild holds). */
export type ResourceLimitMode = 'discord' | 'off';

/**
 * Discord's numbers in `'discord'` mode, none in `'off'`; explicit overrides apply in both modes
 * (as `routeLimits` do for rate limits), so a test can set one limit and leave the others alone.
 */
export function resolveResourceLimits(mode: ResourceLimitMode, overrides: Partial<ResourceLimits> = {}): ResourceLimits {
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`limits.${name} must be a whole number ≥ 0 (got ${value})`);
    }
  }
  const base = mode === 'off' ? Number.POSITIVE_INFINITY : undefined;
  return {
    channelsPerCategory: overrides.channelsPerCategory ?? base ?? DISCORD_LIMITS.channelsPerCategory,
    channelsPerGuild: overrides.channelsPerGuild ?? base ?? DISCORD_LIMITS.channelsPerGuild,
    rolesPerGuild: overrides.rolesPerGuild ?? base ?? DISCORD_LIMITS.rolesPerGuild,
  };
}
