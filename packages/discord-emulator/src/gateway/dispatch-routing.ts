import { GatewayDispatchEvents, type GatewayGuildCreateDispatchData } from 'discord-api-types/v10';
import type { DispatchRecord } from './gateway-state.ts';
import { guildCreateForIntents, intentsAllow } from './intents.ts';
import type { GatewaySession } from './session.ts';
import { shardReceives } from './sharding.ts';

/**
 * What one session receives of one state change: nothing when the guild belongs to another shard
 * or the session lacks the event's intent, otherwise the payload as its intents shape it.
 */
export function payloadForSession(
  rec: DispatchRecord,
  session: GatewaySession,
  botUserId: string,
): { d: unknown } | null {
  if (!shardReceives(session.shard, rec.guildId)) return null;
  if (!intentsAllow(session.intents, rec.t)) return null;
  if (rec.t === GatewayDispatchEvents.GuildCreate) {
    return { d: guildCreateForIntents(rec.d as GatewayGuildCreateDispatchData, session.intents, botUserId) };
  }
  return { d: rec.d };
}
