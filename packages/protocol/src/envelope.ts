import { z } from 'zod';

/** Wire version. Bumped only for breaking changes; both ends reject other versions. */
export const PROTOCOL_VERSION = 1 as const;

/** Limits both ends agree on. */
export const ProtocolLimits = {
  /** Largest client → server frame, in bytes (UTF-8). */
  maxInboundFrameBytes: 4 * 1024,
  /** How long a new connection has to send `auth`. */
  authDeadlineMs: 5_000,
} as const;

const base = {
  v: z.literal(PROTOCOL_VERSION),
  /** Sender's wall-clock time in ms since the epoch (diagnostics only; never used for ordering). */
  ts: z.number().int().nonnegative(),
};

/** Messages a browser may send. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('auth'), token: z.string().min(1).max(2048) }),
  z.object({ ...base, type: z.literal('subscribe'), room: z.string().min(1).max(64) }),
  z.object({ ...base, type: z.literal('unsubscribe'), room: z.string().min(1).max(64) }),
  z.object({ ...base, type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Errors carried by `{type:'error'}` frames; stable strings a client can switch on. */
export const ErrorCode = z.enum([
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'rate_limited',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * The error frame of a refused subscribe, which is also the frame that ends a subscription whose
 * access is gone (a revocation): a tab learns the same thing whichever happened first. `denied`
 * answers both "no such room" and "not yours", so nothing about a room leaks; `closed` is a room
 * that existed and was closed.
 */
export const SubscribeRefusals = {
  denied: { code: 'forbidden', error: 'You cannot watch this room.' },
  closed: { code: 'not_found', error: 'This room has been closed.' },
} as const satisfies Record<string, { code: ErrorCode; error: string }>;
export type SubscribeRefusal = keyof typeof SubscribeRefusals;

/**
 * Why someone's access to a room ended, when it was not the room itself (a `denied` refusal that
 * ends a subscription carries it): `removed` by the host, `left` of their own accord (their other
 * tabs leave too). Absent for everything else (a member gone from the guild, a seat given back).
 */
export const RevocationReason = z.enum(['removed', 'left']);
export type RevocationReason = z.infer<typeof RevocationReason>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('ack'), event: z.string(), userId: z.string().optional(), room: z.string().optional() }),
  z.object({ ...base, type: z.literal('event'), event: z.string(), payload: z.unknown() }),
  // `room`: set when the error refuses a subscribe, so a client with several in flight knows which.
  // `reason`: only on the frame that ends a subscription whose access was revoked for that reason.
  z.object({ ...base, type: z.literal('error'), code: ErrorCode, error: z.string(), room: z.string().optional(), reason: RevocationReason.optional() }),
  z.object({ ...base, type: z.literal('pong') }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

const encoder = new TextEncoder();

/** UTF-8 size without encoding short strings (a UTF-16 unit is at most 3 UTF-8 bytes). Runs in browsers too. */
function utf8Length(text: string): number {
  return text.length * 3 <= ProtocolLimits.maxInboundFrameBytes ? text.length : encoder.encode(text).byteLength;
}

/** Parse one inbound text frame. Never throws: bad input is a value, not an exception. */
export function parseClientFrame(raw: string): ParseResult<ClientMessage> {
  if (utf8Length(raw) > ProtocolLimits.maxInboundFrameBytes) {
    return { ok: false, error: `frame larger than ${ProtocolLimits.maxInboundFrameBytes} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'frame is not valid JSON' };
  }
  const result = ClientMessage.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    return { ok: false, error: `invalid message${first ? `: ${first.path.join('.') || 'frame'} ${first.message}` : ''}` };
  }
  return { ok: true, message: result.data };
}

/** Parse one server frame (browser side). */
export function parseServerFrame(raw: string): ParseResult<ServerMessage> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'frame is not valid JSON' };
  }
  const result = ServerMessage.safeParse(json);
  return result.success ? { ok: true, message: result.data } : { ok: false, error: 'invalid server message' };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Build a server frame with the envelope fields filled in. */
export function serverMessage(message: DistributiveOmit<ServerMessage, 'v' | 'ts'>, now: number = Date.now()): ServerMessage {
  return { v: PROTOCOL_VERSION, ts: now, ...message } as ServerMessage;
}
