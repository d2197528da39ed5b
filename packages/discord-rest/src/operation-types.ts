// What callers pass to the typed Discord operations and what they get back (the Discord shapes
// they get are in schemas.ts).
import type { DiscordGuildMember } from './schemas.ts';

export interface CallOptions {
  signal?: AbortSignal;
  /** Shown in the guild's audit log. */
  auditLogReason?: string;
}

export interface DeleteOptions extends CallOptions {
  /**
   * Count "already gone" (Discord's Unknown Channel / Unknown Role / Unknown Member) as done, for
   * idempotent callers such as closing a room twice. Off by default: a missing resource is news.
   */
  alreadyGoneIsSuccess?: boolean;
}

export type DeleteOutcome = 'deleted' | 'already_gone';

export type AddGuildMemberOutcome = { outcome: 'added'; member: DiscordGuildMember } | { outcome: 'already_member' };

export interface PermissionOverwriteInput {
  id: string;
  type: 'role' | 'member';
  /** Permission bit set (e.g. `PermissionFlagsBits.Connect | PermissionFlagsBits.ViewChannel`). */
  allow?: bigint | string;
  deny?: bigint | string;
}

export interface CreateRoleInput {
  name: string;
  permissions?: bigint | string;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface CreateVoiceChannelInput {
  name: string;
  userLimit: number;
  parentId?: string;
  permissionOverwrites?: PermissionOverwriteInput[];
}

export interface EditChannelInput {
  name?: string;
  userLimit?: number;
  parentId?: string | null;
  permissionOverwrites?: PermissionOverwriteInput[];
}

export interface AddGuildMemberInput {
  /** The user's OAuth2 access token, granted with the `guilds.join` scope. */
  accessToken: string;
  roles?: string[];
  nick?: string;
}