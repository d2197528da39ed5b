/**
 * What a fresh (or reset) emulator contains, and the code that builds it. The defaults give every
 * test and `pnpm dev` the same small world: one guild with a "Game Rooms" category, #general, a
 * "Lounge" voice channel, the bot, and eight test users of whom all but heidi are members (so the
 * app's guild auto-join on sign-in has someone to exercise it). With `guilds: N` the guilds from 2
 * on repeat the layout with fewer members (alice–dave; dave holds an "Admin" role with Manage
 * Server) and generated users are dealt round-robin (specs/discord-emulator.md "The default world").
 */
import { createHash } from 'node:crypto';
import { ChannelType, PermissionFlagsBits } from 'discord-api-types/v10';
import type { GuildRecord } from './payloads.ts';
import { BOT_ROLE_PERMISSIONS, EVERYONE_DEFAULT_PERMISSIONS } from './permissions.ts';
import { insertChannel } from './world/channels.ts';
import { insertMember } from './world/members.ts';
import { newRole } from './world/roles.ts';
import { addUser, type UserInput } from './world/users.ts';
import type { World } from './world/world.ts';

export interface SeedUser extends UserInput {
  /** Member of the first guild? Default true. */
  member?: boolean;
  /** Also a member of every guild from the second on? Default false (alice–dave of the default users: true). */
  memberOfEveryGuild?: boolean;
  /** Holds the "Admin" role (Manage Server) in every guild from the second on where a member? Default false (dave: true). */
  manageGuild?: boolean;
}

export interface EmulatorSeed {
  guildName?: string;
  /** Names of the guilds from the second on (more guilds than `guilds` asks for if longer). */
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

/** Members of every guild, not only the first. */
const EVERY_GUILD_USERS: readonly TestUserName[] = ['alice', 'bob', 'carol', 'dave'];

export const DEFAULT_USERS: readonly SeedUser[] = TEST_USER_NAMES.map((username) => ({
  username,
  globalName: username.charAt(0).toUpperCase() + username.slice(1),
  member: username !== 'heidi',
  memberOfEveryGuild: EVERY_GUILD_USERS.includes(username),
  manageGuild: username === 'dave',
}));

/** The role that gives a non-owner Manage Server in the guilds from the second on. */
export const ADMIN_ROLE_NAME = 'Admin';
export const ADMIN_ROLE_PERMISSIONS: bigint = PermissionFlagsBits.ManageGuild;

/** Names of the guilds from the second on unless `extraGuildNames` gives them: "Spell Rooms Test Guild 2", … */
export function defaultGuildName(index: number): string {
  return index === 1 ? DEFAULT_GUILD_NAME : `${DEFAULT_GUILD_NAME} ${index}`;
}

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
  /** Generated users user0001… for load tests, dealt round-robin over the guilds (user0001 → guild 1, user0002 → guild 2, …). */
  extraUsers?: number;
  /** How many guilds (default 1; at least 1 + `seed.extraGuildNames.length`). */
  guilds?: number;
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
  const guildCount = Math.max(options.guilds ?? 1, 1 + (seed.extraGuildNames?.length ?? 0));
  if (!Number.isSafeInteger(guildCount) || guildCount < 1) throw new RangeError(`guilds must be a whole number ≥ 1 (got ${options.guilds})`);
  // Member lists per guild index (0 = the first guild); the owner is in every guild.
  const first: GuildMember[] = [{ userId: owner.id, admin: false }];
  const others: GuildMember[] = [{ userId: owner.id, admin: false }];
  for (const su of [...(seed.users ?? DEFAULT_USERS), ...(seed.addUsers ?? [])]) {
    const u = addUser(w, { ...su, username: su.username.toLowerCase() }, false);
    seedUserIds.push(u.id);
    if (su.member ?? true) first.push({ userId: u.id, admin: false });
    if (su.memberOfEveryGuild ?? false) others.push({ userId: u.id, admin: su.manageGuild ?? false });
  }
  const generated: string[][] = Array.from({ length: guildCount }, () => []);
  const extra = options.extraUsers ?? 0;
  const width = Math.max(4, String(extra).length);
  for (let i = 1; i <= extra; i++) {
    const u = addUser(w, { username: `user${String(i).padStart(width, '0')}`, globalName: `User ${i}` }, false);
    generated[(i - 1) % guildCount]?.push(u.id);
  }

  // The first guild keeps the ids it has always had. The others' ids are drawn back to back, one
  // millisecond apart, so `(id >> 22) % shards` deals them round-robin over any shard count.
  const firstId = w.ids.next();
  seedGuild(w, firstId, seed.guildName ?? DEFAULT_GUILD_NAME, owner.id, bot.id, [...first, ...asMembers(generated[0])], false);
  const laterIds = Array.from({ length: guildCount - 1 }, () => w.ids.next());
  laterIds.forEach((id, i) => {
    const name = seed.extraGuildNames?.[i] ?? defaultGuildName(i + 2);
    seedGuild(w, id, name, owner.id, bot.id, [...others, ...asMembers(generated[i + 1])], true);
  });
  return { app, seedUserIds };
}

interface GuildMember {
  userId: string;
  /** Gets the guild's "Admin" role (only guilds that have one). */
  admin: boolean;
}

function asMembers(userIds: readonly string[] | undefined): GuildMember[] {
  return (userIds ?? []).map((userId) => ({ userId, admin: false }));
}

function seedGuild(w: World, id: string, name: string, ownerId: string, botId: string, members: GuildMember[], withAdminRole: boolean): void {
  const joinedAt = new Date(w.now()).toISOString();
  const g: GuildRecord = {
    id,
    name,
    ownerId,
    joinedAt,
    systemChannelId: null,
    available: true,
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
  const adminRole = withAdminRole ? newRole(w, { name: ADMIN_ROLE_NAME, permissions: ADMIN_ROLE_PERMISSIONS, position: 1 }) : null;
  if (adminRole) g.roles.set(adminRole.id, adminRole);
  const botRole = newBotRole(w, botId, adminRole ? 2 : 1);
  g.roles.set(botRole.id, botRole);

  insertChannel(w, g, { type: ChannelType.GuildCategory, name: DEFAULT_CATEGORY_NAME });
  g.systemChannelId = insertChannel(w, g, { type: ChannelType.GuildText, name: 'general' }).id;
  insertChannel(w, g, { type: ChannelType.GuildVoice, name: 'Lounge' });

  insertMember(w, g, botId, { roles: [botRole.id] }, joinedAt);
  for (const m of members) insertMember(w, g, m.userId, { roles: m.admin && adminRole ? [adminRole.id] : [] }, joinedAt);
}

/** The bot's managed role (`tags.bot_id`), which Discord creates when the bot joins a guild. */
export function newBotRole(w: World, botId: string, position: number) {
  const botRole = newRole(w, { name: w.user(botId).username, permissions: BOT_ROLE_PERMISSIONS, position });
  botRole.managed = true;
  botRole.tags = { bot_id: botId };
  return botRole;
}

/** A token shaped like Discord's (base64 user id . timestamp . hmac) so libraries that peek at it cope. */
function botTokenFor(botId: string): string {
  const hmac = createHash('sha256').update(`bot-token:${botId}`).digest('base64url').slice(0, 38);
  return `${Buffer.from(botId).toString('base64url')}.ZW11bA.${hmac}`;
}
