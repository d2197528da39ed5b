import type { APIGuild, APIRole } from 'discord-api-types/v10';
import { EmulatorApiError, unknownGuild } from '../../errors.ts';
import { Perm, requireGrantable, requireGuildPermission, requireManageableRole } from '../bot-access.ts';
import { route } from '../route-table.ts';
import { roleSchema } from '../schemas.ts';
import { parseBody } from '../validation.ts';

/** The guild object and its roles. */

export const guildRoutes = [
  route({
    method: 'GET',
    path: '/guilds/:guildId',
    auth: 'bot',
    handle: ({ state, params, query }) => {
      const guild = state.guildPayload(params.guildId);
      if (!state.isMember(params.guildId, state.botUser().id)) throw unknownGuild();
      const body: APIGuild =
        query.get('with_counts') === 'true'
          ? { ...guild, approximate_member_count: state.guild(params.guildId).members.size, approximate_presence_count: 0 }
          : guild;
      return { status: 200, body };
    },
  }),
  route({
    method: 'GET',
    path: '/guilds/:guildId/roles',
    auth: 'bot',
    handle: ({ state, params }) => ({ status: 200, body: state.roles(params.guildId) satisfies APIRole[] }),
  }),
  route({
    method: 'GET',
    path: '/guilds/:guildId/roles/:roleId',
    auth: 'bot',
    handle: ({ state, params }) => ({ status: 200, body: state.role(params.guildId, params.roleId) }),
  }),
  route({
    method: 'POST',
    path: '/guilds/:guildId/roles',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      state.guild(params.guildId);
      const input = parseBody(roleSchema, body);
      requireGuildPermission(state, params.guildId, Perm.ManageRoles);
      if (input.permissions != null) requireGrantable(state, params.guildId, input.permissions);
      const role = state.createRole(params.guildId, {
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.permissions != null ? { permissions: input.permissions } : {}),
        ...(input.color != null ? { color: input.color } : {}),
        ...(input.hoist != null ? { hoist: input.hoist } : {}),
        ...(input.mentionable != null ? { mentionable: input.mentionable } : {}),
      });
      return { status: 200, body: role };
    },
  }),
  route({
    method: 'PATCH',
    path: '/guilds/:guildId/roles/:roleId',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      state.role(params.guildId, params.roleId);
      const input = parseBody(roleSchema, body);
      requireGuildPermission(state, params.guildId, Perm.ManageRoles);
      requireManageableRole(state, params.guildId, params.roleId, { allowEveryone: true });
      if (input.permissions != null) requireGrantable(state, params.guildId, input.permissions);
      if (params.roleId === params.guildId && input.name != null) {
        throw new EmulatorApiError(400, 50028, 'Invalid Role');
      }
      const role = state.updateRole(params.guildId, params.roleId, {
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.permissions != null ? { permissions: input.permissions } : {}),
        ...(input.color != null ? { color: input.color } : {}),
        ...(input.hoist != null ? { hoist: input.hoist } : {}),
        ...(input.mentionable != null ? { mentionable: input.mentionable } : {}),
      });
      return { status: 200, body: role };
    },
  }),
  route({
    method: 'DELETE',
    path: '/guilds/:guildId/roles/:roleId',
    auth: 'bot',
    handle: ({ state, params }) => {
      state.role(params.guildId, params.roleId);
      requireGuildPermission(state, params.guildId, Perm.ManageRoles);
      requireManageableRole(state, params.guildId, params.roleId);
      state.deleteRole(params.guildId, params.roleId);
      return { status: 204 };
    },
  }),
];
