import type { GatewayServer, GatewayStats } from '../gateway/index.ts';
import type { RestFaults } from '../faults.ts';
import type { InvalidRequestCount, InvalidRequestLimit } from '../rest/invalid-request-limit.ts';
import type { RateLimitHit } from '../rest/rest-telemetry.ts';
import type { EmulatorState } from '../state.ts';
import type { APIGatewaySessionStartLimit, APIGuildMember, APIRole, APIUser, APIVoiceState } from 'discord-api-types/v10';
import type { GuildChannelPayload } from '../payloads.ts';

/** The JSON of `GET /_emulator/state`: everything a test or the control panel wants to look at. */
export interface StateSnapshot {
  botToken: string;
  clientId: string;
  clientSecret: string;
  guildId: string;
  bot: APIUser;
  users: APIUser[];
  /** Usernames of the seeded test users (alice … heidi by default), the ones the authorize page lists. */
  testUsers: string[];
  guilds: Array<{
    id: string;
    name: string;
    ownerId: string;
    /** The bot is in the guild (POST /_emulator/bot-membership). */
    botMember: boolean;
    /** False during an outage (POST /_emulator/guild-availability). */
    available: boolean;
    channels: GuildChannelPayload[];
    roles: APIRole[];
    /** Compact member list: user id, username, nick, role ids. */
    members: Array<{ userId: string; username: string; nick: string | null; roles: string[] }>;
    voiceStates: Array<APIVoiceState & { member: APIGuildMember }>;
  }>;
  rateLimitHits: RateLimitHit[];
  requestCounts: Record<string, number>;
  faults: ReturnType<RestFaults['list']>;
  latencyMs: number;
  gateway: GatewayStats & { sessionStartLimit: APIGatewaySessionStartLimit };
  /** The bot token's invalid (401/403/429) answers in the current window. */
  invalidRequests: InvalidRequestCount;
}

export function snapshot(state: EmulatorState, faults: RestFaults, gateway: GatewayServer, invalidRequests: InvalidRequestLimit): StateSnapshot {
  const creds = state.credentials;
  return {
    botToken: creds.botToken,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    guildId: state.defaultGuildId,
    bot: state.botUser(),
    users: state.users().filter((u) => !u.bot),
    testUsers: state.seedUsers().map((u) => u.username),
    guilds: state.guildIds().map((id) => {
      const g = state.guild(id);
      return {
        id,
        name: g.name,
        ownerId: g.ownerId,
        botMember: g.members.has(state.botUser().id),
        available: g.available,
        channels: state.channels(id),
        roles: state.roles(id),
        members: [...g.members.values()].map((m) => ({
          userId: m.userId,
          username: state.user(m.userId).username,
          nick: m.nick,
          roles: [...m.roles],
        })),
        voiceStates: state.voiceStates(id),
      };
    }),
    rateLimitHits: [...state.rateLimitHits],
    requestCounts: Object.fromEntries(state.requestCounts),
    faults: faults.list(),
    latencyMs: faults.latencyMs,
    gateway: { ...gateway.stats(), sessionStartLimit: gateway.sessionStartLimit.snapshot() },
    invalidRequests: invalidRequests.count(creds.botToken),
  };
}
