import { GatewayCloseCodes } from 'discord-api-types/v10';

/**
 * Every close the emulator's gateway sends, with the reason text it puts in the close frame and
 * whether the session survives it. The "keeps session" column follows Discord's table: codes that
 * say "reconnect and start a new session" (4007 invalid seq, 4009 session timed out) end the
 * session, the fatal ones (4004, 4010–4014) are never followed by a RESUME anyway, and the rest
 * leave the session resumable for the resume window.
 */
export interface GatewayClose {
  code: number;
  /** Close-frame reasons are capped at 123 bytes by RFC 6455; keep these short. */
  reason: string;
  keepsSession: boolean;
}

const close = (code: number, reason: string, keepsSession: boolean): GatewayClose => ({
  code,
  reason,
  keepsSession,
});

export const Closes = {
  unknownError: (why = 'Unknown error') => close(GatewayCloseCodes.UnknownError, why, true),
  unknownOpcode: (op: number) => close(GatewayCloseCodes.UnknownOpcode, `Unknown opcode ${op}`, true),
  decodeError: (why: string) => close(GatewayCloseCodes.DecodeError, `Decode error: ${why}`.slice(0, 120), true),
  notAuthenticated: (why = 'Not authenticated') => close(GatewayCloseCodes.NotAuthenticated, why, true),
  authenticationFailed: () => close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed', false),
  alreadyAuthenticated: () => close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated', true),
  invalidSeq: () => close(GatewayCloseCodes.InvalidSeq, 'Invalid seq', false),
  rateLimited: () => close(GatewayCloseCodes.RateLimited, 'You are being rate limited', true),
  sessionTimedOut: () => close(GatewayCloseCodes.SessionTimedOut, 'Session timed out', false),
  invalidShard: () => close(GatewayCloseCodes.InvalidShard, 'Invalid shard', false),
  shardingRequired: () => close(GatewayCloseCodes.ShardingRequired, 'Sharding required', false),
  invalidApiVersion: () => close(GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version', false),
  invalidIntents: () => close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s)', false),
  disallowedIntents: () => close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s)', false),
} as const;

/**
 * Closes a *client* may send that end its session, per Discord: "closing with 1000 or 1001
 * invalidates the session". @discordjs/ws closes with 4200 when it means to resume, which must
 * therefore keep the session.
 */
export function clientCloseEndsSession(code: number): boolean {
  return code === 1000 || code === 1001;
}
