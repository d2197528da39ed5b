/**
 * The Discord servers in an outage right now (GUILD_DELETE with unavailable: true), as this
 * instance knows them: browsers get the list with the Gateway status (GatewayStatusPayload's
 * `unavailableGuilds`) and show the delayed banner on those servers' rooms. A guild's shard holder
 * changes it and publishes the whole list; every instance (itself included) takes the list from
 * what is published, so each can repeat it to a browser that connects later.
 */
export class GuildOutages {
  #ids: ReadonlySet<string> = new Set();

  /** Sorted, for a stable status payload. */
  list(): string[] {
    return [...this.#ids].sort();
  }

  has(guildId: string): boolean {
    return this.#ids.has(guildId);
  }

  /** The list with one server's outage started or ended; true when that changed anything. */
  set(guildId: string, unavailable: boolean): boolean {
    if (this.#ids.has(guildId) === unavailable) return false;
    const next = new Set(this.#ids);
    if (unavailable) next.add(guildId);
    else next.delete(guildId);
    this.#ids = next;
    return true;
  }

  /** The list as another instance (or this one) published it. */
  replace(guildIds: readonly string[]): void {
    this.#ids = new Set(guildIds);
  }
}
