import { ROOM_PLAYER_LIMIT } from '@repo/protocol';
import { avatarUrl } from '../auth/session.ts';
import type { InviteTarget } from './invite-check.ts';
import type { InviteKind } from './invite-token.ts';
import { type Membership, membershipOf } from './room.ts';

/**
 * What the invite page shows before anyone clicks "Join room" (a GET changes nothing): who invites
 * you (the host's name and avatar, as Discord shows them to anyone in the server), to which room,
 * as a player or a spectator, and how many of the 4 seats are taken. Nothing more: not who the
 * players are, nor the room's Discord channel or role. Anyone holding the link sees this much,
 * signed in or not; the link is what the host chose to share.
 */
export interface InvitePreview {
  kind: InviteKind;
  room: { id: string; name: string };
  host: { userId: string; username: string; globalName: string | null; avatarUrl: string | null };
  seats: { taken: number; limit: number };
}

export function invitePreview({ claims, room }: InviteTarget, cdnUrl: string): InvitePreview {
  const host = room.profiles[room.creatorId];
  return {
    kind: claims.kind,
    room: { id: room.id, name: room.name },
    host: {
      userId: room.creatorId,
      username: host?.username ?? 'unknown',
      globalName: host?.globalName ?? null,
      avatarUrl: avatarUrl(cdnUrl, room.creatorId, host?.avatar ?? null),
    },
    seats: { taken: room.players.length, limit: ROOM_PLAYER_LIMIT },
  };
}

/**
 * Whether the viewer is already where this link would put them (so the page offers "Open room"
 * instead of "Join room"): a player link for a spectator still joins, as a player.
 */
export function alreadyJoined(target: InviteTarget, userId: string): boolean {
  const membership: Membership = membershipOf(target.room, userId);
  if (membership === 'creator' || membership === 'player') return true;
  return membership === 'spectator' && target.claims.kind === 'spectator';
}
