import { createHash } from 'node:crypto';
import { DiscordApiError, type DiscordRestClient } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { canManageGuild } from './guild-permissions.ts';

/** One server in a user's own list, as Discord computes it for them (display only: never a server decision). */
export interface ListedGuild {
  /** Owner, Administrator or Manage Server by Discord's list: shows the settings link; the settings API asks the bot (guild-access.ts). */
  canManage: boolean;
}

/** The user's servers by id, or `no_scope`: the session was signed in before the `guilds` scope was asked. */
export type UserGuildList = Map<string, ListedGuild> | 'no_scope';

export const UserGuildsDefaults = {
  /** How long a user's list is reused: a server joined on Discord shows up at most this late. */
  ttlMs: 30_000,
  /** Users kept (the oldest go first): bounds memory whatever the traffic. */
  maxEntries: 10_000,
  /** Discord lets an account be in at most 200 servers (Nitro), 200 a page: 2 pages; 5 bounds a surprise. */
  maxPages: 5,
} as const;

const PAGE = 200;

/**
 * Which servers a signed-in user is in (issue 17, specs/auth.md): one paged `GET /users/@me/guilds`
 * with the user's access token (the `guilds` scope), whatever the number of servers the bot is in.
 * Cached per user on the injected clock; a different access token (a new sign-in) asks again.
 */
export class UserGuilds {
  readonly #rest: Pick<DiscordRestClient, 'getUserGuilds'>;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, { at: number; token: string; list: UserGuildList }>();

  constructor(options: { rest: Pick<DiscordRestClient, 'getUserGuilds'>; clock: Clock; ttlMs?: number; maxEntries?: number }) {
    this.#rest = options.rest;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? UserGuildsDefaults.ttlMs;
    this.#maxEntries = options.maxEntries ?? UserGuildsDefaults.maxEntries;
  }

  async list(user: { userId: string; accessToken: string }): Promise<UserGuildList> {
    const token = createHash('sha256').update(user.accessToken).digest('base64url').slice(0, 16);
    const now = this.#clock.now();
    const cached = this.#cache.get(user.userId);
    if (cached && cached.token === token && now - cached.at < this.#ttlMs) return cached.list;
    const list = await this.#fetch(user.accessToken);
    this.#cache.delete(user.userId);
    this.#cache.set(user.userId, { at: now, token, list });
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= this.#maxEntries) break;
      this.#cache.delete(key);
    }
    return list;
  }

  /** The user was just added to a server (guilds.join): ask Discord again next time. */
  forget(userId: string): void {
    this.#cache.delete(userId);
  }

  async #fetch(accessToken: string): Promise<UserGuildList> {
    const out = new Map<string, ListedGuild>();
    let after: string | undefined;
    for (let page = 0; page < UserGuildsDefaults.maxPages; page++) {
      let guilds: Awaited<ReturnType<DiscordRestClient['getUserGuilds']>>;
      try {
        guilds = await this.#rest.getUserGuilds(accessToken, after === undefined ? { limit: PAGE } : { limit: PAGE, after });
      } catch (error) {
        // Discord answers 401 to a token without the `guilds` scope (a sign-in from before it was asked).
        if (error instanceof DiscordApiError && error.status === 401) return 'no_scope';
        throw error;
      }
      for (const g of guilds) out.set(g.id, { canManage: g.owner === true || listedCanManage(g.permissions) });
      const last = guilds.at(-1);
      if (guilds.length < PAGE || !last) break;
      after = last.id;
    }
    return out;
  }
}

function listedCanManage(permissions: string | undefined): boolean {
  if (permissions === undefined) return false;
  const bits = BigInt(permissions);
  return canManageGuild(bits) || (bits & PermissionFlagsBits.Administrator) === PermissionFlagsBits.Administrator;
}
