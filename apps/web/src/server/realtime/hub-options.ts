import type { Clock } from '@repo/platform';
import type { RoomSnapshot } from '@repo/protocol';
import type { Logger } from 'pino';
import type { LostAccess } from './event-bus.ts';
import type { PreparedFrame } from './prepared-frame.ts';

/** What the hub needs from a socket; crossws peers are adapted to this in ws-hooks.ts. */
export interface Connection {
  readonly id: string;
  send(frame: string): void;
  /**
   * Writes a frame shared by every target of an event. Optional: a connection without it gets
   * `frame.text` through `send`. ws-hooks.ts writes `frame.wire` straight to the socket.
   */
  sendPrepared?(frame: PreparedFrame): void;
  close(code: number, reason: string): void;
  /** Bytes queued in the socket, not yet written to the network. */
  bufferedAmount(): number;
  ping(): void;
  terminate(): void;
}

export const HubDefaults = {
  authDeadlineMs: 5_000,
  heartbeatIntervalMs: 15_000,
  /**
   * The heartbeat pings a slice of the connections every this many ms, so that each is pinged once
   * per interval without 10k pings (10k socket writes) in one event-loop turn every 15 s.
   */
  heartbeatSliceMs: 100,
  /** Missed pongs before a connection is dropped (R-RT5). */
  maxMissedPongs: 2,
  /** A socket with more than this queued is a slow consumer: closed, never waited for (R-RT6). */
  maxBufferedBytes: 1024 * 1024,
  maxConnectionsPerUser: 10,
  maxSubscriptionsPerConnection: 20,
  /** Inbound frames: a burst of this many, refilled at `framesPerSecond` (R-RT7). */
  frameBurst: 40,
  framesPerSecond: 20,
} as const;

export type HubTuning = { -readonly [K in keyof typeof HubDefaults]: number };

export type ViewAccess = 'allowed' | LostAccess;

export interface HubOptions {
  log: Logger;
  clock: Clock;
  /** The user id in a valid WS token, or null. */
  verifyToken(token: string): Promise<string | null>;
  /**
   * The bus topic of what a client subscribes to by name (`subscribe {room}`): given by the part
   * that owns those streams (rooms/room-events.ts), so the hub never reads a topic.
   */
  streamTopic(name: string): string;
  /** May the user watch it? `closed`: it existed and was closed (the answer tells the tab it is gone). */
  viewAccess(name: string, userId: string): Promise<ViewAccess>;
  snapshot(name: string): Promise<RoomSnapshot | null>;
  /** The Discord connection's status, sent to every new connection (R-RT9). */
  gatewayStatus(): { live: boolean; state: string };
  /** Viewer counts per subscribed name, for room activity (cleanup). */
  onViewersChanged?(name: string, viewers: number, arrived: boolean): void;
  /** Counters for metrics. */
  onStat?(stat: HubStat): void;
  tuning?: Partial<HubTuning>;
}

export type HubStat =
  | { kind: 'delivered'; event: string; frames: number; latencyMs: number | null }
  | { kind: 'slow-consumer' }
  | { kind: 'protocol-violation' }
  | { kind: 'auth-failed' };
