import type { RoomListing } from '@repo/protocol';
import { createServerFn } from '@tanstack/react-start';
import { optionalSession } from './auth/request-session.ts';
import { getServices } from './services.ts';

/** What the lobby shows: this server's status, and the signed-in user's rooms (null when signed out). */
export const getLobbyInfo = createServerFn({ method: 'GET' }).handler(async () => {
  const services = await getServices();
  const session = await optionalSession(services.auth);
  const rooms: RoomListing[] | null = session ? await services.rooms.listForUser(session.userId) : null;
  return {
    instanceId: services.instanceId,
    online: services.hub.connectionCount,
    discord: services.discord.kind,
    emulatorUrl: services.discord.emulatorUrl ?? null,
    rooms,
  };
});

/** The signed-in user's rooms, refetched by the lobby after its live connection (re)connects. */
export const getMyRooms = createServerFn({ method: 'GET' }).handler(async (): Promise<RoomListing[] | null> => {
  const services = await getServices();
  const session = await optionalSession(services.auth);
  return session ? services.rooms.listForUser(session.userId) : null;
});
