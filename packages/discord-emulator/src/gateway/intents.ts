import {
  ApplicationFlags,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import { Closes, type GatewayClose } from './close-codes.ts';

/** Every bit Discord defines; anything outside this mask is an invalid intent (4013). */
const KNOWN_INTENTS = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === 'number')
  .reduce((mask, bit) => mask | bit, 0);

/**
 * Privileged intents need a switch in the developer portal, which shows up in the application's
 * flags (the "limited" flag is what an unverified bot in < 100 guilds gets). Without it: 4014.
 */
const PRIVILEGED: ReadonlyArray<{ intent: number; flags: number }> = [
  {
    intent: GatewayIntentBits.GuildMembers,
    flags: ApplicationFlags.GatewayGuildMembers | ApplicationFlags.GatewayGuildMembersLimited,
  },
  {
    intent: GatewayIntentBits.GuildPresences,
    flags: ApplicationFlags.GatewayPresence | ApplicationFlags.GatewayPresenceLimited,
  },
  {
    intent: GatewayIntentBits.MessageContent,
    flags: ApplicationFlags.GatewayMessageContent | ApplicationFlags.GatewayMessageContentLimited,
  },
];

export function checkIntents(intents: number | undefined, applicationFlags: number): GatewayClose | null {
  if (intents === undefined || !Number.isSafeInteger(intents) || intents < 0) return Closes.invalidIntents();
  if ((intents & ~KNOWN_INTENTS) !== 0) return Closes.invalidIntents();
  for (const { intent, flags } of PRIVILEGED) {
    if ((intents & intent) !== 0 && (applicationFlags & flags) === 0) return Closes.disallowedIntents();
  }
  return null;
}

/**
 * Which intent a guild dispatch needs (Discord's "list of intents" table), for the events the
 * emulator can produce plus their close neighbours. Events not listed (READY, RESUMED,
 * USER_UPDATE, INTERACTION_CREATE, VOICE_SERVER_UPDATE, …) are sent regardless of intents.
 */
const INTENT_OF_EVENT: Partial<Record<GatewayDispatchEvents, number>> = {
  [GatewayDispatchEvents.GuildCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildRoleDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ChannelPinsUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ThreadCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ThreadUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ThreadDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ThreadListSync]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.ThreadMemberUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.StageInstanceCreate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.StageInstanceUpdate]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.StageInstanceDelete]: GatewayIntentBits.Guilds,
  [GatewayDispatchEvents.GuildMemberAdd]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberUpdate]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildMemberRemove]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.ThreadMembersUpdate]: GatewayIntentBits.GuildMembers,
  [GatewayDispatchEvents.GuildBanAdd]: GatewayIntentBits.GuildModeration,
  [GatewayDispatchEvents.GuildBanRemove]: GatewayIntentBits.GuildModeration,
  [GatewayDispatchEvents.GuildAuditLogEntryCreate]: GatewayIntentBits.GuildModeration,
  [GatewayDispatchEvents.GuildEmojisUpdate]: GatewayIntentBits.GuildExpressions,
  [GatewayDispatchEvents.GuildStickersUpdate]: GatewayIntentBits.GuildExpressions,
  [GatewayDispatchEvents.GuildIntegrationsUpdate]: GatewayIntentBits.GuildIntegrations,
  [GatewayDispatchEvents.WebhooksUpdate]: GatewayIntentBits.GuildWebhooks,
  [GatewayDispatchEvents.InviteCreate]: GatewayIntentBits.GuildInvites,
  [GatewayDispatchEvents.InviteDelete]: GatewayIntentBits.GuildInvites,
  [GatewayDispatchEvents.VoiceStateUpdate]: GatewayIntentBits.GuildVoiceStates,
  [GatewayDispatchEvents.PresenceUpdate]: GatewayIntentBits.GuildPresences,
  [GatewayDispatchEvents.MessageCreate]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageUpdate]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageDelete]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.MessageDeleteBulk]: GatewayIntentBits.GuildMessages,
  [GatewayDispatchEvents.TypingStart]: GatewayIntentBits.GuildMessageTyping,
};

export function intentsAllow(intents: number, event: GatewayDispatchEvents): boolean {
  const needed = INTENT_OF_EVENT[event];
  return needed === undefined || (intents & needed) !== 0;
}

/** GUILD_CREATE as Discord trims it for a session's intents; `voice_states` disappears without its intent. */
export type SessionGuildCreate = Omit<GatewayGuildCreateDispatchData, 'voice_states'> & {
  voice_states?: GatewayGuildCreateDispatchData['voice_states'];
};

/**
 * Discord's rules, simplified: without GUILD_PRESENCES the presences list is empty; without
 * GUILD_MEMBERS the member list holds only the bot and the members currently in voice (if the
 * session sees voice states); without GUILD_VOICE_STATES there are no voice states.
 */
export function guildCreateForIntents(
  payload: GatewayGuildCreateDispatchData,
  intents: number,
  botUserId: string,
): SessionGuildCreate {
  const seesVoice = (intents & GatewayIntentBits.GuildVoiceStates) !== 0;
  const seesMembers = (intents & GatewayIntentBits.GuildMembers) !== 0;
  const seesPresences = (intents & GatewayIntentBits.GuildPresences) !== 0;
  const { voice_states: voiceStates, ...rest } = payload;
  const inVoice = new Set(seesVoice ? voiceStates.map((vs) => vs.user_id) : []);
  const shaped: SessionGuildCreate = {
    ...rest,
    members: seesMembers
      ? payload.members
      : payload.members.filter((m) => m.user.id === botUserId || inVoice.has(m.user.id)),
    presences: seesPresences ? payload.presences : [],
  };
  if (seesVoice) shaped.voice_states = voiceStates;
  return shaped;
}
