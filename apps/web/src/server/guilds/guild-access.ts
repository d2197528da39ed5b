import { type DiscordRestClient, DiscordApiError, DiscordErrorCodes, type DiscordRole } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import { canManageGuild, memberPermissions } from './guild-permissions.ts';

/** One user in one server, as the bot's REST calls found them. */
export interface Membership {
  member: boolean;
  /** Manage Server, Administrator or owner, computed from Discord's member and roles (never the client's word). */
  admin: boolean;
}

export const GuildAccessDefaults = {
  /** How long a membership answer is reused: a user who just joined waits at most this long. */
  ttlMs: 60_000,
  /** Entries kept (the oldest go first): bounds memory whatever the traffic. */
  maxEntries: 10_000,
} as const;

/**
 * Whether one user is in one server, and may manage it, from the bot's member lookups (GET
 * /guilds/{id}/members/{user}, the guild's roles and owner): every decision (settings, create,
 * admission) asks here; the lobby's list of a user's servers comes from the OAuth `guilds` scope
 * (user-guilds.ts, specs/auth.md). Answers are cached briefly per (guild, user) and per guild.
 */
export class GuildAccess {
  readonly #rest: DiscordRestClient;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #members = new Map<string, { at: number; roles: readonly string[] | null }>();
  readonly #guilds = new Map<string, { at: number; ownerId: string; roles: readonly DiscordRole[] }>();

  constructor(options: { rest: DiscordRestClient; clock: Clock; ttlMs?: number; maxEntries?: number }) {
    this.#rest = options.rest;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? GuildAccessDefaults.ttlMs;
    this.#maxEntries = options.maxEntries ?? GuildAccessDefaults.maxEntries;
  }

  async membership(guildId: string, userId: string): Promise<Membership> {
    const roles = await this.#memberRoles(guildId, userId);
    if (roles === null) return { member: false, admin: false };
    const guild = await this.#guild(guildId);
    const permissions = memberPermissions({ guildId, ownerId: guild.ownerId, userId, memberRoleIds: roles, roles: guild.roles });
    return { member: true, admin: canManageGuild(permissions) };
  }

  /** A user was just added to the server (guilds.join) or left it: ask Discord again next time. */
  forget(guildId: string, userId: string): void {
    this.#members.delete(`${guildId}:${userId}`);
  }

  async #memberRoles(guildId: string, userId: string): Promise<readonly string[] | null> {
    const key = `${guildId}:${userId}`;
    const now = this.#clock.now();
    const cached = this.#members.get(key);
    if (cached && now - cached.at < this.#ttlMs) return cached.roles;
    const member = await this.#rest.getGuildMember(guildId, userId);
    this.#members.delete(key);
    this.#members.set(key, { at: now, roles: member ? member.roles : null });
    trim(this.#members, this.#maxEntries);
    return member ? member.roles : null;
  }

  async #guild(guildId: string): Promise<{ ownerId: string; roles: readonly DiscordRole[] }> {
    const now = this.#clock.now();
    const cached = this.#guilds.get(guildId);
    if (cached && now - cached.at < this.#ttlMs) return cached;
    const [guild, roles] = await Promise.all([this.#rest.getGuild(guildId), this.#rest.getGuildRoles(guildId)]);
    const entry = { at: now, ownerId: guild.owner_id, roles };
    this.#guilds.set(guildId, entry);
    trim(this.#guilds, this.#maxEntries);
    return entry;
  }
}

/** Discord says the bot is not in the guild (any more): Unknown Guild or Missing Access. */
export function isNotInGuild(error: unknown): boolean {
  return error instanceof DiscordApiError && (error.code === DiscordErrorCodes.UnknownGuild || error.code === DiscordErrorCodes.MissingAccess);
}

function trim(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
