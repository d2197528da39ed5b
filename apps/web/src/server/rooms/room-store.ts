import { randomUUID } from 'node:crypto';
import type { Profile, Room, RoomView } from './room.ts';

export type ParticipantKind = 'player' | 'spectator';
/**
 * `room_locked`, `removed`, `invite_replaced`: the host's controls refused the seat in the same step
 * that would have taken it (invite-check.ts judged the link a moment earlier; a lock, a removal or
 * new links in between must not let one more person in).
 */
export type SeatRefusal = 'room_locked' | 'removed' | 'invite_replaced';
export type AddParticipantResult = 'added' | 'already' | 'full' | 'missing' | SeatRefusal;

/**
 * What a seat is taken with. `{linkGeneration}`: an invite link of that generation; refused when the
 * room's links are of another generation, the user is barred, or the room is locked (a seat the
 * user already has is `already`, lock or not). `given_back`: a seat the user had, restored after a
 * failed role grant (room-seating.ts): only the bar is checked, since the host may have removed them
 * meanwhile.
 */
export type SeatBy = { linkGeneration: number } | 'given_back';

export interface ParticipantLimits {
  players: number;
  /** Players and spectators together. */
  viewers: number;
}

export type RoomPatch = Partial<Pick<Room, 'lastActiveAt' | 'closingAt' | 'name' | 'locked' | 'linkGeneration' | 'barred'>>;

export type SetHostResult = 'set' | 'missing' | 'not_player';

/**
 * Where rooms live: memory in one process, Redis when several run (the scale-out issue). Every
 * method that checks and changes (capacity) is atomic in each implementation; both pass the same
 * contract tests (room-store.contract.ts).
 */
export interface RoomStore {
  /** A copy: the caller may change it. */
  get(id: string): Promise<Room | null>;
  /**
   * Read-only, and not necessarily a copy: this is the Gateway router's per-event lookup, so the
   * memory store hands out its own (frozen) record instead of cloning it for every voice event.
   */
  findByChannel(channelId: string): Promise<RoomView | null>;
  /** The same lookup answered at once: only a store in this process has it (the Gateway's hot path). */
  findByChannelNow?(channelId: string): RoomView | null;
  list(): Promise<Room[]>;
  /** How many rooms are open, without reading them (health, metrics). */
  count(): Promise<number>;
  /** Rooms where the user is creator, player or spectator. */
  listForUser(userId: string): Promise<Room[]>;
  /** Refuses an id already held (RoomExistsError) or closed within the tombstone's day (RoomClosedError). */
  insert(room: Room): Promise<void>;
  /** Adds the user if the link still seats them (SeatBy) and there is room (players and viewers limits), in one atomic step. */
  addParticipant(id: string, userId: string, kind: ParticipantKind, profile: Profile, limits: ParticipantLimits, by: SeatBy): Promise<AddParticipantResult>;
  /** Never the creator (host). `bar`: also remembered among the room's barred users (removed by the host), in the same step. */
  removeParticipant(id: string, userId: string, options?: { bar?: boolean }): Promise<void>;
  /** Hosting passes to a player, atomically: they become the creator and move to the head of the players. */
  setHost(id: string, userId: string): Promise<SetHostResult>;
  update(id: string, patch: RoomPatch): Promise<Room | null>;
  /** Removes the room and leaves a tombstone (so late invites can say "closed"); returns what was removed. */
  delete(id: string, closedAt: number): Promise<Room | null>;
  /** When the room was closed, if it was (tombstones are kept for a day: an invite's lifetime). */
  closedAt(id: string): Promise<number | null>;
  /**
   * The room's control lease (room-host-controls.ts): one host control or leave of a room at a time
   * across every instance. A fresh token, or null while someone else's lease has not expired. Expiry
   * is judged by the app's clock (as tombstones are); nothing needs the room to exist.
   */
  acquireControl(id: string, ttlMs: number): Promise<string | null>;
  /**
   * Still held by `token`: extended to `ttlMs` from now. False once another lease took its place (or
   * it was released): the holder must not write anything more. A lease past its expiry that nobody
   * took is still the holder's (nobody else can have written in between).
   */
  renewControl(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Ends the lease if `token` still holds it; another holder's lease is left alone. */
  releaseControl(id: string, token: string): Promise<void>;
}

export const TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

/** insert() of a room id the store already holds: nothing was written. */
export class RoomExistsError extends Error {
  override readonly name = 'RoomExistsError';
  constructor(readonly roomId: string) {
    super(`room ${roomId} already exists`);
  }
}

/**
 * insert() of a room id whose tombstone is still kept: nothing was written. Another instance closed
 * the room while this one was reading it back from Discord (whose listing still showed it); a
 * closed room never comes back under its id.
 */
export class RoomClosedError extends Error {
  override readonly name = 'RoomClosedError';
  constructor(readonly roomId: string) {
    super(`room ${roomId} was closed`);
  }
}

/**
 * The embedded default (R-SCALE1): one process, nothing survives a restart but Discord itself.
 *
 * Records are immutable: each is deeply frozen when stored, and every change stores a new record
 * (copy on write: rooms change a few times in their life, but are looked up on every voice event).
 * So findByChannel can return the stored record itself, while get/list hand out copies as before.
 */
export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, RoomView>();
  readonly #byChannel = new Map<string, string>();
  /**
   * Room ids per creator, player and spectator: a lobby update reads the rooms of every member of a
   * changed room, which scanned every room per member (at 2,500 rooms, a third of the app's CPU
   * while 10k users joined rooms).
   */
  readonly #byUser = new Map<string, Set<string>>();
  readonly #tombstones = new Map<string, number>();
  readonly #controls = new Map<string, { token: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  async get(id: string): Promise<Room | null> {
    const room = this.#rooms.get(id);
    return room ? copy(room) : null;
  }

  async findByChannel(channelId: string): Promise<RoomView | null> {
    return this.findByChannelNow(channelId);
  }

  findByChannelNow(channelId: string): RoomView | null {
    const id = this.#byChannel.get(channelId);
    return (id && this.#rooms.get(id)) || null;
  }

  async list(): Promise<Room[]> {
    return [...this.#rooms.values()].map(copy);
  }

  async count(): Promise<number> {
    return this.#rooms.size;
  }

  async listForUser(userId: string): Promise<Room[]> {
    const rooms: Room[] = [];
    for (const id of this.#byUser.get(userId) ?? []) {
      const room = this.#rooms.get(id);
      if (room) rooms.push(copy(room));
    }
    return rooms;
  }

  async insert(room: Room): Promise<void> {
    if (this.#rooms.has(room.id)) throw new RoomExistsError(room.id);
    this.#sweepTombstones();
    if (this.#tombstones.has(room.id)) throw new RoomClosedError(room.id);
    const stored = frozen(room);
    this.#rooms.set(room.id, stored);
    this.#byChannel.set(room.channelId, room.id);
    for (const userId of usersOf(stored)) this.#indexUser(userId, room.id);
  }

  async addParticipant(id: string, userId: string, kind: ParticipantKind, profile: Profile, limits: ParticipantLimits, by: SeatBy): Promise<AddParticipantResult> {
    const room = this.#rooms.get(id);
    if (!room) return 'missing';
    const byLink = by !== 'given_back';
    if (byLink && by.linkGeneration !== room.linkGeneration) return 'invite_replaced';
    if (room.barred.includes(userId)) return 'removed';
    // A player is already seated by either kind of link; a spectator only by a spectator link.
    if (room.players.includes(userId) || (kind === 'spectator' && room.spectators.includes(userId))) return 'already';
    if (byLink && room.locked) return 'room_locked';
    if (kind === 'player' && room.players.length >= limits.players) return 'full';
    // A spectator who becomes a player moves lists; the viewer count doesn't grow.
    const wasSpectator = kind === 'player' && room.spectators.includes(userId);
    if (!wasSpectator && room.players.length + room.spectators.length >= limits.viewers) return 'full';
    const spectators = wasSpectator ? room.spectators.filter((u) => u !== userId) : room.spectators;
    this.#rooms.set(
      id,
      frozen({
        ...room,
        players: kind === 'player' ? [...room.players, userId] : [...room.players],
        spectators: kind === 'spectator' ? [...spectators, userId] : [...spectators],
        profiles: { ...room.profiles, [userId]: profile },
      }),
    );
    this.#indexUser(userId, id);
    return 'added';
  }

  async removeParticipant(id: string, userId: string, options: { bar?: boolean } = {}): Promise<void> {
    const room = this.#rooms.get(id);
    if (!room || room.creatorId === userId) return;
    const barred = options.bar && !room.barred.includes(userId) ? [...room.barred, userId] : room.barred;
    this.#rooms.set(
      id,
      frozen({ ...room, players: room.players.filter((u) => u !== userId), spectators: room.spectators.filter((u) => u !== userId), barred }),
    );
    this.#unindexUser(userId, id);
  }

  async setHost(id: string, userId: string): Promise<SetHostResult> {
    const room = this.#rooms.get(id);
    if (!room) return 'missing';
    if (!room.players.includes(userId)) return 'not_player';
    this.#rooms.set(id, frozen({ ...room, creatorId: userId, players: [userId, ...room.players.filter((u) => u !== userId)] }));
    return 'set';
  }

  async update(id: string, patch: RoomPatch): Promise<Room | null> {
    const room = this.#rooms.get(id);
    if (!room) return null;
    const updated = frozen({ ...room, ...patch });
    this.#rooms.set(id, updated);
    return copy(updated);
  }

  async delete(id: string, closedAt: number): Promise<Room | null> {
    const room = this.#rooms.get(id);
    this.#tombstones.set(id, closedAt);
    this.#sweepTombstones();
    if (!room) return null;
    this.#rooms.delete(id);
    this.#byChannel.delete(room.channelId);
    for (const userId of usersOf(room)) this.#unindexUser(userId, id);
    return copy(room);
  }

  async closedAt(id: string): Promise<number | null> {
    this.#sweepTombstones();
    return this.#tombstones.get(id) ?? null;
  }

  async acquireControl(id: string, ttlMs: number): Promise<string | null> {
    const held = this.#controls.get(id);
    if (held && held.expiresAt > this.#now()) return null;
    const token = randomUUID();
    this.#controls.set(id, { token, expiresAt: this.#now() + ttlMs });
    return token;
  }

  async renewControl(id: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.#controls.get(id)?.token !== token) return false;
    this.#controls.set(id, { token, expiresAt: this.#now() + ttlMs });
    return true;
  }

  async releaseControl(id: string, token: string): Promise<void> {
    if (this.#controls.get(id)?.token === token) this.#controls.delete(id);
  }

  #indexUser(userId: string, roomId: string): void {
    const ids = this.#byUser.get(userId);
    if (ids) ids.add(roomId);
    else this.#byUser.set(userId, new Set([roomId]));
  }

  #unindexUser(userId: string, roomId: string): void {
    const ids = this.#byUser.get(userId);
    if (!ids?.delete(roomId)) return;
    if (ids.size === 0) this.#byUser.delete(userId);
  }

  #sweepTombstones(): void {
    const cutoff = this.#now() - TOMBSTONE_TTL_MS;
    for (const [id, at] of this.#tombstones) if (at < cutoff) this.#tombstones.delete(id);
  }
}

/**
 * A deep, frozen copy of `room` (nothing the caller still holds is shared with the store). Room's
 * other fields are primitives; a new object-valued field must be copied here and in `copy`.
 */
function frozen(room: RoomView): RoomView {
  const profiles: Record<string, Readonly<Profile>> = {};
  for (const [userId, p] of Object.entries(room.profiles)) profiles[userId] = Object.freeze({ ...p });
  return Object.freeze({
    ...room,
    players: Object.freeze([...room.players]),
    spectators: Object.freeze([...room.spectators]),
    barred: Object.freeze([...room.barred]),
    profiles: Object.freeze(profiles),
  });
}

/** Everyone listForUser finds the room for: creator, players, spectators. */
function usersOf(room: RoomView): Set<string> {
  return new Set([room.creatorId, ...room.players, ...room.spectators]);
}

/** A mutable deep copy for callers that own their result. */
function copy(room: RoomView): Room {
  const profiles: Record<string, Profile> = {};
  for (const [userId, p] of Object.entries(room.profiles)) profiles[userId] = { ...p };
  return { ...room, players: [...room.players], spectators: [...room.spectators], barred: [...room.barred], profiles };
}
