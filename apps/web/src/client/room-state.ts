import type { Player, RoomDeletedReason, RoomEvent, RoomInfo, RoomSnapshot, UserSummary, VoiceMember } from '@repo/protocol';

// One room as this tab knows it, and the pure rules that keep it true: a snapshot replaces
// everything; events apply in sequence, idempotently (joined/updated upsert, left removes); a
// missing sequence number means we missed something, so we ask for a fresh snapshot instead of
// guessing (R-RT3).

/** This tab's copy of a room at one `seq`: the last snapshot with the events after it applied; what the room page renders. */
export interface RoomReplica {
  roomId: string;
  room: RoomInfo;
  players: Player[];
  spectators: UserSummary[];
  voice: VoiceMember[];
  /** The room's sequence number this replica reflects. */
  seq: number;
}

/**
 * - `pending`: waiting for the first snapshot of this subscription (the view, if any, came from the page load).
 * - `live`: snapshot applied, events flowing.
 * - `resyncing`: a resubscribe was sent (gap, reconnect, Discord back); events wait for its snapshot.
 * - `failed`: the server refused the subscription (`error` says why); a refusal because the room
 *   was closed (`not_found`) is `deleted` instead, one because this user may not watch it
 *   (`forbidden`) is `revoked`.
 * - `revoked`: this user is no longer in the room: a live subscription ended by the server (their
 *   seat given back, removed, gone from the Discord server), or a subscribe refused as forbidden
 *   after the page had shown the room. A later snapshot (access came back) makes it live again.
 * - `deleted`: the room is gone (`deleted` says why).
 */
export type RoomSync = 'pending' | 'live' | 'resyncing' | 'failed' | 'revoked' | 'deleted';

export interface RoomChannel {
  roomId: string;
  view: RoomReplica | null;
  sync: RoomSync;
  deleted: RoomDeletedReason | null;
  /** `reason`: why a revocation ended the subscription (`removed`, `left`, …), when the server said. */
  error: { code: string; message: string; reason?: string } | null;
}

export type RoomAction =
  /** A (re)subscribe frame went out: hold events until its snapshot. */
  | { type: 'subscribing' }
  | { type: 'snapshot'; snapshot: RoomSnapshot }
  | { type: 'event'; event: RoomEvent }
  /** An event for this room that did not parse: we cannot apply it, so we must resync. */
  | { type: 'unreadable' }
  /** An `error` frame for this room: a refused subscribe, or a live subscription the server ended. */
  | { type: 'failed'; code: string; message: string; reason?: string };

export interface RoomStep {
  channel: RoomChannel;
  /** The caller must send a fresh `subscribe` for this room. */
  resubscribe: boolean;
}

export function emptyChannel(roomId: string): RoomChannel {
  return { roomId, view: null, sync: 'pending', deleted: null, error: null };
}

export function replicaFromSnapshot(snapshot: RoomSnapshot): RoomReplica {
  return {
    roomId: snapshot.roomId,
    room: snapshot.room,
    players: snapshot.players,
    spectators: snapshot.spectators,
    voice: snapshot.voice,
    seq: snapshot.seq,
  };
}

/** A channel seeded from the page's server-side load; it is `pending` until the socket's snapshot. */
export function seededChannel(snapshot: RoomSnapshot): RoomChannel {
  return { ...emptyChannel(snapshot.roomId), view: replicaFromSnapshot(snapshot) };
}

const same = (channel: RoomChannel): RoomStep => ({ channel, resubscribe: false });

export function reduceRoom(channel: RoomChannel, action: RoomAction): RoomStep {
  switch (action.type) {
    case 'subscribing':
      if (channel.sync === 'deleted') return same(channel);
      return same({ ...channel, sync: channel.sync === 'live' || channel.sync === 'resyncing' ? 'resyncing' : 'pending', error: null });
    case 'snapshot':
      if (channel.sync === 'deleted') return same(channel);
      return same({ ...channel, view: replicaFromSnapshot(action.snapshot), sync: 'live', error: null });
    case 'failed':
      if (channel.sync === 'deleted') return same(channel);
      // A subscribe that reached the server after the room closed: it is gone (the server does not
      // keep why; "closed" is the common case).
      if (action.code === 'not_found') return same({ ...channel, sync: 'deleted', deleted: 'closed', error: null });
      return same({
        ...channel,
        sync: action.code === 'forbidden' ? 'revoked' : 'failed',
        error: { code: action.code, message: action.message, ...(action.reason !== undefined ? { reason: action.reason } : {}) },
      });
    case 'unreadable':
      if (channel.sync !== 'live') return same(channel);
      return { channel: { ...channel, sync: 'resyncing' }, resubscribe: true };
    case 'event':
      return applyEvent(channel, action.event);
  }
}

function applyEvent(channel: RoomChannel, event: RoomEvent): RoomStep {
  const view = channel.view;
  // Before the snapshot of the current subscription, events are noise: the snapshot will cover them.
  if (channel.sync !== 'live' || view === null) return same(channel);
  const { seq } = event.payload;
  if (seq <= view.seq) return same(channel); // already applied (a duplicate or a replay)
  if (event.event === 'room.deleted') {
    // Gone is gone: no need to resync first to learn that.
    return same({ ...channel, view: { ...view, seq }, sync: 'deleted', deleted: event.payload.reason });
  }
  if (seq !== view.seq + 1) return { channel: { ...channel, sync: 'resyncing' }, resubscribe: true };
  return same({ ...channel, view: applyToReplica(view, event) });
}

function applyToReplica(view: RoomReplica, event: RoomEvent): RoomReplica {
  const seq = event.payload.seq;
  switch (event.event) {
    case 'voice.joined':
    case 'voice.updated':
      return { ...view, seq, voice: upsert(view.voice, event.payload.member) };
    case 'voice.left':
      return { ...view, seq, voice: view.voice.filter((m) => m.userId !== event.payload.userId) };
    case 'room.updated':
      return { ...view, seq, room: event.payload.room, players: event.payload.players, spectators: event.payload.spectators };
    case 'room.closing':
      return { ...view, seq, room: { ...view.room, closingAt: event.payload.closingAt } };
    case 'room.closing.cancelled':
      return { ...view, seq, room: { ...view.room, closingAt: null } };
    case 'room.deleted':
      return { ...view, seq };
  }
}

function upsert(voice: VoiceMember[], member: VoiceMember): VoiceMember[] {
  const at = voice.findIndex((m) => m.userId === member.userId);
  if (at === -1) return [...voice, member];
  const next = voice.slice();
  next[at] = member;
  return next;
}

// ---- what the page asks of a view -------------------------------------------------------------------

export function voiceOf(view: RoomReplica, userId: string): VoiceMember | undefined {
  return view.voice.find((m) => m.userId === userId);
}

/** People in the voice channel who are not players: joined from Discord directly, or left the game. */
export function voiceOutsiders(view: RoomReplica): VoiceMember[] {
  const players = new Set(view.players.map((p) => p.userId));
  return view.voice.filter((m) => !players.has(m.userId));
}

export function isMuted(member: VoiceMember): boolean {
  return member.selfMute || member.mute;
}

export function isDeafened(member: VoiceMember): boolean {
  return member.selfDeaf || member.deaf;
}

export function displayName(user: { globalName: string | null; username: string }): string {
  return user.globalName ?? user.username;
}
