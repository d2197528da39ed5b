import { OverwriteType, PermissionFlagsBits, type APIOverwrite } from 'discord-api-types/v10';

/** Every permission bit Discord defines, for owners and administrators. */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

const P = PermissionFlagsBits;

/** What a fresh guild grants @everyone (Discord's default, minus the noisy extras). */
export const EVERYONE_DEFAULT_PERMISSIONS: bigint =
  P.CreateInstantInvite | P.ViewChannel | P.SendMessages | P.ReadMessageHistory | P.AddReactions |
  P.EmbedLinks | P.AttachFiles | P.ChangeNickname | P.UseApplicationCommands | P.Connect | P.Speak |
  P.Stream | P.UseVAD;

/**
 * The bot's managed role: enough to run rooms (create hidden voice channels, manage the role that
 * unlocks them, move players, mark the host with a PRIORITY_SPEAKER member overwrite, which it may
 * only grant because it holds it) without ADMINISTRATOR, so the emulator's permission checks stay
 * meaningful — an app that forgets to give the bot an overwrite on a hidden channel fails here
 * exactly as it would on Discord.
 */
export const BOT_ROLE_PERMISSIONS: bigint =
  P.ViewChannel | P.ManageChannels | P.ManageRoles | P.MoveMembers | P.Connect | P.Speak | P.PrioritySpeaker |
  P.MuteMembers | P.DeafenMembers | P.SendMessages | P.ReadMessageHistory | P.CreateInstantInvite;

export interface PermissionSubject {
  userId: string;
  roleIds: readonly string[];
}

export interface PermissionGuild {
  id: string;
  ownerId: string;
  rolePermissions(roleId: string): bigint | undefined;
}

/** Guild-level permissions: @everyone plus every role the member has (Discord's "base permissions"). */
export function basePermissions(guild: PermissionGuild, member: PermissionSubject): bigint {
  if (member.userId === guild.ownerId) return ALL_PERMISSIONS;
  let perms = guild.rolePermissions(guild.id) ?? 0n;
  for (const roleId of member.roleIds) perms |= guild.rolePermissions(roleId) ?? 0n;
  return (perms & P.Administrator) !== 0n ? ALL_PERMISSIONS : perms;
}

/**
 * Channel permissions, applying overwrites in Discord's documented order: @everyone, then all the
 * member's roles together (deny before allow), then the member's own overwrite.
 */
export function channelPermissions(
  guild: PermissionGuild,
  member: PermissionSubject,
  overwrites: readonly APIOverwrite[],
): bigint {
  let perms = basePermissions(guild, member);
  if (perms === ALL_PERMISSIONS) return perms;

  const everyone = overwrites.find((o) => o.id === guild.id);
  if (everyone) perms = (perms & ~BigInt(everyone.deny)) | BigInt(everyone.allow);

  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === OverwriteType.Role && o.id !== guild.id && member.roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;

  const own = overwrites.find((o) => o.type === OverwriteType.Member && o.id === member.userId);
  if (own) perms = (perms & ~BigInt(own.deny)) | BigInt(own.allow);

  // Without VIEW_CHANNEL nothing else in the channel is usable.
  return (perms & P.ViewChannel) === 0n ? 0n : perms;
}

export function has(perms: bigint, needed: bigint): boolean {
  return (perms & needed) === needed;
}
