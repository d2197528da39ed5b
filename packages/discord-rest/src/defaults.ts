/** The tunables of the Discord REST client, units in the names. */
export interface DiscordRestTuning {
  /** Discord's API root without the version; the emulator's is `${url}/api`. */
  apiBaseUrl: string;
  apiVersion: string;
  /** One network attempt, from sending to the last byte of the body. Queueing for a bucket is not counted. */
  requestTimeoutMs: number;
  /** Retries after the first attempt for 429, 5xx, timeouts and connection failures. */
  maxRetries: number;
  /** First backoff step; each next one doubles, capped at backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A rate-limit wait longer than this fails at once with DiscordRateLimitedError instead of being slept through. */
  maxRateLimitWaitMs: number;
  /** Margin added to every bucket reset before the queue sends again. */
  rateLimitOffsetMs: number;
  globalRequestsPerSecond: number;
  /** Discord's invalid-request window (401, 403 and non-shared 429 answers are counted over it). */
  invalidRequestWindowMs: number;
  /** Above this many invalid requests in the window, an error is logged: Discord bans the IP at 10,000. */
  invalidRequestAlertAbove: number;
}

/** One object, nothing here reads the environment: the app's config module overrides what it must. */
export const discordRestDefaults: Readonly<DiscordRestTuning> = {
  apiBaseUrl: 'https://discord.com/api',
  apiVersion: '10',
  requestTimeoutMs: 15_000,
  // R-RL1: at most 5 retries after the first attempt, waiting 1 s, 2 s, 4 s, 8 s, 16 s.
  maxRetries: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 16_000,
  // Longer than any backoff step, short enough that a user who clicked a button is better served by
  // "try again in N s" (our HTTP 429 + Retry-After) than by a request hanging that long.
  maxRateLimitWaitMs: 30_000,
  // Reset-after is counted from when we read the response, already late; the margin covers timer slop.
  rateLimitOffsetMs: 50,
  // Discord's global limit for a bot token.
  globalRequestsPerSecond: 50,
  // Discord: 10,000 invalid requests per 10 minutes, then a Cloudflare ban of about an hour
  // (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans).
  invalidRequestWindowMs: 10 * 60_000,
  // A tenth of the ban level: a healthy bot sends a handful; a thousand means a loop to stop now.
  invalidRequestAlertAbove: 1_000,
};
