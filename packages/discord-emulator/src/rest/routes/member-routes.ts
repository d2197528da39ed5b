import { EmulatorApiError, maxGuilds, missingPermissions, notInVoice, unknownChannel } from '../../errors.ts';
import { MAX_GUILDS_PER_USER } from '../../discord-limits.ts';
import { isVoiceType } from '../../payloads.ts';
import type { EmulatorState, MemberPatch } from '../../state.ts';
import { Perm, requireChannelPermission, requireGuildPermission, requireManageableRole } from '../bot-access.ts';
import { route } from '../route-table.ts';
import { addMemberSchema, listMembersQuery, modifyMemberSchema } from '../schemas.ts';
import { parseBody } from '../validation.ts';

/** Guild members: list, fetch, add with an OAuth token, modify (incl. voice moves), kick, role add/remove, voice states. */

const invalidOAuthToken = () => new EmulatorApiError(403, 50025, 'Invalid OAuth2 access token');
const unknownVoiceState = () => new EmulatorApiError(404, 10065, 'Unknown Voice State');
const wrongChannelType = () => new EmulatorApiError(400, 50024, 'Cannot execute action on this channel type');

/** Roles being added or removed must sit below the bot's highest role; untouched ones may be anything. */
function requireRoleChangesAllowed(state: EmulatorState, guildId: string, current: readonly string[], next: readonly string[]): void {
  const changed = [...next.filter((id) => !current.includes(id)), ...current.filter((id) => !next.includes(id))];
  if (changed.length === 0) return;
  requireGuildPermission(state, guildId, Perm.ManageRoles);
  for (const roleId of changed) requireManageableRole(state, guildId, roleId);
}

/** Kicking and renaming are blocked for the owner and anyone whose top role is not below the bot's. */
function requireOutranks(state: EmulatorState, guildId: string, userId: string): void {
  const botId = state.botUser().id;
  if (userId === botId) return;
  if (state.highestRolePosition(guildId, userId) >= state.highestRolePosition(guildId, botId)) throw missingPermissions();
}

export const memberRoutes = [
  route({
    method: 'GET',
    path: '/guilds/:guildId/members',
    auth: 'bot',
    handle: ({ state, params, query }) => {
      state.guild(params.guildId);
      const { limit, after } = parseBody(listMembersQuery, Object.fromEntries(query));
      return { status: 200, body: state.members(params.guildId, limit, after) };
    },
  }),
  route({
    method: 'GET',
    path: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    handle: ({ state, params }) => {
      state.guild(params.guildId);
      state.user(params.userId);
      return { status: 200, body: state.memberPayload(params.guildId, params.userId) };
    },
  }),
  route({
    method: 'PUT',
    path: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const { guildId, userId } = params;
      state.guild(guildId);
      state.user(userId);
      const input = parseBody(addMemberSchema, body);
      if (state.isMember(guildId, userId)) return { status: 204 };
      requireGuildPermission(state, guildId, Perm.CreateInstantInvite);
      const grant = state.oauth.findAccess(input.access_token);
      if (!grant || grant.userId !== userId || !grant.scopes.includes('guilds.join')) throw invalidOAuthToken();
      const roles = input.roles ?? [];
      requireRoleChangesAllowed(state, guildId, [], roles);
      if (input.nick != null) requireGuildPermission(state, guildId, Perm.ManageNicknames);
      if (input.mute != null) requireGuildPermission(state, guildId, Perm.MuteMembers);
      if (input.deaf != null) requireGuildPermission(state, guildId, Perm.DeafenMembers);
      for (const roleId of roles) state.role(guildId, roleId);
      // guilds.join cannot take a user past Discord's 100 servers (non-Nitro); only emulated guilds count.
      if (state.guildCountOf(userId) >= MAX_GUILDS_PER_USER) throw maxGuilds(MAX_GUILDS_PER_USER);
      state.addMember(guildId, userId, {
        roles,
        nick: input.nick ?? null,
        mute: input.mute ?? false,
        deaf: input.deaf ?? false,
      });
      return { status: 201, body: state.memberPayload(guildId, userId) };
    },
  }),
  route({
    method: 'PATCH',
    path: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      const { guildId, userId } = params;
      const member = state.member(guildId, userId);
      const input = parseBody(modifyMemberSchema, body);
      const voice = state.voiceState(guildId, userId);

      const patch: MemberPatch = {};
      if (input.nick !== undefined) {
        requireGuildPermission(state, guildId, Perm.ManageNicknames);
        requireOutranks(state, guildId, userId);
        patch.nick = input.nick || null;
      }
      if (input.roles != null) {
        for (const roleId of input.roles) state.role(guildId, roleId);
        requireRoleChangesAllowed(state, guildId, member.roles, input.roles);
        patch.roles = input.roles;
      }
      if (input.mute != null || input.deaf != null) {
        if (!voice) throw notInVoice();
        if (input.mute != null) requireGuildPermission(state, guildId, Perm.MuteMembers);
        if (input.deaf != null) requireGuildPermission(state, guildId, Perm.DeafenMembers);
        if (input.mute != null) patch.mute = input.mute;
        if (input.deaf != null) patch.deaf = input.deaf;
      }
      if (input.channel_id !== undefined) {
        if (!voice) throw notInVoice();
        if (input.channel_id === null) {
          requireGuildPermission(state, guildId, Perm.MoveMembers);
        } else {
          const target = state.channel(input.channel_id);
          if (target.guildId !== guildId) throw unknownChannel();
          if (!isVoiceType(target.type)) throw wrongChannelType();
          // The mover must see and be able to connect to the destination, and hold MOVE_MEMBERS there.
          requireChannelPermission(state, target.id, Perm.MoveMembers | Perm.Connect);
        }
      }

      if (Object.keys(patch).length > 0) state.updateMember(guildId, userId, patch);
      if (input.channel_id !== undefined) state.setVoiceState(guildId, userId, { channelId: input.channel_id });
      return { status: 200, body: state.memberPayload(guildId, userId) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    handle: ({ state, params }) => {
      state.member(params.guildId, params.userId);
      requireGuildPermission(state, params.guildId, Perm.KickMembers);
      requireOutranks(state, params.guildId, params.userId);
      state.removeMember(params.guildId, params.userId);
      return { status: 204 };
    },
  }),
  route({
    method: 'PUT',
    path: '/guilds/:guildId/members/:userId/roles/:roleId',
    auth: 'bot',
    handle: ({ state, params }) => {
      const { guildId, userId, roleId } = params;
      const member = state.member(guildId, userId);
      state.role(guildId, roleId);
      requireGuildPermission(state, guildId, Perm.ManageRoles);
      requireManageableRole(state, guildId, roleId);
      if (!member.roles.includes(roleId)) state.updateMember(guildId, userId, { roles: [...member.roles, roleId] });
      return { status: 204 };
    },
  }),
  route({
    method: 'DELETE',
    path: '/guilds/:guildId/members/:userId/roles/:roleId',
    auth: 'bot',
    handle: ({ state, params }) => {
      const { guildId, userId, roleId } = params;
      const member = state.member(guildId, userId);
      state.role(guildId, roleId);
      requireGuildPermission(state, guildId, Perm.ManageRoles);
      requireManageableRole(state, guildId, roleId);
      if (member.roles.includes(roleId)) state.updateMember(guildId, userId, { roles: member.roles.filter((id) => id !== roleId) });
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/guilds/:guildId/voice-states/@me',
    auth: 'bot',
    handle: ({ state, params }) => {
      const vs = state.voiceStates(params.guildId).find((v) => v.user_id === state.botUser().id);
      if (!vs) throw unknownVoiceState();
      return { status: 200, body: vs };
    },
  }),
  route({
    method: 'GET',
    path: '/guilds/:guildId/voice-states/:userId',
    auth: 'bot',
    handle: ({ state, params }) => {
      state.guild(params.guildId);
      const vs = state.voiceStates(params.guildId).find((v) => v.user_id === params.userId);
      if (!vs) throw unknownVoiceState();
      return { status: 200, body: vs };
    },
  }),
];
