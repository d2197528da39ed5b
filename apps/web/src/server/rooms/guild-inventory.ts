import type { GuildInventoryView } from '@repo/discord-gateway';
import type { DiscordRestClient } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';

/** A channel as placement needs it. */
export interface InventoryChannel {
  id: string;
  type: number;
  name: string | null;
  parentId: string | null;
}

/** The guild's channels and roles at one moment, our own creates and deletes already counted. */
export interface InventoryView {
  readonly source: InventorySource;
  channelCount(): number;
  roleCount(): number;
  channelsUnder(categoryId: string): number;
  channel(channelId: string): InventoryChannel | null;
  categories(): InventoryChannel[];
}

/**
 * `gateway`: this process holds the Gateway and its cache has the guild's GUILD_CREATE (live, O(1)).
 * `rest`: it does not (a standby instance with Redis, or before the first GUILD_CREATE): a listing
 * from GET /guilds/:id/channels and /roles, at most `restTtlMs` old.
 */
export type InventorySource = 'gateway' | 'rest';

export interface GuildInventoryOptions {
  guildId: string;
  gateway: GuildInventoryView;
  rest: DiscordRestClient;
  clock: Clock;
  /** How long a REST listing stands in for the Gateway's cache before it is fetched again. */
  restTtlMs?: number;
  /**
   * How long our own create or delete is counted on top of the source before the source must show
   * it (a Gateway dispatch arrives within milliseconds; a REST listing within its TTL).
   */
  ownChangeTtlMs?: number;
}

export const GuildInventoryDefaults = {
  // Long enough that a standby instance creating rooms back to back lists the guild once, short
  // enough that an admin's changes show up before the next burst.
  restTtlMs: 15_000,
  ownChangeTtlMs: 60_000,
} as const;

const CATEGORY = 4;

interface OwnChange {
  kind: 'channel' | 'role';
  op: 'created' | 'deleted';
  channel: InventoryChannel | null;
  at: number;
}

interface Base {
  source: InventorySource;
  channelCount(): number;
  roleCount(): number;
  channelsUnder(categoryId: string): number;
  channel(channelId: string): InventoryChannel | null;
  hasRole(roleId: string): boolean;
  categories(): InventoryChannel[];
}

/**
 * What the guild holds, for planning within Discord's limits: the Gateway's cache when this process
 * has it, else a REST listing. Our own creates and deletes are added on top until the source shows
 * them, so two rooms made back to back never both count on the slot the first one took.
 */
export class GuildInventory {
  readonly #o: GuildInventoryOptions & Required<Pick<GuildInventoryOptions, 'restTtlMs' | 'ownChangeTtlMs'>>;
  readonly #own = new Map<string, OwnChange>();
  #listing: { at: number; base: Base } | null = null;

  constructor(options: GuildInventoryOptions) {
    this.#o = { restTtlMs: GuildInventoryDefaults.restTtlMs, ownChangeTtlMs: GuildInventoryDefaults.ownChangeTtlMs, ...options };
  }

  async current(): Promise<InventoryView> {
    const base = this.#gatewayBase() ?? (await this.#restBase());
    return this.#overlay(base);
  }

  /** Forget the REST listing (Discord refused a create we thought would fit: our picture is wrong). */
  invalidate(): void {
    this.#listing = null;
  }

  noteChannelCreated(channel: InventoryChannel): void {
    this.#own.set(channel.id, { kind: 'channel', op: 'created', channel, at: this.#o.clock.now() });
  }

  noteRoleCreated(roleId: string): void {
    this.#own.set(roleId, { kind: 'role', op: 'created', channel: null, at: this.#o.clock.now() });
  }

  /** `channel` as it was (its parent matters to the per-category count), or null when unknown. */
  noteChannelDeleted(channelId: string, channel: InventoryChannel | null): void {
    this.#own.set(channelId, { kind: 'channel', op: 'deleted', channel, at: this.#o.clock.now() });
  }

  noteRoleDeleted(roleId: string): void {
    this.#own.set(roleId, { kind: 'role', op: 'deleted', channel: null, at: this.#o.clock.now() });
  }

  #gatewayBase(): Base | null {
    const { gateway, guildId } = this.#o;
    if (!gateway.inventoryReady(guildId)) return null;
    return {
      source: 'gateway',
      channelCount: () => gateway.channelCount(guildId),
      roleCount: () => gateway.roleCount(guildId),
      channelsUnder: (categoryId) => gateway.channelsUnder(guildId, categoryId),
      channel: (channelId) => gateway.channel(guildId, channelId),
      hasRole: (roleId) => gateway.hasRole(guildId, roleId),
      categories: () => gateway.categories(guildId),
    };
  }

  async #restBase(): Promise<Base> {
    const now = this.#o.clock.now();
    if (this.#listing && now - this.#listing.at < this.#o.restTtlMs) return this.#listing.base;
    const [channels, roles] = await Promise.all([this.#o.rest.getGuildChannels(this.#o.guildId), this.#o.rest.getGuildRoles(this.#o.guildId)]);
    const byId = new Map<string, InventoryChannel>();
    const under = new Map<string, number>();
    for (const c of channels) {
      const parentId = c.parent_id ?? null;
      byId.set(c.id, { id: c.id, type: c.type, name: c.name ?? null, parentId });
      if (parentId !== null) under.set(parentId, (under.get(parentId) ?? 0) + 1);
    }
    const roleIds = new Set(roles.map((r) => r.id));
    const base: Base = {
      source: 'rest',
      channelCount: () => byId.size,
      roleCount: () => roleIds.size,
      channelsUnder: (categoryId) => under.get(categoryId) ?? 0,
      channel: (channelId) => byId.get(channelId) ?? null,
      hasRole: (roleId) => roleIds.has(roleId),
      categories: () => [...byId.values()].filter((c) => c.type === CATEGORY),
    };
    this.#listing = { at: now, base };
    return base;
  }

  /** The base with our own changes it does not show yet; changes it shows (or too old) are dropped. */
  #overlay(base: Base): InventoryView {
    const now = this.#o.clock.now();
    let channels = 0;
    let roles = 0;
    const under = new Map<string, number>();
    const added: InventoryChannel[] = [];
    const removed = new Set<string>();
    for (const [id, change] of this.#own) {
      const present = change.kind === 'channel' ? base.channel(id) !== null : base.hasRole(id);
      const shown = change.op === 'created' ? present : !present;
      if (shown || now - change.at > this.#o.ownChangeTtlMs) {
        this.#own.delete(id);
        continue;
      }
      const delta = change.op === 'created' ? 1 : -1;
      if (change.kind === 'role') {
        roles += delta;
        continue;
      }
      channels += delta;
      // A deleted channel's parent is the one the source still shows for it.
      const parentId = change.op === 'created' ? (change.channel?.parentId ?? null) : (base.channel(id)?.parentId ?? null);
      if (parentId !== null) under.set(parentId, (under.get(parentId) ?? 0) + delta);
      if (change.op === 'created' && change.channel) added.push(change.channel);
      else if (change.op === 'deleted') removed.add(id);
    }
    return {
      source: base.source,
      channelCount: () => base.channelCount() + channels,
      roleCount: () => base.roleCount() + roles,
      channelsUnder: (categoryId) => base.channelsUnder(categoryId) + (under.get(categoryId) ?? 0),
      channel: (channelId) => (removed.has(channelId) ? null : (base.channel(channelId) ?? added.find((c) => c.id === channelId) ?? null)),
      categories: () => [...base.categories().filter((c) => !removed.has(c.id)), ...added.filter((c) => c.type === CATEGORY)],
    };
  }
}
