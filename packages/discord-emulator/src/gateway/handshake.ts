import { GatewayDispatchEvents, type GatewayReadyDispatchData } from 'discord-api-types/v10';
import { Closes, type GatewayClose } from './close-codes.ts';
import { GATEWAY_VERSION } from './connection-params.ts';
import { payloadForSession } from './dispatch-routing.ts';
import { isValidGatewayToken, type GatewayStateSource } from './gateway-state.ts';
import type { IdentifyData, ResumeData } from './inbound-frames.ts';
import { checkIntents } from './intents.ts';
import type { GatewaySession } from './session.ts';
import type { SessionRegistry } from './session-registry.ts';
import { isValidShard, MAX_GUILDS_PER_SHARD, shardOfGuild, type ShardTuple } from './sharding.ts';

/**
 * The two ways into a session. Both are pure decisions over the state and the registry; the
 * connection owns the socket and acts on the outcome.
 */

export function authorizeIdentify(
  d: IdentifyData,
  state: GatewayStateSource,
  maxGuildsPerShard = MAX_GUILDS_PER_SHARD,
): { intents: number; shard: ShardTuple } | GatewayClose {
  if (!isValidGatewayToken(state, d.token)) return Closes.authenticationFailed();
  const shard = d.shard ?? [0, 1];
  if (!isValidShard(shard)) return Closes.invalidShard();
  // "The session would have handled too many guilds": counted on the shard identified, over the
  // guilds the bot is in (available or not, as READY would list them).
  if (guildsOfShard(state, shard).length > maxGuildsPerShard) return Closes.shardingRequired();
  const intentsProblem = checkIntents(d.intents, state.application().flags);
  if (intentsProblem || d.intents === undefined) return intentsProblem ?? Closes.invalidIntents();
  return { intents: d.intents, shard };
}

/**
 * READY (always s=1) listing the bot's guilds of the session's shard, then one GUILD_CREATE per
 * available one, as Discord sends them right after READY; a guild in an outage gets its
 * GUILD_CREATE when it returns. The session must already be attached to its socket.
 */
export function sendInitialDispatches(
  session: GatewaySession,
  state: GatewayStateSource,
  resumeGatewayUrl: string,
): void {
  const guildIds = guildsOfShard(state, session.shard);
  const application = state.application();
  // Discord always sends `private_channels` (empty for a bot); strict clients require the key.
  const ready: GatewayReadyDispatchData & { private_channels: [] } = {
    v: GATEWAY_VERSION,
    user: state.botUser(),
    private_channels: [],
    guilds: guildIds.map((id) => ({ id, unavailable: true })),
    session_id: session.id,
    resume_gateway_url: resumeGatewayUrl,
    shard: session.shard,
    application: { id: application.id, flags: application.flags, flags_new: String(application.flags) },
  };
  session.dispatch(GatewayDispatchEvents.Ready, ready);
  const botUserId = ready.user.id;
  // A guild in an outage stays unavailable: its GUILD_CREATE comes when it returns.
  for (const guildId of guildIds.filter((id) => state.botSeesGuild(id))) {
    const routed = payloadForSession(
      { guildId, t: GatewayDispatchEvents.GuildCreate, d: state.guildCreatePayload(guildId) },
      session,
      botUserId,
    );
    // Initial GUILD_CREATEs are how a bot learns its guilds at all, so they go out even to a
    // session that left out the GUILDS intent (later guild events then respect it).
    session.dispatch(GatewayDispatchEvents.GuildCreate, routed?.d ?? state.guildCreatePayload(guildId));
  }
}

/** The guilds the bot is in that `(guild_id >> 22) % count` puts on this shard. */
function guildsOfShard(state: GatewayStateSource, [shardId, shardCount]: ShardTuple): string[] {
  return state.botGuildIds().filter((id) => shardOfGuild(id, shardCount) === shardId);
}

export type ResumeOutcome =
  | { kind: 'resume'; session: GatewaySession; frames: string[] }
  | { kind: 'invalid-session' }
  | { kind: 'close'; close: GatewayClose };

/**
 * Unknown, expired or forgotten sessions get INVALID_SESSION d:false (the client must identify);
 * a sequence number ahead of the session's gets 4007 and ends the session, as Discord does.
 */
export function authorizeResume(d: ResumeData, state: GatewayStateSource, sessions: SessionRegistry): ResumeOutcome {
  if (!isValidGatewayToken(state, d.token)) return { kind: 'close', close: Closes.authenticationFailed() };
  const session = sessions.findResumable(d.session_id);
  if (!session) return { kind: 'invalid-session' };
  const replay = session.replayAfter(d.seq);
  switch (replay.kind) {
    case 'replay':
      return { kind: 'resume', session, frames: replay.frames };
    case 'invalid-seq':
      sessions.discard(session);
      return { kind: 'close', close: Closes.invalidSeq() };
    case 'too-old':
      sessions.discard(session);
      return { kind: 'invalid-session' };
  }
}
