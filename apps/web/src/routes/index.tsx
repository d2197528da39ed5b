import { type RoomDeletedReason, type RoomListing, RoomDeletedReason as RoomDeletedReasonSchema } from '@repo/protocol';
import { Link, createFileRoute, getRouteApi } from '@tanstack/react-router';
import { ConnectionStatus } from '../components/connection-status.tsx';
import { groupRoomsByServer } from '../client/servers.ts';
import { CreateRoomForm } from '../components/create-room-form.tsx';
import { EyeIcon, CrownIcon } from '../components/icons.tsx';
import { YourServers } from '../components/your-servers.tsx';
import { badge, buttonPrimary, card } from '../components/styles.ts';
import { useLobbyRooms, useRealtime } from '../hooks/realtime.tsx';
import { type LobbyServers, getLobbyInfo, getMyRooms } from '../server/lobby.functions.ts';

interface LobbySearch {
  /** Set when the room the user was in was closed: the lobby says so. */
  closed?: RoomDeletedReason;
  room?: string;
}

export const Route = createFileRoute('/')({
  // Other query parameters are kept as they are (sign-in may come back to `/?anything`).
  validateSearch: (search: Record<string, unknown>): LobbySearch => {
    const closed = RoomDeletedReasonSchema.safeParse(search.closed);
    return {
      ...search,
      closed: closed.success ? closed.data : undefined,
      room: typeof search.room === 'string' ? search.room.slice(0, 100) : undefined,
    };
  },
  loader: () => getLobbyInfo(),
  component: LobbyPage,
});

const rootApi = getRouteApi('__root__');

const CLOSED_NOTICES: Record<RoomDeletedReason, string> = {
  closed: 'was closed by its host.',
  idle: 'was closed after an hour with nobody in it.',
  channel_deleted: 'was closed because its voice channel was deleted in Discord.',
  bot_removed: 'was closed because Spell Rooms was removed from its Discord server.',
};

function LobbyPage() {
  const info = Route.useLoaderData();
  const user = rootApi.useLoaderData();
  const { closed, room } = Route.useSearch();
  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-8 px-4 py-10 sm:py-12">
      {closed ? (
        <div role="status" className="flex items-start justify-between gap-3 rounded-xl border border-zinc-700 bg-zinc-900 px-4 py-3 text-sm">
          <p>
            <strong className="font-semibold">{room ? `“${room}”` : 'The room'}</strong> {CLOSED_NOTICES[closed]} You are back in the lobby.
          </p>
          <Link to="/" search={{}} className="shrink-0 text-zinc-400 underline hover:text-zinc-200">
            Dismiss
          </Link>
        </div>
      ) : null}

      <section className="flex flex-col gap-3">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Lobby</h1>
        <p className="max-w-2xl text-zinc-400">
          Spell Rooms gives your card game a private Discord voice channel for up to four players, and shows everyone who is in
          voice, live.
        </p>
      </section>

      {user ? <SignedInLobby initialRooms={info.rooms} servers={info.servers} /> : <SignedOutLobby />}

      <ServerStatus online={info.online} discord={info.discord} emulatorUrl={info.emulatorUrl} signedIn={user !== null} />

      <footer className="text-xs text-zinc-400" data-instance-id={info.instanceId}>
        Server instance {info.instanceId.slice(0, 8)}
      </footer>
    </main>
  );
}

function SignedOutLobby() {
  return (
    <section className={`${card} flex flex-col items-start gap-4 p-6 sm:flex-row sm:items-center sm:justify-between`}>
      <div>
        <h2 className="text-lg font-semibold">Sign in to play</h2>
        <p className="text-sm text-zinc-400">Create rooms, invite friends and see who is in voice. You only need your Discord account.</p>
      </div>
      <a href="/auth/discord/login?returnTo=%2F" className={`${buttonPrimary} shrink-0`}>
        Continue with Discord
      </a>
    </section>
  );
}

function SignedInLobby({ initialRooms, servers }: { initialRooms: RoomListing[] | null; servers: LobbyServers | null }) {
  const rooms = useLobbyRooms(initialRooms, () => getMyRooms()) ?? [];
  const groups = groupRoomsByServer(rooms, servers?.guilds ?? [], servers?.names ?? {});
  return (
    <>
    <div className="grid gap-5 md:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
      <CreateRoomForm servers={servers?.guilds ?? null} />
      <section aria-labelledby="my-rooms-heading" className={`${card} flex flex-col gap-3 p-5`}>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="my-rooms-heading" className="text-lg font-semibold">
            Your rooms
          </h2>
          <ConnectionStatus />
        </div>
        {rooms.length === 0 ? (
          <p className="text-sm text-zinc-400">No rooms yet. Create one, or open an invite link a friend sent you.</p>
        ) : (
          groups.map((group) => (
            <section key={group.guildId} aria-labelledby={`server-${group.guildId}-heading`} className="flex flex-col gap-2">
              <h3 id={`server-${group.guildId}-heading`} className="text-sm font-semibold text-zinc-300">
                {group.name}
              </h3>
              <ul aria-label={`Your rooms in ${group.name}`} className="flex flex-col gap-2">
                {group.rooms.map((room) => (
                  <RoomRow key={room.id} room={room} />
                ))}
              </ul>
            </section>
          ))
        )}
      </section>
    </div>
    {servers ? <YourServers servers={servers.guilds} addToDiscordUrl={servers.addToDiscordUrl} signInAgain={servers.signInAgain} /> : null}
    </>
  );
}

const ROLE_LABEL = { creator: 'Host', player: 'Player', spectator: 'Watching' } as const;

function RoomRow({ room }: { room: RoomListing }) {
  return (
    <li>
      <Link
        to="/rooms/$roomId"
        params={{ roomId: room.id }}
        className="flex items-center gap-3 rounded-lg border border-zinc-800 bg-zinc-950/40 px-3 py-3 hover:border-zinc-600 hover:bg-zinc-900"
      >
        <span className="min-w-0 flex-1">
          <span className="block truncate font-medium">{room.name}</span>
          <span className="block text-xs text-zinc-400">
            {room.players} of {room.playerLimit} players · {room.inVoice} in voice
          </span>
        </span>
        <span className={`${badge} shrink-0 ${room.role === 'creator' ? 'bg-blurple/15 text-indigo-200' : 'bg-zinc-800 text-zinc-300'}`}>
          {room.role === 'creator' ? <CrownIcon className="size-3" /> : room.role === 'spectator' ? <EyeIcon className="size-3" /> : null}
          {ROLE_LABEL[room.role]}
        </span>
      </Link>
    </li>
  );
}

function ServerStatus({ online, discord, emulatorUrl, signedIn }: { online: number; discord: string; emulatorUrl: string | null; signedIn: boolean }) {
  const { gateway } = useRealtime();
  const emulated = discord === 'embedded-emulator';
  // Signed-out pages have no live connection, so no live Discord status either.
  const state = !signedIn || gateway === null ? (emulated ? 'Local emulator' : 'Connected to Discord') : gateway.live ? 'Connected' : 'Reconnecting…';
  return (
    <section aria-label="Server status" className="grid gap-4 sm:grid-cols-2">
      <div className={`${card} p-5`}>
        <p className="text-sm text-zinc-400">Online now</p>
        <p className="mt-1 text-2xl font-semibold" data-testid="online-count">
          {online} {online === 1 ? 'connection' : 'connections'}
        </p>
      </div>
      <div className={`${card} p-5`}>
        <p className="text-sm text-zinc-400">Discord</p>
        <p className="mt-1 text-2xl font-semibold" data-testid="discord-status">
          {state}
        </p>
        {signedIn && gateway !== null && emulated ? <p className="text-sm text-zinc-400">The local Discord emulator</p> : null}
        {emulatorUrl ? (
          <a className="mt-2 inline-block text-sm text-indigo-300 underline" href={`${emulatorUrl}/_emulator/`}>
            Open the emulator's control panel
          </a>
        ) : null}
      </div>
    </section>
  );
}
