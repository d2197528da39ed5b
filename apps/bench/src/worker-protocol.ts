/**
 * Messages between the bench driver (main process) and its client workers (child processes on
 * the bench's core). Sent over the fork IPC channel with `serialization: 'advanced'`, so typed
 * arrays travel as they are.
 */

export interface ClientSpec {
  /** Global index, 0…N-1. */
  index: number;
  /** Emulator username (user0001…). */
  username: string;
  /** Room group (rooms of 4: clients 4g…4g+3). */
  group: number;
  /** The group's first client creates the room; the others redeem its invite. */
  creator: boolean;
  /** The user's guild, where the group's room is made (POST /api/rooms {name, guildId}). */
  guildId: string;
}

/**
 * Who a connection talks to: the app; the bare-`ws` wire floor (`ref`, fed pre-digested events on a
 * control socket); the same-job floor (`floor`, minimal code on the Discord Gateway); the discord.js
 * peer (`peer`). The last two get their events from an emulator's Gateway, as the app does.
 */
export const TARGETS = ['app', 'ref', 'floor', 'peer'] as const;
export type Target = (typeof TARGETS)[number];

export interface RoomCreated {
  group: number;
  roomId: string;
  channelId: string;
  /** Spectator invite token (the part after /invite/), for the lobby scenario. */
  spectatorToken: string;
}

export type ToWorker =
  | { type: 'init'; worker: number; baseUrl: string; clients: ClientSpec[]; concurrency: number }
  /** Sign every client in and build its group's room (create + redeem). */
  | { type: 'setup' }
  /** Open one connection per client (token → auth → optionally subscribe). */
  | { type: 'connect'; target: Target; url: string; subscribe: boolean; concurrency: number; rooms?: Record<number, string>; urls?: string[]; reconnect?: boolean }
  | { type: 'disconnect'; target: Target }
  /** Report each connection's last seen room sequence (the base for the next phase). */
  | { type: 'mark'; target: Target }
  /** Hand over (and clear) the receive records and counters. */
  | { type: 'collect' }
  /** Stop reading one client's socket (slow consumer); it stays open until the server cuts it. */
  | { type: 'pause'; client: number }
  | { type: 'redeem'; id: number; client: number; token: string }
  | { type: 'exit' };

export interface ConnectReport {
  type: 'connected';
  target: Target;
  ok: number;
  failed: number;
  errors: string[];
  /** Per connection: ms from start to token, to auth.ok, to snapshot (0 when not subscribed). */
  tokenMs: Float64Array;
  authMs: Float64Array;
  subscribeMs: Float64Array;
  /** Absolute mono times of the first start and the last completion. */
  startedAt: number;
  finishedAt: number;
}

export interface CollectReport {
  type: 'collected';
  /** Room events as (client, seq, receive time) triples, per target. */
  frames: Record<Target, Float64Array>;
  /** lobby.rooms frames as (client, 0, receive time) triples. */
  lobby: Float64Array;
  /** App connections that dropped, reconnected and got a fresh snapshot: (client, snapshot seq, time). */
  resyncs: Float64Array;
  /** Frames whose room sequence did not advance by one (repeats or reordering). */
  outOfOrder: Record<Target, number>;
  /** Connections that closed while they should have been open, by close code. */
  closes: Record<string, number>;
  /** Clients whose app connection is closed now. */
  closedClients: number[];
  /** This worker's GC since the last collect: a long pause here delays receive timestamps. */
  gc: { maxPauseMs: number; totalMs: number };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'setup-done'; rooms: RoomCreated[]; failed: number; errors: string[]; phasesMs: { signIn: number; create: number; redeem: number } }
  | ConnectReport
  | { type: 'disconnected'; target: Target }
  | { type: 'marked'; target: Target; seqs: Array<[client: number, group: number, seq: number]> }
  | CollectReport
  | { type: 'redeemed'; id: number; startedAt: number; finishedAt: number; status: number }
  | { type: 'log'; message: string };
