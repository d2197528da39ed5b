import type { z } from 'zod';
import { EmulatorApiError } from '../errors.ts';
import { ADMIN_ROLE_NAME, ADMIN_ROLE_PERMISSIONS } from '../seed.ts';
import type { EmulatorState } from '../state.ts';
import type { botMembershipSchema, guildAvailabilitySchema, guildMembershipSchema } from './control-schemas.ts';
import { ControlError } from './voice-control.ts';

/**
 * The control API's guild commands: the bot removed from a guild or added back, a guild outage,
 * and a user joining or leaving a guild (for "a non-member invitee"). Each answers what the guild
 * looks like to the bot afterwards and whether anything changed (repeating a command is a no-op).
 */

export interface GuildView {
  id: string;
  name: string;
  botMember: boolean;
  available: boolean;
}

export function guildView(state: EmulatorState, guildId: string): GuildView {
  const g = state.guild(guildId);
  return { id: g.id, name: g.name, botMember: state.isMember(guildId, state.botUser().id), available: g.available };
}

function requireGuild(state: EmulatorState, guildId: string): void {
  if (!state.guildIds().includes(guildId)) throw new ControlError(400, `unknown guild ${guildId}`);
}

export function applyBotMembership(state: EmulatorState, cmd: z.output<typeof botMembershipSchema>) {
  requireGuild(state, cmd.guildId);
  const changed = state.setBotMembership(cmd.guildId, cmd.member);
  return { changed, guild: guildView(state, cmd.guildId) };
}

export function applyGuildAvailability(state: EmulatorState, cmd: z.output<typeof guildAvailabilitySchema>) {
  requireGuild(state, cmd.guildId);
  const changed = state.setGuildAvailability(cmd.guildId, cmd.available);
  return { changed, guild: guildView(state, cmd.guildId) };
}

/**
 * Joins (GUILD_MEMBER_ADD) or leaves (voice disconnected first, then GUILD_MEMBER_REMOVE). With
 * `manageGuild` the member gets or loses the guild's "Admin" role (Manage Server), which is
 * created first in a guild that has none (the first guild, unless someone made one).
 */
export function applyGuildMembership(state: EmulatorState, cmd: z.output<typeof guildMembershipSchema>) {
  requireGuild(state, cmd.guildId);
  const user = state.findUser(cmd.userId);
  if (!user) throw new ControlError(400, `unknown user "${cmd.userId}"`);
  if (user.bot) throw new ControlError(400, 'the bot joins and leaves with POST /_emulator/bot-membership');
  if (!cmd.member) {
    if (cmd.manageGuild) throw new ControlError(400, 'manageGuild: true needs member: true');
    const changed = state.isMember(cmd.guildId, user.id);
    if (changed) state.removeMember(cmd.guildId, user.id);
    return { changed, member: null };
  }
  // The role first: a guild too full for it refuses the whole command before anything changed.
  const existing = state.roles(cmd.guildId).find((r) => r.name === ADMIN_ROLE_NAME);
  const admin = cmd.manageGuild && !existing ? createAdminRole(state, cmd.guildId) : existing;
  let changed = false;
  if (!state.isMember(cmd.guildId, user.id)) {
    state.addMember(cmd.guildId, user.id);
    changed = true;
  }
  const roles = state.member(cmd.guildId, user.id).roles;
  if (cmd.manageGuild && admin && !roles.includes(admin.id)) {
    state.updateMember(cmd.guildId, user.id, { roles: [...roles, admin.id] });
    changed = true;
  } else if (cmd.manageGuild === false && admin && roles.includes(admin.id)) {
    state.updateMember(cmd.guildId, user.id, { roles: roles.filter((id) => id !== admin.id) });
    changed = true;
  }
  return { changed, member: state.memberPayload(cmd.guildId, user.id) };
}

/** A full guild (the role limit) is the control API's 409, not a crash. */
function createAdminRole(state: EmulatorState, guildId: string) {
  try {
    return state.createRole(guildId, { name: ADMIN_ROLE_NAME, permissions: ADMIN_ROLE_PERMISSIONS });
  } catch (error) {
    if (error instanceof EmulatorApiError) throw new ControlError(409, `cannot create the ${ADMIN_ROLE_NAME} role: ${error.message}`);
    throw error;
  }
}
