import { AppError } from '../errors.ts';
import { INVITE_TOKEN_MAX_LENGTH, type InviteClaims, type InviteTokens } from './invite-token.ts';
import type { Room } from './room.ts';
import type { RoomStore } from './room-store.ts';

/**
 * An invite link checked on every use (R-ROOM2), for the invite page's preview and for redeem
 * alike: a valid signature for our key and audience, not expired, for this Discord server, and
 * bound to the room it names. The binding matters because room ids are short: a token whose room
 * id is real but whose channel or role is another room's (a closed room's id reused, or a token
 * minted by anyone holding the key) must not open that room.
 */
export interface InviteTarget {
  claims: InviteClaims;
  room: Room;
}

export interface InviteCheckDeps {
  invites: InviteTokens;
  store: Pick<RoomStore, 'get'>;
  guildId: string;
}

export async function openInvite(token: string, deps: InviteCheckDeps, now: number): Promise<InviteTarget> {
  if (token.length > INVITE_TOKEN_MAX_LENGTH) throw invalid();
  const verified = await deps.invites.verify(token, now);
  if (!verified.ok) {
    if (verified.reason === 'expired') throw new AppError('gone', 'This invite link has expired. Ask for a new one.', { reason: 'invite_expired' });
    throw invalid();
  }
  const claims = verified.claims;
  if (claims.guildId !== deps.guildId) throw new AppError('validation', 'This invite link is for another Discord server.', { reason: 'invite_invalid' });
  const room = await deps.store.get(claims.roomId);
  if (!room || room.guildId !== claims.guildId || room.channelId !== claims.channelId || room.roleId !== claims.roleId) {
    throw new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
  }
  return { claims, room };
}

function invalid(): AppError {
  return new AppError('validation', 'This invite link is not valid.', { reason: 'invite_invalid' });
}
