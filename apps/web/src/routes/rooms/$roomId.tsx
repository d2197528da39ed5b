import { Link, createFileRoute, notFound, redirect, useHydrated, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../client/api.ts';
import { type RoomReplica, displayName, replicaFromSnapshot, voiceOf } from '../../client/room-state.ts';
import { ClosingBanner } from '../../components/closing-banner.tsx';
import { ConnectionStatus } from '../../components/connection-status.tsx';
import { Dialog } from '../../components/dialog.tsx';
import { EyeIcon } from '../../components/icons.tsx';
import { InviteLinks } from '../../components/invite-links.tsx';
import { MessagePage } from '../../components/message-page.tsx';
import { PlayersPanel, VoiceOutsiders, Watching } from '../../components/room-people.tsx';
import { buttonDanger, buttonDangerOutline, buttonPrimary, buttonSecondary, card } from '../../components/styles.ts';
import { VoiceJoinOutcome, VoicePanel } from '../../components/voice-panel.tsx';
import { useRealtime, useRoom } from '../../hooks/realtime.tsx';
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

/** The server ended this tab's view of the room (its seat given back, removed, gone from the Discord server). */
function NoLongerInRoom({ roomName }: { roomName: string }) {
  return (
    <MessagePage eyebrow="Private room" title="You are no longer in this room">
      <p>
        You can no longer watch “{roomName}”: your place in it was withdrawn. This happens when joining could not be completed in
        Discord, or when you left the Discord server. Ask the host for a new invite link to come back.
      </p>
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
  const { me, role, invites } = data;
  const roomId = data.snapshot.roomId;
  const { channel, resync } = useRoom(roomId, data.snapshot);
  const realtime = useRealtime();
  const navigate = useNavigate();
  const view: RoomReplica = channel.view ?? replicaFromSnapshot(data.snapshot);
  const myVoice = voiceOf(view, me);
  const voice = useVoiceJoin(roomId);
  const inVoice = myVoice !== undefined;
  const { reset: resetVoiceJoin } = voice;
  // A join outcome ("moved", "open in Discord") is about the last attempt; entering or leaving voice supersedes it.
  useEffect(() => resetVoiceJoin(), [inVoice, resetVoiceJoin]);

  // The room is gone (closed by its host, idle, or its channel deleted in Discord): back to the lobby with a notice.
  useEffect(() => {
    if (channel.sync !== 'deleted') return;
    void navigate({ to: '/', search: { closed: channel.deleted ?? 'closed', room: view.room.name }, replace: true });
  }, [channel.sync, channel.deleted, navigate, view.room.name]);

  const dropped = useVoiceDrop(role !== 'spectator' && channel.sync === 'live', inVoice);

  if (channel.sync === 'revoked') return <NoLongerInRoom roomName={view.room.name} />;

  const host = view.players.find((p) => p.creator);
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
          <p className="mt-1 flex flex-wrap items-center gap-x-3 text-sm text-zinc-400">
            {host ? <span>Hosted by {host.userId === me ? 'you' : displayName(host)}</span> : null}
            {role === 'spectator' ? (
              <span className="inline-flex items-center gap-1 text-zinc-300">
                <EyeIcon className="size-4" /> You are watching
              </span>
            ) : null}
          </p>
        </div>
        <div className="flex shrink-0 flex-wrap items-center gap-3">
          <ConnectionStatus />
          {role === 'creator' ? <CloseRoomButton roomId={roomId} roomName={view.room.name} /> : null}
        </div>
      </header>

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
            <PlayersPanel view={view} me={me} />
          </div>
          <div className="order-3 empty:hidden md:order-none">
            <VoiceOutsiders view={view} />
          </div>
        </div>
        <div className="contents md:flex md:flex-col md:gap-5">
          <div className="order-2 md:order-none">
            {role === 'spectator' ? (
              <section className={`${card} p-4 text-sm text-zinc-400 sm:p-5`}>
                Spectators watch the table live without joining voice. Ask the host for an invite link to play.
              </section>
            ) : (
              <VoicePanel me={myVoice} join={voice.state} onJoin={() => void voice.join()} />
            )}
          </div>
          {invites ? (
            <div className="order-4 md:order-none">
              <InviteLinks inviteUrl={invites.inviteUrl} spectatorUrl={invites.spectatorUrl} />
            </div>
          ) : null}
          <div className="order-5 md:order-none">
            <Watching spectators={view.spectators} me={me} />
          </div>
        </div>
      </div>

      <RejoinDialog
        open={dropped.open}
        join={voice.state}
        onRejoin={() => void voice.join()}
        onDismiss={dropped.dismiss}
        onLeave={() => void navigate({ to: '/' })}
      />
    </main>
  );
}

/**
 * R-ROOM5: "was in the room's voice channel, and now is not" opens the dialog; being back in
 * voice (by Rejoin or from Discord) closes it.
 */
function useVoiceDrop(tracking: boolean, inVoice: boolean) {
  const [open, setOpen] = useState(false);
  const was = useRef(inVoice);
  useEffect(() => {
    if (tracking && was.current && !inVoice) setOpen(true);
    if (inVoice) setOpen(false);
    if (tracking) was.current = inVoice;
  }, [tracking, inVoice]);
  return { open, dismiss: () => setOpen(false) };
}

function RejoinDialog({
  open,
  join,
  onRejoin,
  onDismiss,
  onLeave,
}: {
  open: boolean;
  join: ReturnType<typeof useVoiceJoin>['state'];
  onRejoin(): void;
  onDismiss(): void;
  onLeave(): void;
}) {
  const hydrated = useHydrated();
  return (
    <Dialog
      open={open}
      title="You left the voice channel"
      description="You are no longer in the room’s voice channel. Rejoin to keep playing with the table, or leave the game."
      onCancel={onDismiss}
    >
      {join.kind !== 'idle' && join.kind !== 'moved' ? <VoiceJoinOutcome state={join} onRetry={onRejoin} /> : null}
      <div className="flex flex-wrap justify-end gap-3">
        <button type="button" className={buttonSecondary} onClick={onLeave}>
          Leave game
        </button>
        <button type="button" className={buttonPrimary} onClick={onRejoin} disabled={!hydrated || join.kind === 'pending'} data-autofocus>
          Rejoin
        </button>
      </div>
    </Dialog>
  );
}

function CloseRoomButton({ roomId, roomName }: { roomId: string; roomName: string }) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();
  const navigate = useNavigate();

  async function close() {
    setPending(true);
    setError(null);
    const result = await api.closeRoom(roomId);
    setPending(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    setOpen(false);
    void navigate({ to: '/', search: { closed: 'closed', room: roomName }, replace: true });
  }

  return (
    <>
      <button type="button" className={buttonDangerOutline} onClick={() => setOpen(true)} disabled={!hydrated}>
        Close room
      </button>
      <Dialog
        open={open}
        title="Close this room?"
        description="Everyone in it goes back to the lobby, and its Discord voice channel and role are deleted. This cannot be undone."
        onCancel={() => setOpen(false)}
      >
        {error ? (
          <p role="alert" className="text-sm text-red-300">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap justify-end gap-3">
          <button type="button" className={buttonSecondary} onClick={() => setOpen(false)} data-autofocus>
            Cancel
          </button>
          <button type="button" className={buttonDanger} onClick={() => void close()} disabled={pending}>
            {pending ? 'Closing…' : 'Close room'}
          </button>
        </div>
      </Dialog>
    </>
  );
}
