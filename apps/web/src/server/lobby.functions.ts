import type { RoomListing, UserServer } from '@repo/protocol';
import { createServerFn } from '@tanstack/react-start';
import { optionalSession } from './auth/request-session.ts';
import { addToDiscordUrl } from './guilds/bot-install.ts';
import { getServices } from './services.ts';

/** The servers part of the lobby (issue 17): where the user may make rooms, every server's name, the install link. */
export interface LobbyServers {
  /** The servers the user may make rooms in (home first), each with its capacity. */
  guilds: UserServer[];
  /** Signed in before the `guilds` scope: only the home server is listed; signing in again lists the rest. */
  signInAgain: boolean;
  /** The names of the servers the user's rooms and `guilds` are in, by id (no other server's): the headings over the rooms. */
  names: Record<string, string>;
  addToDiscordUrl: string;
}

/** What the lobby shows: this server's status, and the signed-in user's rooms and servers (null when signed out). */
export const getLobbyInfo = createServerFn({ method: 'GET' }).handler(async () => {
  const services = await getServices();
  const session = await optionalSession(services.auth);
  const rooms: RoomListing[] | null = session ? await services.rooms.listForUser(session.userId) : null;
  const { guilds, signInAgain } = session ? await services.guilds.listForUser(session) : { guilds: [], signInAgain: false };
  const servers: LobbyServers | null = session
    ? {
        guilds,
        signInAgain,
        names: await services.guilds.names([...(rooms ?? []).map((r) => r.guildId), ...guilds.map((g) => g.id)]),
        addToDiscordUrl: addToDiscordUrl(services.discord.clientId, `${new URL(services.discord.apiUrl).origin}/oauth2/authorize`),
      }
    : null;
  return {
    instanceId: services.instanceId,
    online: services.hub.connectionCount,
    discord: services.discord.kind,
    emulatorUrl: services.discord.emulatorUrl ?? null,
    rooms,
    servers,
  };
});

/** The signed-in user's rooms, refetched by the lobby after its live connection (re)connects. */
export const getMyRooms = createServerFn({ method: 'GET' }).handler(async (): Promise<RoomListing[] | null> => {
  const services = await getServices();
  const session = await optionalSession(services.auth);
  return session ? services.rooms.listForUser(session.userId) : null;
});
