import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.ts';
import type { Profile, Room } from './room.ts';
import { type AddParticipantResult, type ParticipantKind, type ParticipantLimits, RoomClosedError, RoomExistsError, type RoomPatch, type RoomStore, type SeatBy, type SetHostResult, TOMBSTONE_TTL_MS } from './room-store.ts';

/*
 * Layout (all under the guild's hash tag, see redis-keys.ts):
 *   room:<id>              hash: id, name, guildId, channelId, roleId, creatorId, createdAt, lastActiveAt, closingAt ('' = none),
 *                          locked ('1' | '0'), linkGeneration, barred (JSON array of user ids)
 *   room:<id>:players      list, join order (the creator first)
 *   room:<id>:spectators   list
 *   room:<id>:profiles     hash: user id → JSON profile
 *   rooms                  set of room ids
 *   rooms:by-channel       hash: voice channel id → room id
 *   user-rooms:<userId>    set of the rooms a user created or joined
 *   closed:<id>            tombstone: when the room was closed (expires after a day)
 *   room:<id>:control      the control lease: `<token>|<expires at, app clock>` (Redis's TTL only collects it)
 *
 * Every write is one Lua script, so a room and its indexes never disagree and a capacity check
 * and the seat it grants are one step (two instances cannot both sell the last seat).
 */

// A room as one reply: {hash, players, spectators, profiles} (flat arrays), or false.
const READ_ROOM = `
local function read_room(base, id)
  local key = base .. 'room:' .. id
  local hash = redis.call('HGETALL', key)
  if #hash == 0 then return false end
  return {hash, redis.call('LRANGE', key .. ':players', 0, -1), redis.call('LRANGE', key .. ':spectators', 0, -1), redis.call('HGETALL', key .. ':profiles')}
end
`;

const READ_LUA = `${READ_ROOM}
-- ARGV: 1 base, 2 mode (all | user | channel | id), 3 argument
local base, mode, arg = ARGV[1], ARGV[2], ARGV[3]
local ids
if mode == 'all' then ids = redis.call('SMEMBERS', base .. 'rooms')
elseif mode == 'user' then ids = redis.call('SMEMBERS', base .. 'user-rooms:' .. arg)
elseif mode == 'channel' then
  local id = redis.call('HGET', base .. 'rooms:by-channel', arg)
  ids = id and {id} or {}
else ids = {arg} end
local out = {}
for _, id in ipairs(ids) do
  local room = read_room(base, id)
  if room then out[#out + 1] = room end
end
return out
`;

const INSERT_LUA = `
-- ARGV: 1 base, 2 id, 3 channel id, 4 JSON {f: [field, value, …], p: players, s: spectators, r: [user, profile JSON, …], u: members}, 5 oldest closing time still kept
local base, id = ARGV[1], ARGV[2]
local key = base .. 'room:' .. id
if redis.call('EXISTS', key) == 1 then return 0 end
local closed = redis.call('GET', base .. 'closed:' .. id)
if closed and tonumber(closed) >= tonumber(ARGV[5]) then return -1 end
local room = cjson.decode(ARGV[4])
redis.call('HSET', key, unpack(room.f))
if #room.p > 0 then redis.call('RPUSH', key .. ':players', unpack(room.p)) end
if #room.s > 0 then redis.call('RPUSH', key .. ':spectators', unpack(room.s)) end
if #room.r > 0 then redis.call('HSET', key .. ':profiles', unpack(room.r)) end
redis.call('SADD', base .. 'rooms', id)
redis.call('HSET', base .. 'rooms:by-channel', ARGV[3], id)
for _, user in ipairs(room.u) do redis.call('SADD', base .. 'user-rooms:' .. user, id) end
return 1
`;

const ADD_PARTICIPANT_LUA = `
-- KEYS: 1 room, 2 players, 3 spectators, 4 profiles, 5 user-rooms:<user>
-- ARGV: 1 room id, 2 user id, 3 kind, 4 profile JSON, 5 player limit, 6 viewer limit, 7 the link's generation ('' = a seat given back)
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local user, kind, by_link = ARGV[2], ARGV[3], ARGV[7] ~= ''
-- The host's controls, judged in the same step as the seat (RoomStore.addParticipant, SeatBy).
local state = redis.call('HMGET', KEYS[1], 'linkGeneration', 'barred', 'locked')
if by_link and tonumber(state[1] or '0') ~= tonumber(ARGV[7]) then return 'invite_replaced' end
for _, barred in ipairs(cjson.decode(state[2] or '[]')) do if barred == user then return 'removed' end end
local is_player = redis.call('LPOS', KEYS[2], user) ~= false
local is_spectator = redis.call('LPOS', KEYS[3], user) ~= false
-- A player is already seated by either kind of link; a spectator only by a spectator link.
if is_player or (kind == 'spectator' and is_spectator) then return 'already' end
if by_link and state[3] == '1' then return 'room_locked' end
local players = redis.call('LLEN', KEYS[2])
local spectators = redis.call('LLEN', KEYS[3])
if kind == 'player' and players >= tonumber(ARGV[5]) then return 'full' end
-- A spectator who becomes a player moves lists; the viewer count does not grow.
local was_spectator = kind == 'player' and is_spectator
if not was_spectator and players + spectators >= tonumber(ARGV[6]) then return 'full' end
if was_spectator then redis.call('LREM', KEYS[3], 0, user) end
redis.call('RPUSH', kind == 'player' and KEYS[2] or KEYS[3], user)
redis.call('HSET', KEYS[4], user, ARGV[4])
redis.call('SADD', KEYS[5], ARGV[1])
return 'added'
`;

const REMOVE_PARTICIPANT_LUA = `
-- KEYS: 1 room, 2 players, 3 spectators, 4 user-rooms:<user>; ARGV: 1 room id, 2 user id, 3 '1' to bar them
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'creatorId') == ARGV[2] then return 0 end
redis.call('LREM', KEYS[2], 0, ARGV[2])
redis.call('LREM', KEYS[3], 0, ARGV[2])
redis.call('SREM', KEYS[4], ARGV[1])
if ARGV[3] == '1' then
  local barred = cjson.decode(redis.call('HGET', KEYS[1], 'barred') or '[]')
  local found = false
  for _, user in ipairs(barred) do if user == ARGV[2] then found = true end end
  if not found then
    barred[#barred + 1] = ARGV[2]
    redis.call('HSET', KEYS[1], 'barred', cjson.encode(barred))
  end
end
return 1
`;

const SET_HOST_LUA = `
-- KEYS: 1 room, 2 players; ARGV: 1 user id
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('LPOS', KEYS[2], ARGV[1]) == false then return 'not_player' end
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'creatorId', ARGV[1])
return 'set'
`;

const UPDATE_LUA = `${READ_ROOM}
-- ARGV: 1 base, 2 id, 3… field, value pairs
local key = ARGV[1] .. 'room:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return false end
for i = 3, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
return read_room(ARGV[1], ARGV[2])
`;

const DELETE_LUA = `${READ_ROOM}
-- ARGV: 1 base, 2 id, 3 closed at, 4 tombstone lifetime left (ms)
local base, id = ARGV[1], ARGV[2]
if tonumber(ARGV[4]) > 0 then redis.call('SET', base .. 'closed:' .. id, ARGV[3], 'PX', ARGV[4]) end
local room = read_room(base, id)
if not room then return false end
local key = base .. 'room:' .. id
local hash = room[1]
local channel, creator
for i = 1, #hash, 2 do
  if hash[i] == 'channelId' then channel = hash[i + 1] elseif hash[i] == 'creatorId' then creator = hash[i + 1] end
end
redis.call('DEL', key, key .. ':players', key .. ':spectators', key .. ':profiles')
redis.call('SREM', base .. 'rooms', id)
if channel and redis.call('HGET', base .. 'rooms:by-channel', channel) == id then redis.call('HDEL', base .. 'rooms:by-channel', channel) end
if creator then redis.call('SREM', base .. 'user-rooms:' .. creator, id) end
for _, user in ipairs(room[2]) do redis.call('SREM', base .. 'user-rooms:' .. user, id) end
for _, user in ipairs(room[3]) do redis.call('SREM', base .. 'user-rooms:' .. user, id) end
return room
`;

const ACQUIRE_CONTROL_LUA = `
-- KEYS: 1 lease; ARGV: 1 token, 2 now, 3 expires at, 4 Redis TTL (ms)
local held = redis.call('GET', KEYS[1])
if held then
  local expires = tonumber(string.match(held, '|(%d+)$'))
  if expires and expires > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
`;

const RENEW_CONTROL_LUA = `
-- KEYS: 1 lease; ARGV: 1 token, 2 expires at, 3 Redis TTL (ms)
local held = redis.call('GET', KEYS[1])
if not held or string.sub(held, 1, #ARGV[1] + 1) ~= ARGV[1] .. '|' then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
`;

const RELEASE_CONTROL_LUA = `
-- KEYS: 1 lease; ARGV: 1 token
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then redis.call('DEL', KEYS[1]) end
return 1
`;

/** Redis forgets a lease well after the app's clock has let it go (a lease is judged by the value, not the TTL). */
const controlGcMs = (ttlMs: number) => 2 * ttlMs + 60_000;

type RoomReply = [string[], string[], string[], string[]];

/**
 * Rooms in Redis (R-SCALE2, R-ROOM8): shared by every instance, kept across restarts of any of
 * them. Same interface and the same contract tests as MemoryRoomStore (room-store.contract.ts).
 */
export class RedisRoomStore implements RoomStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** The app's clock: tombstone expiry is judged by it, as in memory (Redis's own TTL only collects garbage). */
    private readonly now: () => number,
  ) {}

  async get(id: string): Promise<Room | null> {
    return (await this.#read('id', id))[0] ?? null;
  }

  async findByChannel(channelId: string): Promise<Room | null> {
    return (await this.#read('channel', channelId))[0] ?? null;
  }

  list(): Promise<Room[]> {
    return this.#read('all', '');
  }

  count(): Promise<number> {
    return this.redis.scard(this.keys.rooms);
  }

  async listForUser(userId: string): Promise<Room[]> {
    const rooms = await this.#read('user', userId);
    return rooms.filter((r) => r.creatorId === userId || r.players.includes(userId) || r.spectators.includes(userId));
  }

  async insert(room: Room): Promise<void> {
    const profiles = Object.entries(room.profiles).flatMap(([userId, profile]) => [userId, JSON.stringify(profile)]);
    const members = [...new Set([room.creatorId, ...room.players, ...room.spectators])];
    const inserted = await this.redis.eval(
      INSERT_LUA,
      0,
      this.keys.roomBase,
      room.id,
      room.channelId,
      JSON.stringify({ f: roomFields(room), p: room.players, s: room.spectators, r: profiles, u: members }),
      String(this.now() - TOMBSTONE_TTL_MS),
    );
    if (inserted === 0) throw new RoomExistsError(room.id);
    if (inserted === -1) throw new RoomClosedError(room.id);
  }

  async addParticipant(id: string, userId: string, kind: ParticipantKind, profile: Profile, limits: ParticipantLimits, by: SeatBy): Promise<AddParticipantResult> {
    const k = this.keys;
    return (await this.redis.eval(
      ADD_PARTICIPANT_LUA,
      5,
      k.room(id),
      k.roomPlayers(id),
      k.roomSpectators(id),
      k.roomProfiles(id),
      k.userRooms(userId),
      id,
      userId,
      kind,
      JSON.stringify(profile),
      String(limits.players),
      String(limits.viewers),
      by === 'given_back' ? '' : String(by.linkGeneration),
    )) as AddParticipantResult;
  }

  async removeParticipant(id: string, userId: string, options: { bar?: boolean } = {}): Promise<void> {
    const k = this.keys;
    await this.redis.eval(REMOVE_PARTICIPANT_LUA, 4, k.room(id), k.roomPlayers(id), k.roomSpectators(id), k.userRooms(userId), id, userId, options.bar ? '1' : '0');
  }

  async setHost(id: string, userId: string): Promise<SetHostResult> {
    return (await this.redis.eval(SET_HOST_LUA, 2, this.keys.room(id), this.keys.roomPlayers(id), userId)) as SetHostResult;
  }

  async update(id: string, patch: RoomPatch): Promise<Room | null> {
    const pairs: string[] = [];
    if (patch.lastActiveAt !== undefined) pairs.push('lastActiveAt', String(patch.lastActiveAt));
    if (patch.closingAt !== undefined) pairs.push('closingAt', patch.closingAt === null ? '' : String(patch.closingAt));
    if (patch.name !== undefined) pairs.push('name', patch.name);
    if (patch.locked !== undefined) pairs.push('locked', patch.locked ? '1' : '0');
    if (patch.linkGeneration !== undefined) pairs.push('linkGeneration', String(patch.linkGeneration));
    if (patch.barred !== undefined) pairs.push('barred', JSON.stringify(patch.barred));
    const reply = (await this.redis.eval(UPDATE_LUA, 0, this.keys.roomBase, id, ...pairs)) as RoomReply | null;
    return reply ? toRoom(reply) : null;
  }

  async delete(id: string, closedAt: number): Promise<Room | null> {
    const lifetimeLeftMs = closedAt + TOMBSTONE_TTL_MS - this.now();
    const reply = (await this.redis.eval(DELETE_LUA, 0, this.keys.roomBase, id, String(closedAt), String(Math.max(0, Math.ceil(lifetimeLeftMs))))) as RoomReply | null;
    return reply ? toRoom(reply) : null;
  }

  async closedAt(id: string): Promise<number | null> {
    const raw = await this.redis.get(this.keys.tombstone(id));
    if (raw === null) return null;
    const at = Number(raw);
    return at < this.now() - TOMBSTONE_TTL_MS ? null : at;
  }

  async acquireControl(id: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const now = this.now();
    const taken = await this.redis.eval(ACQUIRE_CONTROL_LUA, 1, this.#controlKey(id), token, String(now), String(now + ttlMs), String(controlGcMs(ttlMs)));
    return taken === 1 ? token : null;
  }

  async renewControl(id: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW_CONTROL_LUA, 1, this.#controlKey(id), token, String(this.now() + ttlMs), String(controlGcMs(ttlMs)))) === 1;
  }

  async releaseControl(id: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_CONTROL_LUA, 1, this.#controlKey(id), token);
  }

  /** Beside the room's own keys (same hash tag), not one of them: a lease outlives nothing but itself. */
  #controlKey(id: string): string {
    return `${this.keys.room(id)}:control`;
  }

  async #read(mode: 'all' | 'user' | 'channel' | 'id', arg: string): Promise<Room[]> {
    const replies = (await this.redis.eval(READ_LUA, 0, this.keys.roomBase, mode, arg)) as RoomReply[];
    return replies.map(toRoom);
  }
}

function roomFields(room: Room): string[] {
  return [
    'id',
    room.id,
    'name',
    room.name,
    'guildId',
    room.guildId,
    'channelId',
    room.channelId,
    'roleId',
    room.roleId,
    'creatorId',
    room.creatorId,
    'createdAt',
    String(room.createdAt),
    'lastActiveAt',
    String(room.lastActiveAt),
    'closingAt',
    room.closingAt === null ? '' : String(room.closingAt),
    'locked',
    room.locked ? '1' : '0',
    'linkGeneration',
    String(room.linkGeneration),
    'barred',
    JSON.stringify(room.barred),
  ];
}

function pairsOf(flat: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}

function toRoom([hashFlat, players, spectators, profilesFlat]: RoomReply): Room {
  const h = pairsOf(hashFlat);
  const field = (name: string) => h.get(name) ?? '';
  const profiles: Record<string, Profile> = {};
  for (const [userId, json] of pairsOf(profilesFlat)) profiles[userId] = JSON.parse(json) as Profile;
  const closingAt = field('closingAt');
  return {
    id: field('id'),
    name: field('name'),
    guildId: field('guildId'),
    channelId: field('channelId'),
    roleId: field('roleId'),
    creatorId: field('creatorId'),
    players,
    spectators,
    profiles,
    createdAt: Number(field('createdAt')),
    lastActiveAt: Number(field('lastActiveAt')),
    closingAt: closingAt === '' ? null : Number(closingAt),
    // Rooms stored before host controls existed have none of these: unlocked, generation 0, nobody barred.
    locked: field('locked') === '1',
    linkGeneration: Number(field('linkGeneration') || '0'),
    barred: h.has('barred') ? parseBarred(field('barred')) : [],
  };
}

const Barred = z.array(z.string());

/** The `barred` field as stored (a JSON array of user ids), checked: a bad value is an error naming the field, not a wrong room. */
function parseBarred(stored: string): string[] {
  const parsed = Barred.safeParse(JSON.parse(stored));
  if (!parsed.success) throw new Error(`room field "barred" is not a JSON array of user ids: ${parsed.error.message}`);
  return parsed.data;
}
