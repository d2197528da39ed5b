import type { GatewayStatusPayload } from '@repo/protocol';
import type { GuildRegistry } from './guild-registry.ts';

/** One server's outage starting or ending, as its shard's holder publishes it. */
export interface OutageChange {
  guildId: string;
  unavailable: boolean;
}

/**
 * The Discord servers in an outage right now (GUILD_DELETE with unavailable: true), as this
 * instance knows them: browsers get the list with the Gateway status (GatewayStatusPayload's
 * `unavailableGuilds`) and show the delayed banner on those servers' rooms. A guild's shard holder
 * publishes the change alone (`outage: {guildId, unavailable}`), never its whole list: every
 * instance (itself included) applies it to its own list and hands its browsers that list, so two
 * holders changing it at once lose nothing. An instance that starts later seeds it from the
 * registry (`available: false`).
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

  /** At start: the servers the registry (shared with Redis) holds as unavailable. */
  async seed(registry: Pick<GuildRegistry, 'list'>): Promise<void> {
    for (const guild of await registry.list()) if (!guild.available) this.set(guild.id, true);
  }

  /**
   * A published Gateway status as this instance passes it to its browsers: a change it carries is
   * applied here first, and the payload then carries this instance's whole list (never the change).
   * A status without a change or a list (a shard's state) goes as it came.
   */
  received(payload: GatewayStatusPayload): GatewayStatusPayload {
    const { outage, ...rest } = payload;
    if (!outage) return payload;
    this.set(outage.guildId, outage.unavailable);
    return { ...rest, unavailableGuilds: this.list() };
  }
}
