import type { Clock, Logger } from '@repo/platform';
import { GatewayDispatchEvents, type GatewayDispatchPayload } from 'discord-api-types/v10';
import type { z } from 'zod';
import {
  channelSchema,
  guildCreateSchema,
  guildDeleteSchema,
  guildMemberAddSchema,
  guildMemberRemoveSchema,
  guildMemberUpdateSchema,
  guildRoleDeleteSchema,
  guildRoleSchema,
  readySchema,
  voiceStateSchema,
} from './discord-payloads.ts';
import type { DomainChange, EventSource, GatewayDomainEvent } from './events.ts';
import type { VoiceStateCache } from './voice-state-cache.ts';
import { parseVoiceState } from './voice-state-parse.ts';

const MODULE = 'Gateway';

export interface DispatchHandlerOptions {
  cache: VoiceStateCache;
  /** The guilds whose dispatches count; empty = all. */
  guildFilter: ReadonlySet<string>;
  logger: Logger;
  clock: Clock;
  /** The shard these dispatches arrive on (stamped on every event). */
  shardId: number;
  /** Receives each domain event, in dispatch order, after the cache holds what it describes. */
  emit: (event: GatewayDomainEvent) => void;
}

/**
 * Dispatches → cache → domain events (R-GW2, R-GW3): parses the payload fields the cache relies on,
 * drops what a resume replays twice, updates the cache, and stamps the changes the cache reports
 * with the dispatch they came from. Knows nothing of the connection.
 */
export class DispatchHandler {
  /** Last dispatch sequence handled in the current session; replays at or below it are dropped. */
  #sequence: number | null = null;
  readonly #o: DispatchHandlerOptions;

  constructor(options: DispatchHandlerOptions) {
    this.#o = options;
  }

  wants(guildId: string): boolean {
    return this.#o.guildFilter.size === 0 || this.#o.guildFilter.has(guildId);
  }

  get sequence(): number | null {
    return this.#sequence;
  }

  /** Sequence numbers belong to a session; the one resumed next may not be the one we last saw. */
  forgetSequence(): void {
    this.#sequence = null;
  }

  handle(payload: GatewayDispatchPayload): void {
    const receivedAt = this.#o.clock.now();
    const sequence = payload.s;
    if (payload.t === GatewayDispatchEvents.Ready) {
      this.#sequence = null; // a new session numbers from 1 again
    } else if (this.#sequence !== null && sequence <= this.#sequence) {
      // A resume replays from the sequence we stored; never hand a subscriber the same dispatch twice.
      this.#o.logger.debug({ module: MODULE, sequence, last: this.#sequence, t: payload.t }, '[Gateway] dropped an already handled dispatch');
      return;
    }
    this.#sequence = sequence;
    const changes = this.#apply(payload);
    if (changes.length === 0) return;
    const source: EventSource = payload.t === GatewayDispatchEvents.GuildCreate ? 'resync' : 'dispatch';
    for (const change of changes) {
      // Stamped in place (the cache hands out fresh objects): a spread copy here made V8 build a
      // new hidden class per event, and was most of what each event left for the old generation.
      this.#o.emit(Object.assign(change, { sequence, receivedAt, source, shardId: this.#o.shardId }));
    }
  }

  /** Updates the cache from one dispatch and returns what changed. */
  #apply(payload: GatewayDispatchPayload): DomainChange[] {
    const cache = this.#o.cache;
    switch (payload.t) {
      case GatewayDispatchEvents.Ready: {
        const ready = this.#parse(readySchema, payload);
        if (!ready) return [];
        return [{ type: 'guild.listed', guildIds: ready.guilds.map((g) => g.id).filter((id) => this.wants(id)) }];
      }
      case GatewayDispatchEvents.GuildCreate: {
        const guild = this.#parse(guildCreateSchema, payload);
        if (!guild || !this.wants(guild.id) || guild.unavailable) return [];
        const changes: DomainChange[] = [{ type: 'guild.available', guildId: guild.id, name: guild.name, ownerId: guild.owner_id }];
        changes.push(...cache.replaceGuild(guild));
        this.#o.logger.info(
          { module: MODULE, guildId: guild.id, inVoice: guild.voice_states.length, resyncChanges: changes.length - 1 },
          '[Gateway] guild snapshot loaded',
        );
        return changes;
      }
      case GatewayDispatchEvents.GuildDelete: {
        const guild = this.#parse(guildDeleteSchema, payload);
        if (!guild || !this.wants(guild.id)) return [];
        // An outage (unavailable) keeps the cache: the GUILD_CREATE that ends it brings the diff.
        if (guild.unavailable) return [{ type: 'guild.unavailable', guildId: guild.id }];
        return [...cache.removeGuild(guild.id), { type: 'guild.removed', guildId: guild.id }];
      }
      case GatewayDispatchEvents.VoiceStateUpdate: {
        // The hot path: checked by hand (the same answer as zod's schema); zod only to say why not.
        const vs = parseVoiceState(payload.d) ?? this.#parse(voiceStateSchema, payload);
        if (!vs?.guild_id || !this.wants(vs.guild_id)) return [];
        return cache.applyVoiceState(vs.guild_id, vs);
      }
      case GatewayDispatchEvents.ChannelCreate:
      case GatewayDispatchEvents.ChannelUpdate: {
        const ch = this.#parse(channelSchema, payload);
        if (ch?.guild_id && this.wants(ch.guild_id)) cache.upsertChannel(ch.guild_id, ch);
        return [];
      }
      case GatewayDispatchEvents.ChannelDelete: {
        const ch = this.#parse(channelSchema, payload);
        if (!ch?.guild_id || !this.wants(ch.guild_id)) return [];
        return cache.deleteChannel(ch.guild_id, ch);
      }
      case GatewayDispatchEvents.GuildRoleCreate:
      case GatewayDispatchEvents.GuildRoleUpdate: {
        const r = this.#parse(guildRoleSchema, payload);
        if (r && this.wants(r.guild_id)) cache.upsertRole(r.guild_id, r.role.id);
        return [];
      }
      case GatewayDispatchEvents.GuildRoleDelete: {
        const r = this.#parse(guildRoleDeleteSchema, payload);
        if (r && this.wants(r.guild_id)) cache.deleteRole(r.guild_id, r.role_id);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberAdd: {
        const m = this.#parse(guildMemberAddSchema, payload);
        if (m && this.wants(m.guild_id)) cache.upsertMember(m.guild_id, m);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberUpdate: {
        const m = this.#parse(guildMemberUpdateSchema, payload);
        if (m && this.wants(m.guild_id)) cache.updateMember(m.guild_id, m);
        return [];
      }
      case GatewayDispatchEvents.GuildMemberRemove: {
        const m = this.#parse(guildMemberRemoveSchema, payload);
        if (!m || !this.wants(m.guild_id)) return [];
        return cache.removeMember(m.guild_id, m.user.id);
      }
      default:
        return [];
    }
  }

  #parse<S extends z.ZodType>(schema: S, payload: GatewayDispatchPayload): z.infer<S> | null {
    const result = schema.safeParse(payload.d);
    if (result.success) return result.data;
    this.#o.logger.warn(
      { module: MODULE, t: payload.t, sequence: payload.s, issues: result.error.issues.slice(0, 5) },
      '[Gateway] ignored a dispatch that does not match the expected shape',
    );
    return null;
  }
}
