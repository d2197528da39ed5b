import { Link, createFileRoute, notFound, redirect, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { type RoomLinks, api } from '../../client/api.ts';
import { revocationNotice, roleIn } from '../../client/room-roles.ts';
import { type RoomReplica, displayName, replicaFromSnapshot, voiceOf } from '../../client/room-state.ts';
import { ClosingBanner } from '../../components/closing-banner.tsx';
import { ServerOutageBanner } from '../../components/server-outage-banner.tsx';
import { ConnectionStatus } from '../../components/connection-status.tsx';
import { HostControls } from '../../components/host-controls.tsx';
import { EyeIcon, LockIcon } from '../../components/icons.tsx';
import { InviteLinks } from '../../components/invite-links.tsx';
import { LeaveRoomButton } from '../../components/leave-room.tsx';
import { MessagePage } from '../../components/message-page.tsx';
import { PersonActions } from '../../components/person-actions.tsx';
import { CloseRoomButton, RejoinDialog } from '../../components/room-dialogs.tsx';
import { PlayersPanel, VoiceOutsiders, Watching } from '../../components/room-people.tsx';
import { badge, buttonSecondary, card } from '../../components/styles.ts';
import { VoicePanel } from '../../components/voice-panel.tsx';
import { useRealtime, useRoom } from '../../hooks/realtime.tsx';
import { useVoiceDrop } from '../../hooks/use-voice-drop.ts';
import { useVoiceJoin } from '../../hooks/use-voice-join.ts';
import { type PageError, type RoomPageData, getRoomPage } from '../../server/rooms.functions.ts';

export const Route = createFileRoute('/rooms/$roomId')({
  loader: async ({ params }) => {
    const data = await getRoomPage({ data: { roomId: params.roomId } });
    if (!data.ok) {
      // Not signed in (or the sign-in expired): sign in, then come back here (R-AUTH3).
      if (data.error.status === 401 && data.error.loginUrl) throw redirect({ href: data.error.loginUrl, reloadDocument: true });
      if (data.error.status === 404) throw notFound({ data: data.error });
    }
    return data;
  },
  head: ({ loaderData }) => ({ meta: [{ title: loaderData?.ok ? `${loaderData.snapshot.room.name} · Spell Rooms` : 'Room · Spell Rooms' }] }),
  component: RoomPage,
  notFoundComponent: ({ data }) => {
    const error = data as PageError | undefined;
    return (
      <MessagePage eyebrow="Room not found" title={error?.message === 'This room has been closed.' ? 'This room has been closed' : 'There is no such room'}>
        <p>The link may be mistyped, or the room was closed. Rooms close when their host closes them or after an hour without anyone in them.</p>
      </MessagePage>
    );
  },
});

function RoomPage() {
  const data = Route.useLoaderData();
  if (!data.ok) return <RoomUnavailable error={data.error} />;
  return <Room key={data.snapshot.roomId} data={data} />;
}

function RoomUnavailable({ error }: { error: PageError }) {
  if (error.status === 403) {
    return (
      <MessagePage eyebrow="Private room" title="You are not in this room">
        <p>{error.message}</p>
      </MessagePage>
    );
  }
  return (
    <MessagePage eyebrow="Something went wrong" title="The room could not be loaded" actions={<ReloadButton />}>
      <p>{error.message}</p>
    </MessagePage>
  );
}

/** The server ended this tab's view of the room: removed by the host, left (from another tab), or gone from Discord. */
function NoLongerInRoom({ roomName, reason }: { roomName: string; reason: string | undefined }) {
  const notice = revocationNotice(reason, roomName);
  return (
    <MessagePage eyebrow="Private room" title={notice.title}>
      <p>{notice.body}</p>
    </MessagePage>
  );
}

function ReloadButton() {
  return (
    <button type="button" className={buttonSecondary} onClick={() => window.location.reload()}>
      Retry
    </button>
  );
}

type RoomData = Extract<RoomPageData, { ok: true }>;

function Room({ data }: { data: RoomData }) {
  const { me } = data;
  const roomId = data.snapshot.roomId;
  const { channel, resync } = useRoom(roomId, data.snapshot);
  const realtime = useRealtime();
  const navigate = useNavigate();
  const view: RoomReplica = channel.view ?? replicaFromSnapshot(data.snapshot);
  // From the live view, not the page load: hosting can be handed over while the page is open.
  const role = roleIn(view, me);
  const isHost = role === 'host';
  const myVoice = voiceOf(view, me);
  const voice = useVoiceJoin(roomId);
  const inVoice = myVoice !== undefined;
  const { reset: resetVoiceJoin } = voice;
  // A join outcome ("moved", "open in Discord") is about the last attempt; entering or leaving voice supersedes it.
  useEffect(() => resetVoiceJoin(), [inVoice, resetVoiceJoin]);
  const { invites, notice, showNewLinks, refresh: refreshInvites } = useInviteLinks(roomId, data.invites, view, role === 'host' || role === 'player');

  // The room is gone (closed by its host, idle, or its channel deleted in Discord): back to the lobby with a notice.
  useEffect(() => {
    if (channel.sync !== 'deleted') return;
    void navigate({ to: '/', search: { closed: channel.deleted ?? 'closed', room: view.room.name }, replace: true });
  }, [channel.sync, channel.deleted, navigate, view.room.name]);

  const askLeave = useRef<(() => void) | null>(null);
  const dropped = useVoiceDrop((role === 'host' || role === 'player') && channel.sync === 'live', inVoice);

  if (channel.sync === 'revoked') return <NoLongerInRoom roomName={view.room.name} reason={channel.error?.reason} />;

  const host = view.players.find((p) => p.creator);
  const locked = view.room.locked;
  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-5 px-4 py-8 sm:py-10">
      <header className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <p className="text-sm text-zinc-400">
            <Link to="/" className="hover:text-zinc-200">
              Lobby
            </Link>{' '}
            / Room
          </p>
          <h1 className="text-2xl font-bold tracking-tight break-words sm:text-3xl">{view.room.name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-zinc-400">
            {host ? <span>Hosted by {host.userId === me ? 'you' : displayName(host)}</span> : null}
            {locked ? (
              <span className={`${badge} bg-amber-500/15 text-amber-200`} data-testid="locked-badge" title="Its links seat nobody new until the host unlocks it.">
                <LockIcon className="size-3" />
                Locked
              </span>
            ) : null}
            {role === 'spectator' ? (
              <span className="inline-flex items-center gap-1 text-zinc-300">
                <EyeIcon className="size-4" /> You are watching
              </span>
            ) : null}
          </p>
        </div>
        <div className="flex shrink-0 flex-wrap items-center gap-3">
          <ConnectionStatus />
          {role !== 'none' ? <LeaveRoomButton roomId={roomId} view={view} role={role} opener={askLeave} /> : null}
          {isHost ? <CloseRoomButton roomId={roomId} roomName={view.room.name} /> : null}
        </div>
      </header>

      <ServerOutageBanner guildId={view.room.guildId} />
      <ClosingBanner closingAt={view.room.closingAt} clockSkewMs={realtime.clockSkewMs} onKeepOpen={resync} />

      {channel.sync === 'failed' && channel.error ? (
        <div role="alert" className="rounded-xl border border-red-500/40 bg-red-500/10 px-4 py-3 text-sm text-red-200">
          Live updates for this room stopped: {channel.error.message}{' '}
          <Link to="/" className="underline">
            Back to the lobby
          </Link>
        </div>
      ) : null}

      {/* One column on phones (players, then your voice, then the rest); two columns from md up. */}
      <div className="flex flex-col gap-5 md:grid md:grid-cols-[minmax(0,3fr)_minmax(0,2fr)] md:items-start">
        <div className="contents md:flex md:flex-col md:gap-5">
          <div className="order-1 md:order-none">
            <PlayersPanel
              view={view}
              me={me}
              actionsFor={isHost ? (p) => <PersonActions roomId={roomId} userId={p.userId} name={displayName(p)} kind="player" /> : undefined}
            />
          </div>
          <div className="order-3 empty:hidden md:order-none">
            <VoiceOutsiders view={view} />
          </div>
        </div>
        <div className="contents md:flex md:flex-col md:gap-5">
          <div className="order-2 md:order-none">
            {role === 'host' || role === 'player' ? (
              <VoicePanel me={myVoice} join={voice.state} onJoin={() => void voice.join()} />
            ) : (
              <section className={`${card} p-4 text-sm text-zinc-400 sm:p-5`}>
                Spectators watch the table live without joining voice. Ask the host for an invite link to play.
              </section>
            )}
          </div>
          {isHost ? (
            <div className="order-4 md:order-none">
              <HostControls roomId={roomId} roomName={view.room.name} locked={locked} onNewLinks={showNewLinks} />
            </div>
          ) : null}
          {invites ? (
            <div className="order-4 md:order-none">
              <InviteLinks inviteUrl={invites.inviteUrl} spectatorUrl={invites.spectatorUrl} notice={notice} refresh={refreshInvites} />
            </div>
          ) : null}
          <div className="order-5 md:order-none">
            <Watching
              spectators={view.spectators}
              me={me}
              actionsFor={isHost ? (s) => <PersonActions roomId={roomId} userId={s.userId} name={displayName(s)} kind="spectator" /> : undefined}
            />
          </div>
        </div>
      </div>

      <RejoinDialog
        open={dropped.open}
        join={voice.state}
        onRejoin={() => void voice.join()}
        onDismiss={dropped.dismiss}
        onLeave={() => {
          // Leaving the game gives the seat back (or hands over / closes, for the host): the same question as "Leave room",
          // asked once this dialog has closed.
          dropped.dismiss();
          window.setTimeout(() => askLeave.current?.(), 0);
        }}
      />
    </main>
  );
}

/**
 * The invite links this user may share. The page load brings them; they are fetched again when the
 * room changes (a hand-over gives the new host the spectator link and takes it from the old one;
 * new links made by the host replace a player's), and "Make new links" shows its answer at once.
 */
function useInviteLinks(roomId: string, initial: RoomLinks | null, view: RoomReplica, mayInvite: boolean) {
  const [invites, setInvites] = useState<RoomLinks | null>(initial);
  const [notice, setNotice] = useState<string | null>(null);
  const firstRoom = useRef(view.room);
  const room = view.room;
  useEffect(() => {
    if (room === firstRoom.current) return;
    if (!mayInvite) {
      setInvites(null);
      return;
    }
    let current = true;
    void api.invites(roomId).then((result) => {
      if (current && result.ok) setInvites(result.data);
    });
    return () => {
      current = false;
    };
  }, [roomId, room, mayInvite]);
  // Back to a tab that was hidden: the host may have made new links meanwhile.
  useEffect(() => {
    if (!mayInvite) return;
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  });
  async function refresh(): Promise<RoomLinks | null> {
    const result = await api.invites(roomId);
    if (!result.ok) return null;
    setInvites(result.data);
    return result.data;
  }
  function showNewLinks(links: RoomLinks) {
    setInvites(links);
    setNotice('New links made. The old ones no longer work.');
  }
  return { invites: mayInvite ? invites : null, notice, showNewLinks, refresh };
}
