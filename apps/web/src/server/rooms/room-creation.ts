import { randomInt } from 'node:crypto';
import type { Clock } from '@repo/platform';
import { OPEN_ROOMS_PER_USER, RoomName } from '@repo/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Session } from '../auth/session.ts';
import { AppError, validationError } from '../errors.ts';
import { ROOMS_FULL_MESSAGE, ROOMS_FULL_RETRY_AFTER_SECONDS, RoomCapacityError } from './guild-capacity.ts';
import { type Profile, type Room } from './room.ts';
import type { RoomDiscord, RoomDiscordOf, RoomResources } from './room-discord.ts';
import type { RoomEvents } from './room-events.ts';
import { snowflakeTime } from './room-in-discord.ts';
import { RoomExistsError, type RoomStore } from './room-store.ts';

// Validated as an object so field errors are keyed `name`, as the form's field is.
const CreateRoomInput = z.object({ name: RoomName });

/** A double click on "Create room" within this window returns the room the first click made. */
export const CREATE_DEDUPE_WINDOW_MS = 10_000;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 10 characters of [a-z0-9]: 51 bits, short enough for a URL, unguessable enough to not matter. */
export function newRoomId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export interface CreatedRoom {
  room: Room;
  inviteUrl: string;
  spectatorUrl: string;
}

/** The room name of a create request (R-ROOM1), or the 400 the form shows by its field. */
export function parseRoomName(rawName: unknown): string {
  const parsed = CreateRoomInput.safeParse({ name: rawName });
  if (!parsed.success) throw validationError(parsed.error, 'The room name is not valid.');
  return parsed.data.name;
}

export function profileOf(session: Session): Profile {
  return { username: session.username, globalName: session.globalName, avatar: session.avatar };
}

export interface RoomCreationOptions {
  store: RoomStore;
  /** Each server's Discord side: a room is made in the server asked for (issue 17). */
  discordOf: RoomDiscordOf;
  events: RoomEvents;
  clock: Clock;
  log: Logger;
  /** The room with its invite and spectator links. */
  withLinks(room: Room): Promise<CreatedRoom>;
}

/**
 * Creating a room (R-ROOM1), part of RoomService: Discord makes the channel and the role, the
 * store the rest; a failure half-way undoes what was made, a double click gets the first click's
 * room, and a user has at most OPEN_ROOMS_PER_USER open rooms.
 */
export class RoomCreation {
  readonly #o: RoomCreationOptions;
  /** Per-user queue for create: a second click waits for the first and gets its room. */
  readonly #creating = new Map<string, Promise<CreatedRoom | undefined>>();
  readonly #recent = new Map<string, { roomId: string; at: number }>();

  constructor(options: RoomCreationOptions) {
    this.#o = options;
  }

  async create(session: Session, name: string, guildId: string): Promise<CreatedRoom> {
    // One create at a time per user: the open-rooms limit check and the double-click check below
    // both need to see the previous create's result.
    const previous = this.#creating.get(session.userId) ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.#createOrReuse(session, name, guildId));
    this.#creating.set(session.userId, run);
    try {
      return await run;
    } finally {
      if (this.#creating.get(session.userId) === run) this.#creating.delete(session.userId);
    }
  }

  async #createOrReuse(session: Session, name: string, guildId: string): Promise<CreatedRoom> {
    const now = this.#o.clock.now();
    for (const [k, v] of this.#recent) if (now - v.at > CREATE_DEDUPE_WINDOW_MS) this.#recent.delete(k);
    const key = `${session.userId}\n${guildId}\n${name}`;
    const recent = this.#recent.get(key);
    if (recent) {
      const room = await this.#o.store.get(recent.roomId);
      if (room) return this.#o.withLinks(room);
    }
    const created = await this.#create(session, name, guildId);
    this.#recent.set(key, { roomId: created.room.id, at: this.#o.clock.now() });
    return created;
  }

  async #create(session: Session, name: string, guildId: string): Promise<CreatedRoom> {
    const open = (await this.#o.store.listForUser(session.userId)).filter((r) => r.creatorId === session.userId);
    if (open.length >= OPEN_ROOMS_PER_USER) {
      throw new AppError('conflict', `You already have ${OPEN_ROOMS_PER_USER} open rooms. Close one to create another.`);
    }
    const id = newRoomId();
    const discord = await this.#o.discordOf(guildId);
    const { roleId, channelId } = await this.#discordCreate(discord, id, name, session.userId);
    const now = this.#o.clock.now();
    let room: Room = {
      id,
      name,
      guildId,
      channelId,
      roleId,
      creatorId: session.userId,
      players: [session.userId],
      spectators: [],
      profiles: { [session.userId]: profileOf(session) },
      // When Discord made the channel: what a read-back after a restart finds (room-in-discord.ts).
      createdAt: snowflakeTime(channelId),
      lastActiveAt: now,
      closingAt: null,
      locked: false,
      linkGeneration: 0,
      barred: [],
    };
    try {
      await this.#o.store.insert(room);
    } catch (error) {
      // Another instance, starting up, may have read this very room back from Discord between our
      // last Discord call and this insert (REDIS_URL): then it is stored, and it is ours.
      const adopted = error instanceof RoomExistsError ? await this.#o.store.get(id) : null;
      if (adopted?.channelId === channelId && adopted.roleId === roleId) room = adopted;
      else return this.#undoUnstored(discord, error, roleId, channelId);
    }
    this.#o.log.info({ roomId: id, channelId, roleId, creatorId: session.userId }, 'room created');
    await this.#o.events.lobbies(room);
    return this.#o.withLinks(room);
  }

  /** The room is not stored, so nothing would ever close it: Discord's side goes now. */
  async #undoUnstored(discord: RoomDiscord, error: unknown, roleId: string, channelId: string): Promise<never> {
    await discord.destroy({ roleId, channelId }).catch((undoError: unknown) => {
      this.#o.log.error({ err: undoError, roleId, channelId }, 'could not undo a room the store refused; it is left in Discord until the next start reconciles it');
    });
    throw error;
  }

  /** The Discord side; a server with no room left is a 503 the create form shows, never a 502. */
  async #discordCreate(discord: RoomDiscord, id: string, name: string, creatorId: string): Promise<RoomResources> {
    try {
      return await discord.create(id, name, creatorId);
    } catch (error) {
      if (!(error instanceof RoomCapacityError)) throw error;
      this.#o.log.warn({ limit: error.limit, detail: error.message, creatorId }, 'room refused: the Discord server is full');
      throw new AppError('unavailable', ROOMS_FULL_MESSAGE, { retryAfterSeconds: ROOMS_FULL_RETRY_AFTER_SECONDS, retryable: true, reason: 'rooms_full', cause: error });
    }
  }
}
