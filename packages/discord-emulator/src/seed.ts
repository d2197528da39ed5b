/**
 * What a fresh (or reset) emulator contains. The defaults give every test and `pnpm dev` the same
 * small world: one guild with a "Game Rooms" category, #general, a "Lounge" voice channel, the
 * bot, and eight test users of whom all but heidi are members (so the app's guild auto-join on
 * sign-in has someone to exercise it).
 */
export interface SeedUser {
  /** Discord username (lowercase, unique). Also the name the control API and authorize page use. */
  username: string;
  globalName?: string | null;
  /** Avatar hash; a deterministic one is derived from the username when omitted. */
  avatar?: string | null;
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
