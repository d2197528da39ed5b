import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import { z } from 'zod';
import { DiscordApiError } from './errors.ts';

/**
 * Discord's documented resource limits for a guild, which no rate limit or retry gets around:
 * - 500 channels per guild, categories included (error 30013, "Maximum number of guild channels
 *   reached (500)": https://discord.com/developers/docs/topics/opcodes-and-status-codes#json);
 * - 50 channels per category (400 Invalid Form Body, `parent_id` error `CHANNEL_PARENT_MAX_CHANNELS`:
 *   https://discord.com/developers/docs/resources/channel, "Maximum number of channels in category reached (50)");
 * - 250 roles per guild, @everyone included (error 30005, "Maximum number of guild roles reached (250)").
 */
export const discordResourceLimits = {
  channelsPerGuild: 500,
  channelsPerCategory: 50,
  rolesPerGuild: 250,
} as const;

/** Which of Discord's resource limits refused a request. */
export type DiscordResourceLimit = 'guild_channels' | 'category_channels' | 'guild_roles';

// The shape of a 50035 body's `errors` we look into: `{ parent_id: { _errors: [{ code, message }] } }`.
const parentIdErrors = z.object({
  parent_id: z.object({ _errors: z.array(z.object({ code: z.string() })) }),
});

/**
 * The resource limit behind a refusal, or null when the error is anything else. A full guild or
 * category is not a failure of Discord: callers should tell the user "full", not "Discord failed".
 */
export function resourceLimitOf(error: unknown): DiscordResourceLimit | null {
  if (!(error instanceof DiscordApiError) || error.status !== 400) return null;
  switch (error.code) {
    case RESTJSONErrorCodes.MaximumNumberOfGuildChannelsReached:
      return 'guild_channels';
    case RESTJSONErrorCodes.MaximumNumberOfGuildRolesReached:
      return 'guild_roles';
    case RESTJSONErrorCodes.InvalidFormBodyOrContentType: {
      const fields = parentIdErrors.safeParse(error.fieldErrors);
      return fields.success && fields.data.parent_id._errors.some((e) => e.code === 'CHANNEL_PARENT_MAX_CHANNELS') ? 'category_channels' : null;
    }
    default:
      return null;
  }
}
