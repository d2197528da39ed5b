/** The tunables of the Gateway client, units in the names. */
export interface GatewayTuning {
  /** Discord's API root without the version; the emulator's is `${url}/api`. */
  restBaseUrl: string;
  apiVersion: string;
  /** R-GW4: the wait after the first failed attempt; doubles per failure up to the max. */
  backoffInitialDelayMs: number;
  backoffMaxDelayMs: number;
  /** Failed attempts in a row after which an operator alert is logged (error level). */
  alertAfterFailures: number;
  /** Opening the WebSocket (TCP + TLS + upgrade). */
  handshakeTimeoutMs: number;
  /** From the socket opening to HELLO. */
  helloTimeoutMs: number;
  /** From IDENTIFY to READY. */
  readyTimeoutMs: number;
  /**
   * A `session_start_limit` read this recently is trusted before an IDENTIFY (our own identifies
   * subtracted) instead of asking GET /gateway/bot again: covers the first connect, which reads it
   * just before.
   */
  identifyBudgetFreshMs: number;
}

/** One object, nothing here reads the environment: the app's config module overrides what it must. */
export const gatewayDefaults: Readonly<GatewayTuning> = {
  restBaseUrl: 'https://discord.com/api',
  apiVersion: '10',
  // R-GW4: 1 s → 2 s → 4 s → 8 s → 16 s, then every 16 s.
  backoffInitialDelayMs: 1_000,
  backoffMaxDelayMs: 16_000,
  alertAfterFailures: 5,
  // @discordjs/ws's own defaults: generous, because a slow first connect beats a reconnect storm.
  handshakeTimeoutMs: 30_000,
  helloTimeoutMs: 60_000,
  readyTimeoutMs: 15_000,
  identifyBudgetFreshMs: 5_000,
};
