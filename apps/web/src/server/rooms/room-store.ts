import type { Profile, Room } from './room.ts';

export type ParticipantKind = 'player' | 'spectator';
export type AddParticipantResult = 'added' | 'already' | 'full' | 'missing';

export interface ParticipantLimits {
  players: number;
  /** Players and spectators together. */
  viewers: number;
}

export type RoomPatch = Partial<Pick<Room, 'lastActiveAt' | 'closingAt'>>;

/**
 * Where rooms live: memory in one process, Redis when several run (the scale-out issue). Every
 * method that checks and changes (capacity) is atomic in each implementation; both pass the same
 * contract tests (room-store.contract.ts).
 */
export interface RoomStore {
  get(id: string): Promise<Room | null>;
  findByChannel(channelId: string): Promise<Room | null>;
  list(): Promise<Room[]>;
  /** How many rooms are open, without reading them (health, metrics). */
  count(): Promise<number>;
  /** Rooms where the user is creator, player or spectator. */
  listForUser(userId: string): Promise<Room[]>;
  insert(room: Room): Promise<void>;
  /** Adds the user if there is room (players and viewers limits), atomically. */
  addParticipant(id: string, userId: string, kind: ParticipantKind, profile: Profile, limits: ParticipantLimits): Promise<AddParticipantResult>;
  removeParticipant(id: string, userId: string): Promise<void>;
  update(id: string, patch: RoomPatch): Promise<Room | null>;
  /** Removes the room and leaves a tombstone (so late invites can say "closed"); returns what was removed. */
  delete(id: string, closedAt: number): Promise<Room | null>;
  /** When the room was closed, if it was (tombstones are kept for a day: an invite's lifetime). */
  closedAt(id: string): Promise<number | null>;
}

export const TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

/** The embedded default (R-SCALE1): one process, nothing survives a restart but Discord itself. */
export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, Room>();
  readonly #byChannel = new Map<string, string>();
  readonly #tombstones = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  async get(id: string): Promise<Room | null> {
    return clone(this.#rooms.get(id));
  }

  async findByChannel(channelId: string): Promise<Room | null> {
    const id = this.#byChannel.get(channelId);
    return id ? clone(this.#rooms.get(id)) : null;
  }

  async list(): Promise<Room[]> {
    return [...this.#rooms.values()].map((r) => structuredClone(r));
  }

  async count(): Promise<number> {
    return this.#rooms.size;
  }

  async listForUser(userId: string): Promise<Room[]> {
    return [...this.#rooms.values()]
      .filter((r) => r.creatorId === userId || r.players.includes(userId) || r.spectators.includes(userId))
      .map((r) => structuredClone(r));
  }

  async insert(room: Room): Promise<void> {
    if (this.#rooms.has(room.id)) throw new Error(`room ${room.id} already exists`);
    this.#rooms.set(room.id, structuredClone(room));
    this.#byChannel.set(room.channelId, room.id);
  }

  async addParticipant(id: string, userId: string, kind: ParticipantKind, profile: Profile, limits: ParticipantLimits): Promise<AddParticipantResult> {
    const room = this.#rooms.get(id);
    if (!room) return 'missing';
    const list = kind === 'player' ? room.players : room.spectators;
    if (list.includes(userId)) return 'already';
    if (kind === 'player' && room.players.length >= limits.players) return 'full';
    // A spectator who becomes a player moves lists; the viewer count doesn't grow.
    const wasSpectator = kind === 'player' && room.spectators.includes(userId);
    if (!wasSpectator && room.players.length + room.spectators.length >= limits.viewers) return 'full';
    if (kind === 'spectator' && room.players.includes(userId)) return 'already';
    if (wasSpectator) room.spectators = room.spectators.filter((u) => u !== userId);
    list.push(userId);
    room.profiles[userId] = { ...profile };
    return 'added';
  }

  async removeParticipant(id: string, userId: string): Promise<void> {
    const room = this.#rooms.get(id);
    if (!room || room.creatorId === userId) return;
    room.players = room.players.filter((u) => u !== userId);
    room.spectators = room.spectators.filter((u) => u !== userId);
  }

  async update(id: string, patch: RoomPatch): Promise<Room | null> {
    const room = this.#rooms.get(id);
    if (!room) return null;
    Object.assign(room, patch);
    return structuredClone(room);
  }

  async delete(id: string, closedAt: number): Promise<Room | null> {
    const room = this.#rooms.get(id);
    this.#tombstones.set(id, closedAt);
    this.#sweepTombstones();
    if (!room) return null;
    this.#rooms.delete(id);
    this.#byChannel.delete(room.channelId);
    return room;
  }

  async closedAt(id: string): Promise<number | null> {
    this.#sweepTombstones();
    return this.#tombstones.get(id) ?? null;
  }

  #sweepTombstones(): void {
    const cutoff = this.#now() - TOMBSTONE_TTL_MS;
    for (const [id, at] of this.#tombstones) if (at < cutoff) this.#tombstones.delete(id);
  }
}

function clone(room: Room | undefined): Room | null {
  return room ? structuredClone(room) : null;
}
