import type { GatewayDomainEvent } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { GuildOutages, OutageChange } from './guild-outages.ts';
import type { GuildPlaces } from './guild-places.ts';
import type { GuildRegistry } from './guild-registry.ts';

export interface GuildEventsOptions {
  registry: GuildRegistry;
  places: Pick<GuildPlaces, 'forget'>;
  /** The servers in an outage, and how every instance is told of a change (the Gateway status with `outage`). */
  outages?: { list: GuildOutages; publish(change: OutageChange): Promise<unknown> };
  /** The bot was removed from the server: its rooms close (RoomService, reason bot_removed). */
  onRemoved?(guildId: string): Promise<void>;
  /** A server's outage ended (GUILD_CREATE after GUILD_DELETE unavailable): its rooms are read back. */
  onReturned?(guildId: string): Promise<void>;
  /** A server this registry did not know (the bot added, or this process's first GUILD_CREATE for it). */
  onJoined?(guildId: string): Promise<void>;
  /** The shard a server's events come in on (`(id >> 22) % shards`): READY's list is compared per shard. */
  shardOf?(guildId: string): number;
  log: Logger;
}

/**
 * The Gateway's guild lifecycle → the registry (the holder's events only, fenced like every other:
 * composition routes them through the ownership's door). One at a time, in order.
 */
export class GuildEvents {
  readonly #o: GuildEventsOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: GuildEventsOptions) {
    this.#o = options;
  }

  /** True for the events this part takes (the rest go to the rooms' router). */
  static handles(event: GatewayDomainEvent): boolean {
    return event.type === 'guild.available' || event.type === 'guild.unavailable' || event.type === 'guild.removed' || event.type === 'guild.listed';
  }

  handle(event: GatewayDomainEvent): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#apply(event))
      .catch((error: unknown) => this.#o.log.error({ err: error, event: event.type }, 'handling a guild event failed'));
    return this.#queue;
  }

  async #apply(event: GatewayDomainEvent): Promise<void> {
    const { registry, log } = this.#o;
    switch (event.type) {
      case 'guild.available': {
        const before = await registry.get(event.guildId);
        await registry.available({ id: event.guildId, name: event.name });
        if (!before) {
          log.info({ guildId: event.guildId, name: event.name }, 'the bot is in a server');
          await this.#o.onJoined?.(event.guildId);
        } else if (!before.available) {
          log.info({ guildId: event.guildId }, 'a server is available again');
          // Read back first, then lift the banner: what browsers resync to is already true.
          await this.#o.onReturned?.(event.guildId);
        }
        // Told again when the registry says it was out, though this instance's list may not know it.
        await this.#outage(event.guildId, false, before?.available === false);
        return;
      }
      case 'guild.unavailable':
        log.warn({ guildId: event.guildId }, 'a server is unavailable (Discord outage): its rooms’ live updates are delayed');
        await registry.unavailable(event.guildId);
        await this.#outage(event.guildId, true);
        return;
      case 'guild.removed':
        log.info({ guildId: event.guildId }, 'the bot was removed from a server: closing its rooms');
        await this.#removed(event.guildId);
        return;
      case 'guild.listed': {
        // READY (a new session): a server of this shard the registry holds and READY does not list
        // was left while no session was open; Discord sends no GUILD_DELETE for it later.
        const listed = new Set(event.guildIds);
        const shardOf = this.#o.shardOf ?? (() => event.shardId);
        for (const guild of await registry.list()) {
          if (listed.has(guild.id) || shardOf(guild.id) !== event.shardId) continue;
          log.info({ guildId: guild.id, shardId: event.shardId }, 'the bot left a server while no Gateway session was open (not in READY): closing its rooms');
          await this.#removed(guild.id);
        }
        return;
      }
      default:
        return;
    }
  }

  async #removed(guildId: string): Promise<void> {
    await this.#o.registry.removed(guildId);
    this.#o.places.forget(guildId);
    await this.#o.onRemoved?.(guildId);
    await this.#outage(guildId, false);
  }

  async #outage(guildId: string, unavailable: boolean, tell = false): Promise<void> {
    const outages = this.#o.outages;
    if (!outages) return;
    if (outages.list.set(guildId, unavailable) || tell) await outages.publish({ guildId, unavailable });
  }
}
