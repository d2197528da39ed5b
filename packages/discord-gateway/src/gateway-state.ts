/** The connection's state for health checks (R-GW6). */
export const GatewayState = {
  /** Not started, stopped, or stopped for good after a fatal close (see `fatalError`). */
  Disconnected: 'DISCONNECTED',
  /** First connection: fetching /gateway/bot, opening the socket. */
  Connecting: 'CONNECTING',
  /** HELLO received; IDENTIFY or RESUME sent, waiting for READY/RESUMED. */
  Identifying: 'IDENTIFYING',
  Connected: 'CONNECTED',
  /** The connection was lost; a reconnect (or the backoff wait before one) is under way. */
  Reconnecting: 'RECONNECTING',
} as const;
export type GatewayState = (typeof GatewayState)[keyof typeof GatewayState];

export interface GatewayStatus {
  state: GatewayState;
  sessionId: string | null;
  /** Last dispatch sequence processed. */
  sequence: number | null;
  /** Round trip of the last heartbeat, ms; null before the first ACK of the process. */
  heartbeatLatencyMs: number | null;
  lastHeartbeatAckAt: number | null;
  /** Connection attempts after the first one (resumes and re-identifies alike). */
  reconnectCount: number;
  /** Attempts that failed in a row (0 while connected). */
  consecutiveFailures: number;
  /** Guilds whose voice cache holds a GUILD_CREATE snapshot. */
  readyGuildIds: string[];
  /** Why the client stopped for good, when it did. */
  fatalError: { code: number; reason: string } | null;
  /**
   * Set while Discord has no session start (IDENTIFY) left for the bot: when the wait for its
   * `session_start_limit` to reset ends (ms, the client's clock). Null otherwise.
   */
  identifyBlockedUntil: number | null;
  /** The last `session_start_limit` read from GET /gateway/bot, with our identifies since subtracted. */
  sessionStartLimit: Readonly<{ total: number; remaining: number; resetAfterMs: number; maxConcurrency: number; readAt: number }> | null;
}
