/**
 * Every WebSocket close code the server uses, in one table (centrifuge-style): a client reads
 * `retry` to know whether reconnecting can help.
 */
export const CloseCodes = {
  /** The server is shutting down or restarting; reconnect (to another instance). */
  GoingAway: { code: 1001, retry: true, reason: 'server going away' },
  /** The connection's send buffer passed its limit: the client could not keep up. */
  SlowConsumer: { code: 1008, retry: true, reason: 'slow consumer' },
  /** No `auth` message within the deadline after connecting. */
  AuthTimeout: { code: 4001, retry: true, reason: 'authentication timeout' },
  /** The token was malformed, forged or expired: fetch a fresh one before reconnecting. */
  BadToken: { code: 4003, retry: true, reason: 'invalid or expired token' },
  /** This user already has the maximum number of open connections (tabs). */
  TooManyConnections: { code: 4008, retry: false, reason: 'too many connections' },
  /** Bad JSON, unknown message type, oversized frame or flooding. */
  ProtocolViolation: { code: 4009, retry: false, reason: 'protocol violation' },
} as const;

export type CloseCodeName = keyof typeof CloseCodes;

const byCode = new Map<number, (typeof CloseCodes)[CloseCodeName]>(
  Object.values(CloseCodes).map((entry) => [entry.code, entry]),
);

/** Whether a client should reconnect after the server closed with `code`. Unknown codes: yes. */
export function shouldReconnect(code: number): boolean {
  return byCode.get(code)?.retry ?? true;
}
