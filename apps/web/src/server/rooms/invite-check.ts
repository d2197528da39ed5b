import { AppError } from '../errors.ts';
import { INVITE_TOKEN_MAX_LENGTH, type InviteClaims, type InviteTokens } from './invite-token.ts';
import { type Room, membershipOf } from './room.ts';
import type { RoomStore } from './room-store.ts';

/**
 * An invite link checked on every use (R-ROOM2), for the invite page's preview and for redeem
 * alike: a valid signature for our key and audience, not expired, for this Discord server, and
 * bound to the room it names. The binding matters because room ids are short: a token whose room
 * id is real but whose channel or role is another room's (a closed room's id reused, or a token
 * minted by anyone holding the key) must not open that room.
 *
 * Then the host's controls (issue 19), in this order: a link of an earlier generation was replaced
 * (410), a removed user's link is refused until the host makes new links (403), and a locked room
 * seats nobody new (403). A link that would not change the viewer's seat still opens, replaced or
 * locked, so the seated are not turned away from their own room (a bookmarked old link): it seats
 * nobody, and the page offers "Open room".
 */
export interface InviteTarget {
  claims: InviteClaims;
  room: Room;
}

export interface InviteCheckDeps {
  invites: InviteTokens;
  store: Pick<RoomStore, 'get'>;
  /** Only this server's links (400 otherwise). Without it any server's: the room's own server is checked below (issue 17). */
  guildId?: string;
}

export const INVITE_REPLACED_MESSAGE = 'This link was replaced by the host. Ask them for the new one.';
export const REMOVED_MESSAGE = 'The host removed you from this room.';
export const ROOM_LOCKED_MESSAGE = 'This room is locked by its host.';

/** `viewerId`: who opens the link, when signed in (a removed user is refused; a seated one passes a lock). */
export async function openInvite(token: string, deps: InviteCheckDeps, now: number, viewerId?: string): Promise<InviteTarget> {
  if (token.length > INVITE_TOKEN_MAX_LENGTH) throw invalid();
  const verified = await deps.invites.verify(token, now);
  if (!verified.ok) {
    if (verified.reason === 'expired') throw new AppError('gone', 'This invite link has expired. Ask for a new one.', { reason: 'invite_expired' });
    throw invalid();
  }
  const claims = verified.claims;
  if (deps.guildId !== undefined && claims.guildId !== deps.guildId) throw new AppError('validation', 'This invite link is for another Discord server.', { reason: 'invite_invalid' });
  const room = await deps.store.get(claims.roomId);
  if (!room || room.guildId !== claims.guildId || room.channelId !== claims.channelId || room.roleId !== claims.roleId) {
    throw new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
  }
  const seated = viewerId !== undefined && seatedAsLinkSays(room, claims, viewerId);
  if (claims.gen !== room.linkGeneration && !seated) throw new AppError('gone', INVITE_REPLACED_MESSAGE, { reason: 'invite_replaced' });
  if (viewerId !== undefined && room.barred.includes(viewerId)) throw new AppError('forbidden', REMOVED_MESSAGE, { reason: 'removed' });
  if (room.locked && !seated) {
    throw new AppError('forbidden', ROOM_LOCKED_MESSAGE, { reason: 'room_locked' });
  }
  return { claims, room };
}

/** Whether the link would leave the viewer where they are (a player link for a spectator would not). */
function seatedAsLinkSays(room: Room, claims: InviteClaims, userId: string): boolean {
  const membership = membershipOf(room, userId);
  return membership === 'creator' || membership === 'player' || (membership === 'spectator' && claims.kind === 'spectator');
}

function invalid(): AppError {
  return new AppError('validation', 'This invite link is not valid.', { reason: 'invite_invalid' });
}
