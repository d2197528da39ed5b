import { z } from 'zod';
import { PROTOCOL_VERSION } from './envelope.ts';
import { GatewayStatusPayload, LobbyEventPayload, RoomEvent, type RoomEventName, RoomSnapshot } from './rooms.ts';

/**
 * Every event the server sends (`{type:'event', event, payload}`), in one union: a room's stream,
 * the snapshot that starts a subscription, a user's lobby list and the Discord connection's status.
 * The server types every frame it builds from it (its event bus takes nothing else) and the client
 * parses with it, so a frame the client would drop as unreadable cannot be written.
 */
export const ServerEvent = z.discriminatedUnion('event', [
  ...RoomEvent.options,
  z.object({ event: z.literal('room.snapshot'), payload: RoomSnapshot }),
  z.object({ event: z.literal('lobby.rooms'), payload: LobbyEventPayload }),
  z.object({ event: z.literal('gateway.status'), payload: GatewayStatusPayload }),
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventName = ServerEvent['event'];

const roomEventNames: ReadonlySet<string> = new Set(RoomEvent.options.map((option) => option.shape.event.value));

/** The events of a room's stream: numbered per room (`seq`, contiguous from 1), so a client can tell a gap. */
export function isRoomEvent(event: string): event is RoomEventName {
  return roomEventNames.has(event);
}

/** An event frame, with the envelope fields filled in. */
export function eventMessage(event: ServerEvent, now: number = Date.now()): { v: typeof PROTOCOL_VERSION; ts: number; type: 'event' } & ServerEvent {
  return { v: PROTOCOL_VERSION, ts: now, type: 'event', ...event };
}
