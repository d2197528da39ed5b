import { createHash } from 'node:crypto';
import type { APIUser, UserFlags } from 'discord-api-types/v10';
import { addMember } from './members.ts';
import type { World } from './world.ts';

export interface UserInput {
  /** Discord username (lowercase, unique). Also the name the control API and authorize page use. */
  username: string;
  globalName?: string | null;
  /** Avatar hash; a deterministic one is derived from the username when omitted. */
  avatar?: string | null;
}

/** Files a user record; emits nothing (a user is no guild's business until it joins one). */
export function addUser(world: World, input: UserInput, bot: boolean): APIUser {
  const id = world.ids.next();
  const user: APIUser = {
    id,
    username: input.username,
    discriminator: bot ? '0001' : '0',
    global_name: input.globalName === undefined ? null : input.globalName,
    avatar: input.avatar === undefined ? avatarHash(input.username) : input.avatar,
    banner: null,
    accent_color: null,
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    avatar_decoration_data: null,
    // Discord sends null for a user who shows no server tag; strict clients require the key.
    primary_guild: null,
    ...(bot ? { bot: true } : {}),
  };
  world.users.set(id, user);
  world.userIdsByName.set(input.username.toLowerCase(), id);
  return user;
}

/** Adds a user (a member of every guild when `member` is true, emitting GUILD_MEMBER_ADD for each). */
export function createUser(world: World, input: UserInput & { member?: boolean }): APIUser {
  const username = input.username.toLowerCase();
  if (world.userIdsByName.has(username)) throw new Error(`username "${username}" is taken`);
  const user = addUser(world, { ...input, username }, false);
  if (input.member ?? false) {
    for (const guildId of world.guilds.keys()) addMember(world, guildId, user.id);
  }
  return user;
}

/** By id or by username, case-insensitively; the live record. */
export function findUser(world: World, idOrName: string): APIUser | undefined {
  const id = world.users.has(idOrName) ? idOrName : world.userIdsByName.get(idOrName.toLowerCase());
  return id === undefined ? undefined : world.users.get(id);
}

/** Avatar hashes are 32 hex characters; derive them from the username so they are stable. */
function avatarHash(username: string): string {
  return createHash('md5').update(`avatar:${username}`).digest('hex');
}
