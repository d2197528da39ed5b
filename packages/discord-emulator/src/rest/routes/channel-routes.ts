import { ChannelType, OverwriteType, type APIOverwrite } from 'discord-api-types/v10';
import type { z } from 'zod';
import { takeChannelNameEdit } from '../../discord-limits.ts';
import { fieldError, unknownRole } from '../../errors.ts';
import type { ModeledChannelType } from '../../payloads.ts';
import type { ChannelPatch, EmulatorState } from '../../state.ts';
import { Perm, requireChannelPermission, requireGrantableOverwrites, requireGuildPermission } from '../bot-access.ts';
import { route } from '../route-table.ts';
import { createChannelSchema, modifyChannelSchema, overwriteEditSchema, overwriteSchema } from '../schemas.ts';
import { parseBody } from '../validation.ts';

/** Guild channel listing/creation and the /channels/:id routes, with Discord's permission rules. */

type OverwriteBody = z.output<typeof overwriteSchema>;

/**
 * Each channel's accepted name/topic edits (ms), by the channel's own record: a deleted channel's
 * history goes with it, and a reset's fresh records start with none.
 */
const nameEdits = new WeakMap<object, number[]>();

/** Discord's answer to a third name or topic edit within 10 minutes (discord-api-docs #1900): a per-route 429. */
function nameEditLimited(retryAfterS: number) {
  const seconds = Math.round(retryAfterS * 1000) / 1000;
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
    headers: { 'Retry-After': String(Math.ceil(seconds)), 'X-RateLimit-Scope': 'user' },
  };
}

/** Text channel names are slugged by Discord ("Game Night" → "game-night"); voice names are kept. */
function channelName(type: ChannelType, name: string): string {
  if (type !== ChannelType.GuildText && type !== ChannelType.GuildAnnouncement) return name;
  return name.trim().toLowerCase().replace(/\s+/g, '-');
}

function toOverwrites(state: EmulatorState, guildId: string, input: readonly OverwriteBody[]): APIOverwrite[] {
  const guild = state.guild(guildId);
  return input.map((o) => {
    if (o.type === OverwriteType.Role && !guild.roles.has(o.id)) throw unknownRole();
    if (o.type === OverwriteType.Member) state.user(o.id); // throws Unknown User
    return { id: o.id, type: o.type, allow: (o.allow ?? 0n).toString(), deny: (o.deny ?? 0n).toString() };
  });
}

function checkParent(state: EmulatorState, guildId: string, type: ChannelType, parentId: string | null | undefined): void {
  if (parentId === null || parentId === undefined) return;
  if (type === ChannelType.GuildCategory) {
    throw fieldError(['parent_id'], 'CHANNEL_PARENT_INVALID_TYPE', 'Categories cannot have subcategories.');
  }
  const parent = state.guild(guildId).channels.get(parentId);
  if (!parent) throw fieldError(['parent_id'], 'CHANNEL_PARENT_INVALID', 'Category does not exist.');
  if (parent.type !== ChannelType.GuildCategory) throw fieldError(['parent_id'], 'CHANNEL_PARENT_INVALID_TYPE', 'Not a category.');
}

export const channelRoutes = [
  route({
    method: 'GET',
    path: '/guilds/:guildId/channels',
    auth: 'bot',
    handle: ({ state, params }) => ({ status: 200, body: state.channels(params.guildId) }),
  }),
  route({
    method: 'POST',
    path: '/guilds/:guildId/channels',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const guildId = params.guildId;
      state.guild(guildId);
      const input = parseBody(createChannelSchema, body);
      requireGuildPermission(state, guildId, Perm.ManageChannels);
      const type = (input.type ?? ChannelType.GuildText) as ModeledChannelType;
      checkParent(state, guildId, type, input.parent_id);
      const overwrites = toOverwrites(state, guildId, input.permission_overwrites ?? []);
      requireGrantableOverwrites(state, guildId, overwrites);
      const isVoice = type === ChannelType.GuildVoice || type === ChannelType.GuildStageVoice;
      const ch = state.createChannel(guildId, {
        name: channelName(type, input.name),
        type,
        parentId: input.parent_id ?? null,
        ...(input.position != null ? { position: input.position } : {}),
        overwrites,
        topic: isVoice ? null : (input.topic ?? null),
        nsfw: input.nsfw ?? false,
        ...(isVoice && input.bitrate != null ? { bitrate: input.bitrate } : {}),
        ...(isVoice && input.user_limit != null ? { userLimit: input.user_limit } : {}),
        ...(input.rate_limit_per_user != null ? { rateLimitPerUser: input.rate_limit_per_user } : {}),
        rtcRegion: isVoice ? (input.rtc_region ?? null) : null,
      });
      return { status: 201, body: state.channelPayload(ch.id) };
    },
  }),
  route({
    method: 'GET',
    path: '/channels/:channelId',
    auth: 'bot',
    handle: ({ state, params }) => {
      requireChannelPermission(state, params.channelId, Perm.ViewChannel);
      return { status: 200, body: state.channelPayload(params.channelId) };
    },
  }),
  route({
    method: 'PATCH',
    path: '/channels/:channelId',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const ch = state.channel(params.channelId);
      const input = parseBody(modifyChannelSchema, body);
      requireChannelPermission(state, ch.id, Perm.ManageChannels);
      checkParent(state, ch.guildId, ch.type, input.parent_id);
      const patch: ChannelPatch = {};
      if (input.name !== undefined) patch.name = channelName(ch.type, input.name);
      if (input.parent_id !== undefined) patch.parentId = input.parent_id;
      if (input.position != null) patch.position = input.position;
      if (input.topic !== undefined) patch.topic = input.topic;
      if (input.nsfw != null) patch.nsfw = input.nsfw;
      if (input.bitrate != null) patch.bitrate = input.bitrate;
      if (input.user_limit != null) patch.userLimit = input.user_limit;
      if (input.rate_limit_per_user != null) patch.rateLimitPerUser = input.rate_limit_per_user;
      if (input.rtc_region !== undefined) patch.rtcRegion = input.rtc_region;
      if (input.permission_overwrites != null) {
        requireChannelPermission(state, ch.id, Perm.ManageRoles);
        patch.overwrites = toOverwrites(state, ch.guildId, input.permission_overwrites);
        requireGrantableOverwrites(state, ch.guildId, patch.overwrites);
      }
      // Name and topic share one window per channel, counted whether or not the value changes; nothing is applied past it.
      if (input.name !== undefined || input.topic !== undefined) {
        const times = nameEdits.get(ch) ?? [];
        nameEdits.set(ch, times);
        const retryAfterS = takeChannelNameEdit(times, state.now());
        if (retryAfterS !== null) return nameEditLimited(retryAfterS);
      }
      state.updateChannel(ch.id, patch);
      return { status: 200, body: state.channelPayload(ch.id) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/channels/:channelId',
    auth: 'bot',
    // Channel deletes are limited per guild, though the URL's major parameter is the channel.
    major: ({ channelId }, state) => {
      try {
        return state.channel(channelId).guildId;
      } catch {
        return channelId;
      }
    },
    handle: ({ state, params }) => {
      requireChannelPermission(state, params.channelId, Perm.ManageChannels);
      return { status: 200, body: state.deleteChannel(params.channelId) };
    },
  }),
  route({
    method: 'PUT',
    path: '/channels/:channelId/permissions/:overwriteId',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const ch = state.channel(params.channelId);
      const input = parseBody(overwriteEditSchema, body);
      requireChannelPermission(state, ch.id, Perm.ManageRoles);
      const [overwrite] = toOverwrites(state, ch.guildId, [{ ...input, id: params.overwriteId }]);
      if (!overwrite) throw new Error('unreachable: one overwrite in, one out');
      requireGrantableOverwrites(state, ch.guildId, [overwrite]);
      state.updateChannel(ch.id, { overwrites: [...ch.overwrites.filter((o) => o.id !== overwrite.id), overwrite] });
      return { status: 204 };
    },
  }),
  route({
    method: 'DELETE',
    path: '/channels/:channelId/permissions/:overwriteId',
    auth: 'bot',
    handle: ({ state, params }) => {
      const ch = state.channel(params.channelId);
      requireChannelPermission(state, ch.id, Perm.ManageRoles);
      state.updateChannel(ch.id, { overwrites: ch.overwrites.filter((o) => o.id !== params.overwriteId) });
      return { status: 204 };
    },
  }),
];
