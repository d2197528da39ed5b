/**
 * The servers the bot is in, from the Gateway: GUILD_CREATE (joined, or back from an outage),
 * GUILD_DELETE with `unavailable: true` (an outage: the bot is still in it) and without it (the bot
 * was removed). With several instances only a guild's shard holder sees its dispatches, so the
 * Redis version shares what it saw with every instance, as the voice view is shared.
 */
export interface KnownGuild {
  id: string;
  name: string;
  /** False during a Discord outage of the guild (GUILD_DELETE unavailable: true). */
  available: boolean;
}

export interface GuildRegistry {
  /** GUILD_CREATE: the bot is in the guild and it is available. */
  available(guild: { id: string; name: string }): Promise<void>;
  /** GUILD_DELETE with unavailable: true. A guild never seen is remembered unnamed until its GUILD_CREATE. */
  unavailable(guildId: string): Promise<void>;
  /** GUILD_DELETE without unavailable: the bot was removed (or the guild deleted). */
  removed(guildId: string): Promise<void>;
  get(guildId: string): Promise<KnownGuild | null>;
  list(): Promise<KnownGuild[]>;
}

export class MemoryGuildRegistry implements GuildRegistry {
  readonly #guilds = new Map<string, KnownGuild>();

  async available(guild: { id: string; name: string }): Promise<void> {
    this.#guilds.set(guild.id, { id: guild.id, name: guild.name, available: true });
  }

  async unavailable(guildId: string): Promise<void> {
    const known = this.#guilds.get(guildId);
    this.#guilds.set(guildId, { id: guildId, name: known?.name ?? '', available: false });
  }

  async removed(guildId: string): Promise<void> {
    this.#guilds.delete(guildId);
  }

  async get(guildId: string): Promise<KnownGuild | null> {
    const known = this.#guilds.get(guildId);
    return known ? { ...known } : null;
  }

  async list(): Promise<KnownGuild[]> {
    return [...this.#guilds.values()].map((g) => ({ ...g })).sort(byId);
  }
}

/** Oldest first (snowflakes by number). */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
