import {
  GatewayOpcodes,
  type GatewayHeartbeatAck,
  type GatewayHeartbeatRequest,
  type GatewayHello,
  type GatewayInvalidSession,
  type GatewayReconnect,
} from 'discord-api-types/v10';

/**
 * The non-dispatch frames the server sends, serialized once. Discord always sends all four keys
 * (`op`, `d`, `s`, `t`) with null where they do not apply; strict client-side parsers rely on that.
 * Dispatches are serialized by the session, which owns their sequence numbers.
 */
const serialize = (frame: GatewayHello | GatewayHeartbeatAck | GatewayHeartbeatRequest | GatewayInvalidSession | GatewayReconnect) =>
  JSON.stringify({ op: frame.op, d: frame.d ?? null, s: null, t: null });

export const OutboundFrames = {
  hello: (heartbeatIntervalMs: number) =>
    serialize({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: heartbeatIntervalMs }, s: null, t: null }),
  heartbeatAck: () => serialize({ op: GatewayOpcodes.HeartbeatAck, d: undefined, s: null, t: null }),
  heartbeatRequest: () => serialize({ op: GatewayOpcodes.Heartbeat, d: undefined, s: null, t: null }),
  invalidSession: (resumable: boolean) =>
    serialize({ op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null }),
  reconnect: () => serialize({ op: GatewayOpcodes.Reconnect, d: undefined, s: null, t: null }),
} as const;
