import type { CachedChannel, GatewayDomainEvent, MemberProfile, CachedVoiceState, VoiceStateView } from '@repo/discord-gateway';
import type { Redis } from 'ioredis';
import type { Logger } from '@repo/platform';
import { z } from 'zod';
import { BUS_LUA_PRELUDE, type FenceVerdict, fenceArgs, messageBody } from '../redis/bus-lua.ts';
import { currentFence, StaleGatewayHolderError } from './gateway-fence.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';

/** The bus topic voice-state changes travel on (reserved: never delivered to browsers). */
export const VOICE_TOPIC = '~voice';

/** A message of the ordered channel as the view reads it: its position and what the writer sent. */
export interface VoiceFeedMessage {
  g: number;
  p: unknown;
}

/**
 * What the view follows (the Redis event bus is one): the messages on VOICE_TOPIC in channel order,
 * and the resyncs, which hold delivery while the view reloads the hash.
 */
export interface VoiceFeed {
  onInternal(topic: string, handler: (message: VoiceFeedMessage) => void): unknown;
  onResync(hook: () => Promise<void>): unknown;
}

const VOICE_LUA = `${BUS_LUA_PRELUDE}
-- KEYS: 1 position, 2 log, 3 lease, 4 marker, 5 fenced counter, 6 voice hash, 7 voice session, 8 undo
-- ARGV: 1 channel, 2 sharded, 3-7 fence, 8 log length, 9 op, 10 body, 11… op arguments
--       (reset: 11 the Gateway session the copy belongs to, 12 the guild, then user id / member pairs)
local verdict = fence_check(KEYS[3], KEYS[4], KEYS[5], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
if verdict ~= 'ok' then return verdict end
local op = ARGV[9]
if op == 'set' or op == 'del' then
  -- The last write's position and what it replaced: see takeoverSeed().
  if ARGV[4] ~= '' then
    local before = redis.call('HGET', KEYS[6], ARGV[11]) or ''
    redis.call('SET', KEYS[8], ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[6] .. '|' .. ARGV[7] .. '\\n' .. ARGV[11] .. '\\n' .. before)
  end
  if op == 'set' then redis.call('HSET', KEYS[6], ARGV[11], ARGV[12]) else redis.call('HDEL', KEYS[6], ARGV[11]) end
else
  -- A copy replaces one guild's entries only: other guilds (other shards) keep theirs.
  local all = redis.call('HGETALL', KEYS[6])
  for i = 1, #all, 2 do
    local ok, member = pcall(cjson.decode, all[i + 1])
    if not ok or type(member) ~= 'table' or member.guildId == ARGV[12] then redis.call('HDEL', KEYS[6], all[i]) end
  end
  redis.call('DEL', KEYS[8])
  for i = 13, #ARGV, 2 do redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1]) end
  if ARGV[11] == '' then redis.call('HDEL', KEYS[7], ARGV[12]) else redis.call('HSET', KEYS[7], ARGV[12], ARGV[11]) end
end
emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], 'null', ARGV[10], ARGV[8])
return 'ok'
`;

const LOAD_LUA = `return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2])}`;

/** KEYS: 1 stored Gateway session, 2 voice session (guild → session), 3 voice hash, 4 replay marker, 5 undo. */
const TAKEOVER_LUA = `return {redis.call('GET', KEYS[1]) or '', redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('GET', KEYS[4]) or '', redis.call('GET', KEYS[5]) or ''}`;

const nullableString = z.string().nullable();
/** A member as stored in the `voice` hash (read back at every load and takeover: checked, not trusted). */
const StoredVoiceMember = z.object({
  guildId: z.string(),
  channelId: z.string(),
  userId: z.string(),
  username: nullableString,
  globalName: nullableString,
  nick: nullableString,
  displayName: nullableString,
  avatar: nullableString,
  guildAvatar: nullableString,
  selfMute: z.boolean(),
  selfDeaf: z.boolean(),
  mute: z.boolean(),
  deaf: z.boolean(),
  selfStream: z.boolean(),
  selfVideo: z.boolean(),
  suppress: z.boolean(),
}) satisfies z.ZodType<CachedVoiceState>;

function parseVoiceMember(raw: string): CachedVoiceState | null {
  try {
    const parsed = StoredVoiceMember.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The members of an HGETALL of the `voice` hash (user id, JSON, …); `unreadable` hears of entries that do not parse. */
function voiceHashMembers(flat: readonly string[], unreadable: (userId: string) => void = () => undefined): CachedVoiceState[] {
  const members: CachedVoiceState[] = [];
  for (let i = 1; i < flat.length; i += 2) {
    const member = parseVoiceMember(flat[i]!);
    if (member) members.push(member);
    else unreadable(flat[i - 1]!);
  }
  return members;
}

const MEMBER_FIELDS = Object.keys(StoredVoiceMember.shape) as Array<keyof CachedVoiceState>;

type VoiceOp =
  | { op: 'set'; member: CachedVoiceState }
  | { op: 'del'; guildId: string; userId: string }
  | { op: 'reset'; guildId: string; sessionId: string | null; members: CachedVoiceState[] };

/**
 * A voice message's payload as the view reads it off the bus: checked, not trusted, since anything
 * that can write to the channel (an older instance mid-deploy, a broken writer) reaches every view.
 */
const VoiceOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), member: StoredVoiceMember }),
  z.object({ op: z.literal('del'), guildId: z.string(), userId: z.string() }),
  z.object({ op: z.literal('reset'), guildId: z.string(), sessionId: nullableString, members: z.array(StoredVoiceMember) }),
]) satisfies z.ZodType<VoiceOp>;

/**
 * A member's field in the `voice` hash: per guild, since one user (a bot, or the emulator's forced
 * states) can be in voice in two guilds at once, each on its own shard.
 */
export function voiceField(guildId: string, userId: string): string {
  return `${guildId}/${userId}`;
}

/** A domain event carries the member plus event metadata; the copy keeps the member only. */
export function voiceMemberOf(source: CachedVoiceState): CachedVoiceState {
  const member = {} as Record<string, unknown>;
  for (const field of MEMBER_FIELDS) member[field] = source[field];
  return member as unknown as CachedVoiceState;
}

/**
 * The Gateway holder's side: every voice change goes to Redis (the `voice` hash) and onto the bus
 * in one script, fenced like any Gateway-driven publish. It is issued before the room event that
 * describes the change (same connection, so Redis runs them in that order): whoever reads the
 * voice state after seeing a room event sees the change.
 */
export class RedisVoiceStateWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly origin: string,
    private readonly sharded: boolean,
    private readonly logLength: number,
  ) {}

  /** The voice part of a Gateway event, if it has one; to be called inside the event's fence. */
  record(event: GatewayDomainEvent): Promise<void> | null {
    switch (event.type) {
      case 'voice.joined':
      case 'voice.updated':
        return this.#write({ op: 'set', member: voiceMemberOf(event) });
      case 'voice.left':
        return this.#write({ op: 'del', guildId: event.guildId, userId: event.userId });
      default:
        return null;
    }
  }

  /**
   * Everyone in voice, as the holder's cache has it (after every GUILD_CREATE snapshot, and after
   * Redis comes back), and the Gateway session that cache follows.
   */
  replace(guildId: string, sessionId: string | null, members: Iterable<CachedVoiceState>): Promise<void> {
    return this.#write({ op: 'reset', guildId, sessionId, members: [...members].map(voiceMemberOf) });
  }

  /**
   * For an instance about to take the Gateway over: what the previous holder published, per guild,
   * if it belongs to the stored session (so a RESUME's replay continues exactly from it). Null
   * when there is no stored session, or the copy was never made for it (the holder died between
   * its READY and its first copy): then the new holder must identify for a snapshot.
   */
  async takeoverSeed(shardId: number): Promise<Map<string, CachedVoiceState[]> | null> {
    const [session, copies, flat, marker, undo] = (await this.redis.eval(
      TAKEOVER_LUA,
      5,
      this.keys.gatewaySession(shardId),
      this.keys.voiceSession,
      this.keys.voice,
      this.keys.gatewayMarker(shardId),
      this.keys.voiceUndo(shardId),
    )) as [string, string[], string[], string, string];
    if (!session) return null;
    let sessionId: unknown;
    try {
      sessionId = (JSON.parse(session) as { sessionId?: unknown }).sessionId;
    } catch {
      return null;
    }
    // Guilds whose last full copy was made for the stored session (an empty one too: nobody in voice).
    const seed = new Map<string, CachedVoiceState[]>();
    for (let i = 0; i + 1 < copies.length; i += 2) if (copies[i + 1] === sessionId) seed.set(copies[i]!, []);
    if (seed.size === 0) return null;
    for (const member of voiceHashMembers(flat)) seed.get(member.guildId)?.push(member);
    // The previous holder's last publish was a voice write: it died before the room events of that
    // change went out. Seed with the state before it, so the replay derives that change again and
    // its room events go out (its voice write is dropped as a replay; the hash already has it).
    const [at, field, before] = undo.split('\n');
    if (marker !== '' && at === marker && field) {
      for (const members of seed.values()) {
        const i = members.findIndex((m) => voiceField(m.guildId, m.userId) === field);
        if (i >= 0) members.splice(i, 1);
      }
      const previous = before ? parseVoiceMember(before) : null;
      if (previous) seed.get(previous.guildId)?.push(previous);
    }
    return seed;
  }

  async #write(op: VoiceOp): Promise<void> {
    const fence = currentFence();
    const publishNumber = fence ? fence.publishes++ : 0;
    const args: string[] =
      op.op === 'set'
        ? [voiceField(op.member.guildId, op.member.userId), JSON.stringify(op.member)]
        : op.op === 'del'
          ? [voiceField(op.guildId, op.userId)]
          : [op.sessionId ?? '', op.guildId, ...op.members.flatMap((m) => [voiceField(m.guildId, m.userId), JSON.stringify(m)])];
    const verdict = (await this.redis.eval(
      VOICE_LUA,
      8,
      this.keys.busPosition,
      this.keys.busLog,
      this.keys.gatewayLease(fence?.shardId ?? 0),
      this.keys.gatewayMarker(fence?.shardId ?? 0),
      this.keys.gatewayFenced,
      this.keys.voice,
      this.keys.voiceSession,
      this.keys.voiceUndo(fence?.shardId ?? 0),
      this.keys.busChannel,
      this.sharded ? '1' : '0',
      ...fenceArgs(fence, publishNumber),
      String(this.logLength),
      op.op,
      messageBody(this.origin, fence, VOICE_TOPIC, op.op, op),
      ...args,
    )) as FenceVerdict;
    if (verdict === 'stale') throw new StaleGatewayHolderError(fence?.token ?? 0);
  }
}

interface GuildVoice {
  byUser: Map<string, CachedVoiceState>;
  byChannel: Map<string, Map<string, CachedVoiceState>>;
}

/**
 * Every instance's answer to "who is in voice where" (R-SCALE2): a copy of the Redis `voice` hash
 * kept in memory and moved forward by the voice messages on the bus, in channel order. So it is
 * never behind the room events this instance has delivered, and RoomService.snapshot() (which
 * reads the bus's currentSeq first, a barrier) sees every change up to the snapshot's seq. It is
 * never this instance's own Gateway cache, which is empty or stale on a standby.
 */
export class RedisVoiceView implements VoiceStateView {
  readonly #guilds = new Map<string, GuildVoice>();
  /** Position of the hash load: voice messages at or below it are already in. */
  #loadedAt = 0;
  #loaded = false;

  private constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly log: Logger,
  ) {}

  /** Loads the hash and follows the bus; call before the bus delivers anything else (bus.onResync runs at its baseline). */
  static attach(feed: VoiceFeed, redis: Redis, keys: RedisKeys, log: Logger): RedisVoiceView {
    const view = new RedisVoiceView(redis, keys, log);
    feed.onInternal(VOICE_TOPIC, (message) => view.#apply(message));
    feed.onResync(async () => view.#load());
    return view;
  }

  guildIds(): string[] {
    return [...this.#guilds.keys()];
  }

  isReady(_guildId: string): boolean {
    return this.#loaded;
  }

  membersIn(guildId: string, channelId: string): ReadonlyMap<string, CachedVoiceState> {
    return this.#guilds.get(guildId)?.byChannel.get(channelId) ?? new Map<string, CachedVoiceState>();
  }

  channelOf(guildId: string, userId: string): string | null {
    return this.#guilds.get(guildId)?.byUser.get(userId)?.channelId ?? null;
  }

  voiceStateOf(guildId: string, userId: string): CachedVoiceState | null {
    return this.#guilds.get(guildId)?.byUser.get(userId) ?? null;
  }

  voiceStates(guildId: string): ReadonlyMap<string, CachedVoiceState> {
    return this.#guilds.get(guildId)?.byUser ?? new Map<string, CachedVoiceState>();
  }

  /** Channels are not mirrored (nothing outside the holder asks); rooms know their own channel. */
  channel(_guildId: string, _channelId: string): CachedChannel | null {
    return null;
  }

  /** Profiles of people in voice only. */
  member(guildId: string, userId: string): MemberProfile | null {
    return this.voiceStateOf(guildId, userId);
  }

  async #load(): Promise<void> {
    const [position, flat] = (await this.redis.eval(LOAD_LUA, 2, this.keys.busPosition, this.keys.voice)) as [string, string[]];
    this.#guilds.clear();
    const unreadable = (userId: string) => this.log.warn({ userId }, 'ignored an unreadable voice state in Redis');
    for (const member of voiceHashMembers(flat, unreadable)) this.#set(member);
    this.#loadedAt = Number(position);
    this.#loaded = true;
  }

  #apply(message: VoiceFeedMessage): void {
    if (message.g <= this.#loadedAt) return;
    const parsed = VoiceOp.safeParse(message.p);
    if (!parsed.success) {
      // Dropped like any malformed bus message: the view misses that one change until the hash is
      // next loaded (a resync), which beats applying half a member or wiping a guild.
      this.log.error({ position: message.g, issue: parsed.error.issues[0]?.message }, 'malformed voice state message on the event bus ignored');
      return;
    }
    const op = parsed.data;
    if (op.op === 'set') this.#set(op.member);
    else if (op.op === 'del') this.#delete(op.guildId, op.userId);
    else {
      this.#guilds.delete(op.guildId);
      for (const member of op.members) this.#set(member);
    }
  }

  #guild(guildId: string): GuildVoice {
    let guild = this.#guilds.get(guildId);
    if (!guild) {
      guild = { byUser: new Map(), byChannel: new Map() };
      this.#guilds.set(guildId, guild);
    }
    return guild;
  }

  #set(member: CachedVoiceState): void {
    this.#delete(member.guildId, member.userId);
    const guild = this.#guild(member.guildId);
    guild.byUser.set(member.userId, member);
    const channel = guild.byChannel.get(member.channelId) ?? new Map<string, CachedVoiceState>();
    channel.set(member.userId, member);
    guild.byChannel.set(member.channelId, channel);
  }

  #delete(guildId: string, userId: string): void {
    const guild = this.#guilds.get(guildId);
    const before = guild?.byUser.get(userId);
    if (!guild || !before) return;
    guild.byUser.delete(userId);
    const channel = guild.byChannel.get(before.channelId);
    channel?.delete(userId);
    if (channel?.size === 0) guild.byChannel.delete(before.channelId);
  }
}
