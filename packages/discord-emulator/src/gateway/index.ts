/**
 * The emulator's Gateway v10 server. E-REST's HTTP server routes `/gateway` upgrades here; the
 * control API's fault routes call `injectFault` / `forgetSessions`. See
 * specs/discord-emulator-gateway.md for the behaviour a client can rely on.
 */
export {
  createGatewayServer,
  gatewayUrl,
  type GatewayFault,
  type GatewayFaultKind,
  type GatewayServer,
  type GatewayServerOptions,
  type GatewaySessionStats,
  type GatewayStats,
} from './gateway-server.ts';
export type { GatewayStateSource } from './gateway-state.ts';
export {
  SessionStartLimit,
  type SessionStartLimitOptions,
  type SessionStartLimitUpdate,
} from './session-start-limit.ts';
