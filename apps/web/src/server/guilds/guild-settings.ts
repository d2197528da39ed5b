import { z } from 'zod';

const Snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (a 17–20 digit snowflake)');

/**
 * What a server's admins set (README "What a server's admins can set"): rooms on or off, the
 * category rooms go in (null: "Spell Rooms", made on first use), whether the site may add an
 * invitee who is not in the server (`guilds.join`) or invitees must already be members, and the
 * free channels and roles rooms never take.
 */
export const GuildSettingsSchema = z.strictObject({
  roomsEnabled: z.boolean(),
  categoryId: Snowflake.nullable(),
  addInvitees: z.boolean(),
  reserve: z.strictObject({
    channels: z.number().int().min(0).max(500),
    roles: z.number().int().min(0).max(250),
  }),
});
export type GuildSettings = z.infer<typeof GuildSettingsSchema>;

/** A PUT's body: any of the fields; what is left out stays as it was. */
export const GuildSettingsUpdateSchema = z.strictObject({
  roomsEnabled: GuildSettingsSchema.shape.roomsEnabled.optional(),
  categoryId: GuildSettingsSchema.shape.categoryId.optional(),
  addInvitees: GuildSettingsSchema.shape.addInvitees.optional(),
  reserve: GuildSettingsSchema.shape.reserve.partial().optional(),
});
export type GuildSettingsUpdate = z.infer<typeof GuildSettingsUpdateSchema>;

/** The settings of a server nobody has set yet. */
export function defaultGuildSettings(input: { home: boolean; reserveChannels: number; reserveRoles: number; homeCategoryId: string | undefined }): GuildSettings {
  return {
    roomsEnabled: true,
    // The home server keeps DISCORD_ROOMS_CATEGORY_ID; another server gets "Spell Rooms".
    categoryId: input.home ? (input.homeCategoryId ?? null) : null,
    // Sign-in has always added people to the home server; another server's admins opt in.
    addInvitees: input.home,
    reserve: { channels: input.reserveChannels, roles: input.reserveRoles },
  };
}

export function applyUpdate(current: GuildSettings, update: GuildSettingsUpdate): GuildSettings {
  return {
    roomsEnabled: update.roomsEnabled ?? current.roomsEnabled,
    categoryId: update.categoryId === undefined ? current.categoryId : update.categoryId,
    addInvitees: update.addInvitees ?? current.addInvitees,
    reserve: { channels: update.reserve?.channels ?? current.reserve.channels, roles: update.reserve?.roles ?? current.reserve.roles },
  };
}

/** A server's settings: as stored, or the defaults when nobody has set them. */
export async function settingsWithDefaults(
  store: GuildSettingsStore,
  guildId: string,
  defaults: { homeGuildId: string | undefined; reserveChannels: number; reserveRoles: number; homeCategoryId: string | undefined },
): Promise<GuildSettings> {
  return (await store.get(guildId)) ?? defaultGuildSettings({ home: guildId === defaults.homeGuildId, ...defaults });
}

/** Where settings are kept: memory (one process) or a Redis hash (every instance). */
export interface GuildSettingsStore {
  get(guildId: string): Promise<GuildSettings | null>;
  put(guildId: string, settings: GuildSettings): Promise<void>;
}

export class MemoryGuildSettingsStore implements GuildSettingsStore {
  readonly #byGuild = new Map<string, GuildSettings>();

  async get(guildId: string): Promise<GuildSettings | null> {
    const found = this.#byGuild.get(guildId);
    return found ? structuredClone(found) : null;
  }

  async put(guildId: string, settings: GuildSettings): Promise<void> {
    this.#byGuild.set(guildId, structuredClone(GuildSettingsSchema.parse(settings)));
  }
}
