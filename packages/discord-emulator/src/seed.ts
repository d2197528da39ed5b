/**
 * What a fresh (or reset) emulator contains, and the code that builds it. The defaults give every
 * test and `pnpm dev` the same small world: one guild with a "Game Rooms" category, #general, a
 * "Lounge" voice channel, the bot, and eight test users of whom all but heidi are members (so the
 * app's guild auto-join on sign-in has someone to exercise it).
 */
import { createHash } from 'node:crypto';
import { ChannelType } from 'discord-api-types/v10';
import type { GuildRecord } from './payloads.ts';
import { BOT_ROLE_PERMISSIONS, EVERYONE_DEFAULT_PERMISSIONS } from './permissions.ts';
import { insertChannel } from './world/channels.ts';
import { insertMember } from './world/members.ts';
import { newRole } from './world/roles.ts';
import { addUser, type UserInput } from './world/users.ts';
import type { World } from './world/world.ts';

export interface SeedUser extends UserInput {
  /** Member of the seeded guild(s)? Default true. */
  member?: boolean;
}

export interface EmulatorSeed {
  guildName?: string;
  /** Further guilds with the same layout (the bot and member users join each). */
  extraGuildNames?: string[];
  botUsername?: string;
  /** Replaces the default eight test users. */
  users?: SeedUser[];
  /** Appended to the default (or given) users. */
  addUsers?: SeedUser[];
  /** Fixed credentials; deterministic defaults are derived otherwise. */
  botToken?: string;
  clientSecret?: string;
}

export const DEFAULT_GUILD_NAME = 'Spell Rooms Test Guild';
export const DEFAULT_BOT_USERNAME = 'Spell Rooms Bot';
export const DEFAULT_CATEGORY_NAME = 'Game Rooms';

export const TEST_USER_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'] as const;
export type TestUserName = (typeof TEST_USER_NAMES)[number];

export const DEFAULT_USERS: readonly SeedUser[] = TEST_USER_NAMES.map((username) => ({
  username,
  globalName: username.charAt(0).toUpperCase() + username.slice(1),
  member: username !== 'heidi',
}));

/** Owns the guild. Kept apart from the test users because an owner bypasses every permission check. */
export const OWNER_USER: SeedUser = { username: 'guild_owner', globalName: 'Guild Owner', member: true };

/** The bot's application: its credentials and what GET /applications/@me and READY report. */
export interface AppRecord {
  id: string;
  botUserId: string;
  botToken: string;
  clientSecret: string;
  /** ApplicationFlags: GatewayGuildMembersLimited | GatewayPresenceLimited, like a small verified-free bot. */
  flags: number;
  /** The developer who owns the application: the seeded guild owner. */
  ownerUserId: string;
}

export interface SeedOptions {
  seed?: EmulatorSeed;
  /** Generated members user0001… for load tests. */
  extraUsers?: number;
}

export interface Seeded {
  app: AppRecord;
  /** The named test users, in seed order: the authorize page lists these. */
  seedUserIds: string[];
}

const APPLICATION_FLAGS = (1 << 15) | (1 << 13);

/**
 * Fills an empty world with the seed. Ids come from the world's counter in a fixed order (bot, owner, test
 * users, generated users, then each guild with its roles and channels), which is what makes every
 * start and every reset hand out the same ids. Seeding dispatches nothing and is exempt from the
 * resource limits.
 */
export function seedWorld(w: World, options: SeedOptions): Seeded {
  const seed = options.seed ?? {};
  const bot = addUser(w, { username: seed.botUsername ?? DEFAULT_BOT_USERNAME, globalName: null }, true);
  const owner = addUser(w, OWNER_USER, false);
  const app: AppRecord = {
    id: bot.id,
    botUserId: bot.id,
    botToken: seed.botToken ?? botTokenFor(bot.id),
    clientSecret: seed.clientSecret ?? createHash('sha256').update(`client-secret:${bot.id}`).digest('base64url').slice(0, 32),
    flags: APPLICATION_FLAGS,
    ownerUserId: owner.id,
  };
  const seedUserIds: string[] = [];
  const memberIds = [owner.id];
  for (const su of [...(seed.users ?? DEFAULT_USERS), ...(seed.addUsers ?? [])]) {
    const u = addUser(w, { ...su, username: su.username.toLowerCase() }, false);
    seedUserIds.push(u.id);
    if (su.member ?? true) memberIds.push(u.id);
  }
  const extra = options.extraUsers ?? 0;
  const width = Math.max(4, String(extra).length);
  for (let i = 1; i <= extra; i++) {
    const u = addUser(w, { username: `user${String(i).padStart(width, '0')}`, globalName: `User ${i}` }, false);
    memberIds.push(u.id);
  }

  for (const name of [seed.guildName ?? DEFAULT_GUILD_NAME, ...(seed.extraGuildNames ?? [])]) {
    seedGuild(w, name, owner.id, bot.id, memberIds);
  }
  return { app, seedUserIds };
}

function seedGuild(w: World, name: string, ownerId: string, botId: string, memberIds: string[]): void {
  const id = w.ids.next();
  const joinedAt = new Date(w.now()).toISOString();
  const g: GuildRecord = {
    id,
    name,
    ownerId,
    joinedAt,
    systemChannelId: null,
    roles: new Map(),
    channels: new Map(),
    members: new Map(),
    voice: new Map(),
  };
  w.guilds.set(id, g);
  // @everyone's id is the guild's; the id newRole drew for it stays unused, as it always has, so
  // the ids after it do not shift.
  const everyone = newRole(w, { name: '@everyone', permissions: EVERYONE_DEFAULT_PERMISSIONS, position: 0 });
  everyone.id = id;
  g.roles.set(id, everyone);
  const botRole = newRole(w, { name: w.user(botId).username, permissions: BOT_ROLE_PERMISSIONS, position: 1 });
  botRole.managed = true;
  botRole.tags = { bot_id: botId };
  g.roles.set(botRole.id, botRole);

  insertChannel(w, g, { type: ChannelType.GuildCategory, name: DEFAULT_CATEGORY_NAME });
  g.systemChannelId = insertChannel(w, g, { type: ChannelType.GuildText, name: 'general' }).id;
  insertChannel(w, g, { type: ChannelType.GuildVoice, name: 'Lounge' });

  for (const userId of [botId, ...memberIds]) {
    insertMember(w, g, userId, { roles: userId === botId ? [botRole.id] : [] }, joinedAt);
  }
}

/** A token shaped like Discord's (base64 user id . timestamp . hmac) so libraries that peek at it cope. */
function botTokenFor(botId: string): string {
  const hmac = createHash('sha256').update(`bot-token:${botId}`).digest('base64url').slice(0, 38);
  return `${Buffer.from(botId).toString('base64url')}.ZW11bA.${hmac}`;
}
