import type { Clock, Logger } from '@repo/platform';
import type { GatewayTuning } from './defaults.ts';
import type { CachedVoiceState } from './events.ts';
import type { SessionInfoStore } from './session-info-store.ts';
import type { ShardShared } from './shard-parts.ts';

export interface DiscordGatewayClientOptions {
  token: string;
  /** The guild(s) whose voice presence is cached; dispatches for other guilds are ignored. Empty = all. */
  guildIds: string | readonly string[];
  /** Discord's API root (default https://discord.com/api); the emulator's is `${url}/api`. */
  restBaseUrl?: string;
  logger?: Logger;
  clock?: Clock;
  /** Resume state between connections (default: in memory); a Redis store lets another instance resume. */
  sessionStore?: SessionInfoStore;
  tuning?: Partial<Omit<GatewayTuning, 'restBaseUrl'>>;
  /** This client's shard (default `{ id: 0, count: 1 }`): Discord sends it only its guilds' dispatches. */
  shard?: { id: number; count: number };
  /** What the shards of one bot share (ShardedGateway builds it): one cache, identify budget and identify throttle. */
  shared?: ShardShared;
}

/** How start() learns that another process may have held the Gateway since this one last did. */
export interface GatewayStartOptions {
  /**
   * Set when the session store is shared and this process (re)gains the Gateway (R-SCALE2): the
   * stored session is read afresh and this process's cache is treated as out of date.
   * `voice` is what the previous holder last published, per guild, for the stored session: it
   * becomes the cache's snapshot, so the dispatches Discord replays on RESUME apply on top of it as
   * ordinary events. When it is null the client resumes, then identifies afresh for a snapshot and
   * emits the difference from what it kept.
   */
  takeover?: { voice: ReadonlyMap<string, Iterable<CachedVoiceState>> | null };
}
