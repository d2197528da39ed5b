import { type Browser, type BrowserContext, type Page, expect } from '@playwright/test';
import { emulator, signedInPage } from './support.ts';

/**
 * What Discord holds of a room, read from the emulator's state snapshot (never from the app): the
 * room's role and who has it, who is in its voice channel, the channel's name and member overwrites
 * (the host's PRIORITY_SPEAKER mark, a removed user's VIEW_CHANNEL|CONNECT deny).
 * specs/rooms-api.md "What Discord holds" is the encoding.
 */

export const PRIORITY_SPEAKER = 1n << 8n;
export const VIEW_CHANNEL = 1n << 10n;
export const CONNECT = 1n << 20n;

interface Overwrite {
  id: string;
  type: number;
  allow: string;
  deny: string;
}
interface GuildState {
  id: string;
  channels: Array<{ id: string; name: string; type: number; permission_overwrites?: Overwrite[] }>;
  roles: Array<{ id: string; name: string }>;
  members: Array<{ userId: string; username: string; roles: string[] }>;
  voiceStates: Array<{ user_id: string; channel_id: string | null }>;
}
interface State {
  users: Array<{ id: string; username: string }>;
  guilds: GuildState[];
}

export interface RoomInDiscord {
  /** The voice channel's name. */
  channelName: string | undefined;
  /** The room role's name (`room-<id>[~<gen>][~locked]`). */
  roleName: string | undefined;
  /** Usernames holding the room's role. */
  roleHolders: string[];
  /** Usernames in the room's voice channel. */
  inVoice: string[];
  /** Usernames with a member overwrite allowing PRIORITY_SPEAKER (the host mark). */
  hostMarks: string[];
  /** Usernames with a member overwrite denying VIEW_CHANNEL and CONNECT (removed by the host). */
  barred: string[];
}

export async function roomInDiscord(room: { id: string; guildId: string; channelId: string }): Promise<RoomInDiscord> {
  const state = await emulator<State>('/state');
  const guild = state.guilds.find((g) => g.id === room.guildId);
  if (!guild) throw new Error(`guild ${room.guildId} is not in the emulator`);
  const username = (id: string) => state.users.find((u) => u.id === id)?.username ?? id;
  const role = guild.roles.find((r) => r.name === `room-${room.id}` || r.name.startsWith(`room-${room.id}~`));
  const channel = guild.channels.find((c) => c.id === room.channelId);
  const members = (channel?.permission_overwrites ?? []).filter((o) => o.type === 1);
  const has = (bits: string, flags: bigint) => (BigInt(bits) & flags) === flags;
  return {
    channelName: channel?.name,
    roleName: role?.name,
    roleHolders: role ? guild.members.filter((m) => m.roles.includes(role.id)).map((m) => m.username).sort() : [],
    inVoice: guild.voiceStates.filter((v) => v.channel_id === room.channelId).map((v) => username(v.user_id)).sort(),
    hostMarks: members.filter((o) => has(o.allow, PRIORITY_SPEAKER)).map((o) => username(o.id)).sort(),
    barred: members.filter((o) => has(o.deny, VIEW_CHANNEL | CONNECT)).map((o) => username(o.id)).sort(),
  };
}

export interface RoomInfoApi {
  id: string;
  name: string;
  guildId: string;
  channelId: string;
  creatorId: string;
  locked: boolean;
}

export async function roomFromApi(page: Page, roomId: string): Promise<RoomInfoApi> {
  const response = await page.request.get(`/api/rooms/${roomId}`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { room: RoomInfoApi }).room;
}

export function roomIdOf(page: Page): string {
  const match = /\/rooms\/([a-z0-9]+)$/.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`not on a room page: ${page.url()}`);
  return match[1]!;
}

/** A signed-in host with a fresh room: its page, id, Discord ids and both links. */
export async function hostWithRoom(browser: Browser, user: string, name: string) {
  const { context, page } = await signedInPage(browser, user);
  await page.getByLabel('Room name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
  await expect(page.getByRole('region', { name: 'Host controls' })).toBeVisible();
  const roomId = roomIdOf(page);
  const room = await roomFromApi(page, roomId);
  const inviteUrl = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
  const spectatorUrl = await page.getByRole('textbox', { name: 'Spectator link' }).inputValue();
  return { context, page, roomId, room, inviteUrl, spectatorUrl };
}

const run = Date.now().toString(36);
let made = 0;

/**
 * A new emulator user (a member of the server) for a test: the seeded ones are shared by every spec,
 * and rooms.spec.ts needs grace never to have signed in. Its display name is the capitalised
 * username, as signedInPage expects.
 */
export async function newUser(base: string): Promise<{ username: string; name: string }> {
  const username = `${base}${run}x${++made}`;
  const name = `${username[0]!.toUpperCase()}${username.slice(1)}`;
  await emulator('/users', { username, globalName: name });
  return { username, name };
}

/** Closes every context a test opened, whatever happened. */
export function contextList() {
  const contexts: BrowserContext[] = [];
  return {
    add<T extends { context: BrowserContext }>(opened: T): T {
      contexts.push(opened.context);
      return opened;
    },
    async closeAll() {
      for (const context of contexts) await context.close().catch(() => undefined);
    },
  };
}
