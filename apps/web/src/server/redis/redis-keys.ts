/**
 * Every Redis key and channel of one deployment, in one place.
 *
 * All names share a hash tag, `{<scope>}`, where the scope is the Discord guild: the Lua scripts
 * touch several keys at once (a room's hash, its lists and the indexes; a publish's sequence, log,
 * lease and marker), and a hash tag keeps them in one slot, which a Redis Cluster requires of a
 * script. One guild per slot is also the unit of sharded pub/sub (SPUBLISH), see specs/scale-out.md.
 */
export class RedisKeys {
  readonly #base: string;

  /**
   * @param prefix  REDIS_KEY_PREFIX (`sr:` by default): lets deployments and test runs share a Redis.
   * @param scope   the guild id (`embedded` when the app runs its own emulator).
   */
  constructor(
    readonly prefix: string,
    readonly scope: string,
  ) {
    this.#base = `${prefix}{${scope}}:`;
  }

  /** Every key of this deployment matches this pattern (tests delete them with it). */
  get pattern(): string {
    return `${this.#base}*`;
  }

  // ---- event bus --------------------------------------------------------------------------------
  /** The one pub/sub channel of the guild: every topic of every room travels on it, in order. */
  get busChannel(): string {
    return `${this.#base}bus`;
  }
  /** Position of the last message published on the channel (a global, gap-free counter). */
  get busPosition(): string {
    return `${this.#base}bus:pos`;
  }
  /** Random id of this Redis dataset: it changes when Redis loses its data. */
  get busEpoch(): string {
    return `${this.#base}bus:epoch`;
  }
  /** The last few thousand messages, so a subscriber that reconnects can fill its gap. */
  get busLog(): string {
    return `${this.#base}bus:log`;
  }
  /** Per-topic sequence (room topics). */
  seq(topic: string): string {
    return `${this.#base}seq:${topic}`;
  }
  /** The last payload of each event on a retained topic (`all`: the Gateway status). */
  retained(topic: string): string {
    return `${this.#base}retained:${topic}`;
  }

  // ---- voice ------------------------------------------------------------------------------------
  /** `<guild id>/<user id>` → JSON CachedVoiceState: who is in voice where, as the shards' holders last saw it. */
  get voice(): string {
    return `${this.#base}voice`;
  }

  /** Guild id → the Gateway session its voice state was last copied from in whole (a takeover seeds from a copy of the stored session only). */
  get voiceSession(): string {
    return `${this.#base}voice:session`;
  }

  /** Per shard: `<marker of the shard's last voice write>\n<user id>\n<the member it replaced, or empty>`: lets a takeover undo a write whose room events never went out. */
  voiceUndo(shardId: number): string {
    return `${this.#base}voice:undo:${shardId}`;
  }

  // ---- gateway ----------------------------------------------------------------------------------
  /** The shard's lease: `<instance>|<fencing token>` (specs/sharding.md). */
  gatewayLease(shardId: number): string {
    return `${this.#base}gw:lease:${shardId}`;
  }
  get gatewayFence(): string {
    return `${this.#base}gw:fence`;
  }
  /** Per shard: `sessionId|sequence|index|publish` of its last Gateway-driven publish: replays at or below it are dropped. */
  gatewayMarker(shardId: number): string {
    return `${this.#base}gw:marker:${shardId}`;
  }
  /** Live instances: a sorted set, instance id → when its heartbeat lapses (Redis time, ms). */
  get gatewayInstances(): string {
    return `${this.#base}gw:instances`;
  }
  /** Shard id → its state as its holder last reported it (health, the cluster's Gateway status). */
  get gatewayShardStates(): string {
    return `${this.#base}gw:shard-states`;
  }
  /** One IDENTIFY per identify-concurrency bucket per 5 s, across instances (`shard_id % max_concurrency`). */
  gatewayIdentify(bucket: number): string {
    return `${this.#base}gw:identify:${bucket}`;
  }
  /** How many publishes a stale holder attempted (fencing rejections), for operators and tests. */
  get gatewayFenced(): string {
    return `${this.#base}gw:fenced`;
  }
  gatewaySession(shardId: number): string {
    return `${this.#base}gw:session:${shardId}`;
  }

  // ---- rooms ------------------------------------------------------------------------------------
  room(id: string): string {
    return `${this.#base}room:${id}`;
  }
  roomPlayers(id: string): string {
    return `${this.#base}room:${id}:players`;
  }
  roomSpectators(id: string): string {
    return `${this.#base}room:${id}:spectators`;
  }
  roomProfiles(id: string): string {
    return `${this.#base}room:${id}:profiles`;
  }
  get rooms(): string {
    return `${this.#base}rooms`;
  }
  get roomsByChannel(): string {
    return `${this.#base}rooms:by-channel`;
  }
  userRooms(userId: string): string {
    return `${this.#base}user-rooms:${userId}`;
  }
  tombstone(id: string): string {
    return `${this.#base}closed:${id}`;
  }
  /** Key prefix the room scripts build per-room and per-user keys from (they learn ids at run time). */
  get roomBase(): string {
    return this.#base;
  }

  // ---- sign-in ----------------------------------------------------------------------------------
  /** Who is refreshing the Discord token whose refresh token hashes to `hash` (never the token itself). */
  refreshClaim(hash: string): string {
    return `${this.#base}refresh:${hash}:claim`;
  }
  /** The sealed outcome of that refresh, for the instances that waited. */
  refreshOutcome(hash: string): string {
    return `${this.#base}refresh:${hash}:outcome`;
  }
  /** A sign-in ended by logout (its session id, never the cookie), until the sign-in would have ended. */
  revokedSession(sid: string): string {
    return `${this.#base}revoked:${sid}`;
  }
  /** The ids of everyone who has signed in to the site (the voice list's "not a player" mark). */
  siteUsers(): string {
    return `${this.#base}site-users`;
  }

  // ---- servers (guilds) -------------------------------------------------------------------------
  /** Guild id → JSON KnownGuild: the servers the bot is in, as the Gateway's shard holders saw them. */
  get guildRegistry(): string {
    return `${this.#base}guilds`;
  }
  /** Guild id → JSON GuildSettings: what each server's admins set. */
  get guildSettings(): string {
    return `${this.#base}guild-settings`;
  }

  // ---- jobs and limits --------------------------------------------------------------------------
  lock(name: string): string {
    return `${this.#base}lock:${name}`;
  }
  rateLimitBucket(bucket: string): string {
    return `${this.#base}rl:${bucket}`;
  }
  rateLimitInFlight(bucket: string): string {
    return `${this.#base}rl:${bucket}:inflight`;
  }
  get rateLimitGlobal(): string {
    return `${this.#base}rl:global`;
  }
}
