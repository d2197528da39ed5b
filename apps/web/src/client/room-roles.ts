import type { Player } from '@repo/protocol';
import { type RoomReplica, displayName } from './room-state.ts';

/**
 * What this user may do in a room, read from the live view rather than from the page load: the
 * host can change while the page is open (a hand-over, or the host leaving), and the controls
 * follow it (issue 19).
 */
export type SeatRole = 'host' | 'player' | 'spectator' | 'none';

export function roleIn(view: RoomReplica, me: string): SeatRole {
  if (view.room.creatorId === me) return 'host';
  if (view.players.some((p) => p.userId === me)) return 'player';
  if (view.spectators.some((s) => s.userId === me)) return 'spectator';
  return 'none';
}

/**
 * Who becomes host when the host leaves: the next player in seat order (the players list is in
 * seat order, host first), or null when the host is the only player and the room closes.
 */
export function successorOf(view: RoomReplica): Player | null {
  return view.players.find((p) => p.userId !== view.room.creatorId) ?? null;
}

/** What leaving does, said before it happens: the host's dialog names who becomes host, or says the room closes. */
export function leaveConsequence(view: RoomReplica, role: Exclude<SeatRole, 'none'>): string {
  // Leaving bars nobody: the same link seats them again while the room is open and unlocked.
  if (role === 'spectator') return 'You stop watching this room. You can come back with a spectator link while the room is open and unlocked.';
  const seat = 'You give back your seat and the room’s Discord role, and you are disconnected from its voice channel.';
  if (role === 'player') return `${seat} You can come back with an invite link while the room is open and unlocked.`;
  const next = successorOf(view);
  if (next === null) return 'You are the only player, so the room closes for everyone in it, and its Discord voice channel and role are deleted.';
  return `${seat} ${displayName(next)} becomes the host.`;
}

/** Why this tab lost the room (the revocation's reason, websocket-protocol.md), as the page says it. */
export function revocationNotice(reason: string | null | undefined, roomName: string): { title: string; body: string } {
  switch (reason) {
    case 'removed':
      return {
        title: 'The host removed you from this room',
        // Said to removed players and spectators alike: a spectator has no seat and no voice.
        body: `Your place in “${roomName}” was taken back. Your old invite link will not bring you back; ask the host if you think this was a mistake.`,
      };
    case 'left':
      return {
        title: 'You left this room',
        body: `You gave back your place in “${roomName}”. You can come back with an invite link while the room is open and unlocked.`,
      };
    default:
      return {
        title: 'You are no longer in this room',
        body: `You can no longer watch “${roomName}”: your place in it was withdrawn. This happens when joining could not be completed in Discord, or when you left the Discord server. Ask the host for a new invite link to come back.`,
      };
  }
}
