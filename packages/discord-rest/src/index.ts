// @repo/discord-rest: typed Discord REST operations for one bot token (and users' OAuth2 tokens) on
// @discordjs/rest, with our retry policy, a rate-limit budget that several clients can share, and
// errors that say what failed. Knows nothing of rooms or browsers.
export { DiscordRestClient, GUILD_MEMBERS_PAGE_MAX, type DiscordRestClientOptions } from './discord-rest-client.ts';
// What the operations take and give back (CallOptions, CreateRoleInput, DeleteOutcome, …).
export type * from './operation-types.ts';
export { discordRestDefaults, type DiscordRestTuning } from './defaults.ts';
export {
  DiscordAbortedError,
  DiscordApiError,
  DiscordInvalidResponseError,
  DiscordRateLimitedError,
  DiscordRestError,
  DiscordUnavailableError,
  isDiscordRestError,
  type DiscordRestErrorKind,
  type HttpMethod,
  type RateLimitScope,
  type RequestContext,
  type UnavailableReason,
} from './errors.ts';
export type { DiscordRestHooks, RateLimitEvent, RequestEvent, RetryEvent, RetryReason } from './events.ts';
export { discordResourceLimits, resourceLimitOf, type DiscordResourceLimit } from './resource-limits.ts';
export { InMemoryRateLimitStateStore, type BucketRef, type RateLimitObservation, type RateLimitStateStore, type RateLimitWait } from './rate-limit-store.ts';
export { systemClock, type Clock } from '@repo/platform';
export { silentLogger, type Logger } from '@repo/platform';
export type { DiscordAuthorization, DiscordChannel, DiscordGuild, DiscordGuildMember, DiscordInvite, DiscordPartialGuild, DiscordPermissionOverwrite, DiscordRole, DiscordUser } from './schemas.ts';
// Discord's JSON error codes (10003 Unknown Channel, 50013 Missing Permissions, …), to compare with DiscordRestError.code.
export { RESTJSONErrorCodes as DiscordErrorCodes } from 'discord-api-types/v10';
