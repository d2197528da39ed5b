/**
 * @repo/discord-emulator — a small, faithful local Discord (REST v10, Gateway v10, OAuth2, a
 * control API and panel). See specs/discord-emulator.md.
 */
export { startEmulator, type EmulatorHandle, type EmulatorOptions, type EmulatorUsers } from './server.ts';
export { EmulatorState, type DispatchRecord, type EmulatorStateOptions } from './state.ts';
export type { RateLimitHit } from './rest/rest-telemetry.ts';
export { TEST_USER_NAMES, type EmulatorSeed, type SeedUser, type TestUserName } from './seed.ts';
export {
  DEFAULT_GLOBAL_LIMIT_PER_SECOND,
  DEFAULT_ROUTE_LIMIT,
  DISCORD_ROUTE_LIMITS,
  type RateLimitMode,
  type RouteLimit,
} from './rest/rate-limiter.ts';
export { DISCORD_LIMITS, type ResourceLimitMode, type ResourceLimits } from './discord-limits.ts';
export { SessionStartLimit, type SessionStartLimitOptions, type SessionStartLimitUpdate } from './gateway/index.ts';
export { INVALID_REQUEST_BAN_BODY } from './rest/rest-api.ts';
export { InvalidRequestLimit, type InvalidRequestCount, type InvalidRequestLimitOptions } from './rest/invalid-request-limit.ts';
export type { EmulatorLogger } from './logger.ts';
export type { StateSnapshot } from './control/state-snapshot.ts';
export type { FaultCommand } from './control/control-schemas.ts';
