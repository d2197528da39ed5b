// @repo/protocol: the browser ↔ server wire in zod, used by both ends: the envelope and its frames,
// every event the server sends (one union), the room payloads, the JSON API's shapes, close codes.
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
  RevocationReason,
  SubscribeRefusals,
  type ParseResult,
  type SubscribeRefusal,
} from './envelope.ts';
export { ServerEvent, eventMessage, isRoomEvent, type ServerEventName } from './events.ts';
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
export { ApiErrorBody, CreatedRoom, UserServer, VoiceAction, WsTokenResponse } from './api.ts';
