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
export {
  GatewayStatusPayload,
  LobbyEventPayload,
  OPEN_ROOMS_PER_USER,
  Player,
  ROOM_PLAYER_LIMIT,
  ROOM_VIEWER_LIMIT,
  RoomDeletedReason,
  RoomEvent,
  RoomId,
  RoomInfo,
  RoomListing,
  RoomName,
  RoomSnapshot,
  UserSummary,
  VoiceMember,
  type RoomEventName,
} from './rooms.ts';
export { ApiErrorBody, CreatedRoom, VoiceAction, WsTokenResponse } from './api.ts';
