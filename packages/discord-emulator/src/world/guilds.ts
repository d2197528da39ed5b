import {
  GatewayDispatchEvents,
  type APIGuildMember,
  type APIRole,
  type GatewayGuildCreateDispatchData,
  type GatewayGuildDeleteDispatchData,
} from 'discord-api-types/v10';
import { channelPayload, guildPayload, memberPayload } from '../payloads.ts';
import { insertMember } from './members.ts';
import type { World } from './world.ts';

/** The whole guild as GUILD_CREATE carries it to a newly identified session. */
export function guildCreatePayload(world: World, guildId: string): GatewayGuildCreateDispatchData {
  const g = world.guild(guildId);
  const members: APIGuildMember[] = [];
  for (const m of g.members.values()) members.push(memberPayload(m, world.user(m.userId)));
  return {
    ...guildPayload(g),
    joined_at: g.joinedAt,
    large: false,
    unavailable: false,
    member_count: g.members.size,
    // Inside GUILD_CREATE a voice state has no guild_id: the guild is the envelope.
    voice_states: [...g.voice.values()].map((vs) => {
      const { guild_id: _omitted, ...rest } = world.voicePayload(g, vs);
      return rest;
    }),
    members,
    channels: [...g.channels.values()].map(channelPayload),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** Discord's per-user cap: "Maximum number of guilds reached (100)" (JSON error 30001). */
export function guildCountOf(world: World, userId: string): number {
  let count = 0;
  for (const g of world.guilds.values()) if (g.members.has(userId)) count++;
  return count;
}

/** Whether the bot's Gateway sees the guild: the bot is a member and the guild is not in an outage. */
export function botSeesGuild(world: World, guildId: string, botId: string): boolean {
  const g = world.guilds.get(guildId);
  return g !== undefined && g.available && g.members.has(botId);
}

/**
 * Removes the bot from a guild (a kick, or an admin removing the app) or adds it back (installed
 * again). Removal deletes the bot's member record and its managed role, as Discord does, and sends
 * the bot GUILD_DELETE `{id}` without `unavailable` ("the user was removed from the guild"). Adding
 * it back gives it a fresh managed role above every other role and sends the whole guild as
 * GUILD_CREATE, with `joined_at` now. Returns false when nothing changed (already in / already out).
 */
export function setBotMembership(
  world: World,
  guildId: string,
  botId: string,
  member: boolean,
  newBotRole: (position: number) => APIRole,
): boolean {
  const g = world.guild(guildId);
  const current = g.members.get(botId);
  if (member === (current !== undefined)) return false;
  if (current) {
    g.members.delete(botId);
    for (const roleId of current.roles) if (g.roles.get(roleId)?.managed) g.roles.delete(roleId);
    if (g.available) world.emit(guildId, GatewayDispatchEvents.GuildDelete, { id: guildId } satisfies GatewayGuildDeleteDispatchData);
    return true;
  }
  const top = Math.max(0, ...[...g.roles.values()].map((r) => r.position));
  const role = newBotRole(top + 1);
  g.roles.set(role.id, role);
  g.joinedAt = new Date(world.now()).toISOString();
  insertMember(world, g, botId, { roles: [role.id] }, g.joinedAt);
  if (g.available) world.emit(guildId, GatewayDispatchEvents.GuildCreate, guildCreatePayload(world, guildId));
  return true;
}

/**
 * An outage of one guild: GUILD_DELETE `{id, unavailable: true}`, then nothing of the guild reaches
 * the bot until it returns with a full GUILD_CREATE (what changed meanwhile is in it). The world
 * itself keeps working (people still join voice). A guild the bot is not in changes silently.
 * Returns false when nothing changed.
 */
export function setGuildAvailability(world: World, guildId: string, botId: string, available: boolean): boolean {
  const g = world.guild(guildId);
  if (g.available === available) return false;
  if (!available) {
    if (g.members.has(botId)) world.emit(guildId, GatewayDispatchEvents.GuildDelete, { id: guildId, unavailable: true } satisfies GatewayGuildDeleteDispatchData);
    g.available = false;
    return true;
  }
  g.available = true;
  if (g.members.has(botId)) world.emit(guildId, GatewayDispatchEvents.GuildCreate, guildCreatePayload(world, guildId));
  return true;
}
