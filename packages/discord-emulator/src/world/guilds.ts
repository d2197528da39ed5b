import type { APIGuildMember, GatewayGuildCreateDispatchData } from 'discord-api-types/v10';
import { channelPayload, guildPayload, memberPayload } from '../payloads.ts';
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
