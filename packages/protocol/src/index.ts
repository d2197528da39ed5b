export { CloseCodes, shouldReconnect, type CloseCodeName } from './close-codes.ts';
export {
  ClientMessage,
  ErrorCode,
  PROTOCOL_VERSION,
  ProtocolLimits,
  ServerMessage,
  parseClientFrame,
  parseServerFrame,
  serverMessage,
  type ParseResult,
} from './envelope.ts';
