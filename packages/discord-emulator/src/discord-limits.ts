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
  /**
   * Modify Channel with a name or topic: 2 per channel per 10 minutes, a 429 past that
   * (discord-api-docs issue #1900; PR #2760 was declined: "we do not typically document rate limits").
   */
  channelNameEdits: 2,
  channelNameEditWindowMs: 10 * 60_000,
} as const;

/**
 * The sliding window of one channel's name/topic edits: `times` are the accepted edits' times (ms),
 * oldest first, kept to the last `limit`. Null when another edit may go now (and it is counted);
 * otherwise the seconds until the oldest edit leaves the window (what Discord's 429 says).
 */
export function takeChannelNameEdit(times: number[], now: number, limit: number = DISCORD_LIMITS.channelNameEdits, windowMs: number = DISCORD_LIMITS.channelNameEditWindowMs): number | null {
  while (times.length > 0 && times[0]! <= now - windowMs) times.shift();
  if (times.length >= limit) return Math.max(0.001, (times[0]! + windowMs - now) / 1000);
  times.push(now);
  return null;
}

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
