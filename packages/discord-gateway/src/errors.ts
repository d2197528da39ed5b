import { GatewayCloseCodes } from 'discord-api-types/v10';

/**
 * Close codes after which Discord will not accept this bot again until an operator changes
 * something (token, intents, shard layout, library version). Reconnecting would only loop.
 */
export const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [GatewayCloseCodes.AuthenticationFailed, 'Authentication failed: the bot token is invalid or was reset'],
  [GatewayCloseCodes.InvalidShard, 'Invalid shard'],
  [GatewayCloseCodes.ShardingRequired, 'Sharding required: the bot is in too many guilds for one shard'],
  [GatewayCloseCodes.InvalidAPIVersion, 'Invalid Gateway API version'],
  [GatewayCloseCodes.InvalidIntents, 'Invalid intents'],
  [
    GatewayCloseCodes.DisallowedIntents,
    'Disallowed intents: enable the privileged Server Members intent for this bot in the Discord Developer Portal',
  ],
]);

/** The Gateway refused this bot for good (see FATAL_CLOSE_CODES); the client has stopped. */
export class GatewayFatalError extends Error {
  override readonly name = 'GatewayFatalError';
  constructor(
    /** The Gateway close code (4004 for a token the REST API rejected with 401 before any connection). */
    readonly code: number,
    readonly reason: string,
  ) {
    super(`[Gateway] stopped for good: ${reason} (close code ${code})`);
  }
}
