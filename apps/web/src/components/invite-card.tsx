import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { Avatar } from './avatar.tsx';
import { EyeIcon, SeatIcon } from './icons.tsx';
import { MessagePage } from './message-page.tsx';
import { badge, buttonSecondary, card } from './styles.ts';

/** Every way an invite can fail, each with its own page (R-ROOM2, R-ROOM3). */
export type InviteFailure = 'expired' | 'invalid' | 'full' | 'viewers_full' | 'closed' | 'locked' | 'replaced' | 'removed' | 'other';

/** Which page to show, from the service's stable reason codes (the same from the preview and from redeem). */
export function inviteFailure(error: { status: number; reason?: string | undefined }): InviteFailure {
  switch (error.reason) {
    case 'invite_invalid':
      return 'invalid';
    case 'room_full':
      return 'full';
    case 'viewers_full':
      return 'viewers_full';
    case 'invite_expired':
      return 'expired';
    case 'room_closed':
      return 'closed';
    // The host's controls (issue 19).
    case 'room_locked':
      return 'locked';
    case 'invite_replaced':
      return 'replaced';
    case 'removed':
      return 'removed';
    default:
      return error.status === 400 ? 'invalid' : 'other';
  }
}

const PAGES: Record<InviteFailure, { eyebrow: string; title: string; body: string }> = {
  expired: {
    eyebrow: 'Invite expired',
    title: 'This invite link has expired',
    body: 'Invite links work for 24 hours. Ask the room’s host for a new one.',
  },
  invalid: {
    eyebrow: 'Invalid invite',
    title: 'This invite link is not valid',
    body: 'The link may be incomplete or changed. Check that you copied all of it, or ask the host for a new one.',
  },
  full: {
    eyebrow: 'Room full',
    title: 'Room full',
    body: 'All four seats are taken, and nothing changed in Discord. Ask the host for a spectator link if you want to watch.',
  },
  viewers_full: {
    eyebrow: 'Room full',
    title: 'This room cannot take anyone else',
    body: 'The room has as many players and spectators as it can show, and nothing changed in Discord. Try again when someone leaves.',
  },
  closed: {
    eyebrow: 'Room closed',
    title: 'This room has been closed',
    body: 'The game this link was for is over. Ask your friends for a link to their new room.',
  },
  locked: {
    eyebrow: 'Room locked',
    title: 'This room is locked by its host',
    body: 'Nobody new can join while it is locked, and nothing changed in Discord. Ask the host to unlock it, then open this link again.',
  },
  replaced: {
    eyebrow: 'Link replaced',
    title: 'This link was replaced by the host',
    body: 'The host made new links, so this one no longer works. Ask them for the new one.',
  },
  removed: {
    eyebrow: 'Removed',
    title: 'The host removed you from this room',
    body: 'Your link will not bring you back into this room. If you think this was a mistake, ask the host.',
  },
  other: {
    eyebrow: 'Something went wrong',
    title: 'Could not join the room',
    body: '',
  },
};

export function InviteFailurePage({ failure, message, onRetry }: { failure: InviteFailure; message: string; onRetry?: () => void }) {
  const page = PAGES[failure];
  return (
    <MessagePage
      eyebrow={page.eyebrow}
      title={page.title}
      actions={
        failure === 'other' && onRetry ? (
          <button type="button" className={buttonSecondary} onClick={onRetry}>
            Retry
          </button>
        ) : null
      }
    >
      <p>{page.body || message}</p>
      {failure === 'full' || failure === 'viewers_full' ? <p className="mt-2 text-sm text-zinc-400">{message}</p> : null}
    </MessagePage>
  );
}

export interface InviteCardProps {
  kind: 'player' | 'spectator';
  roomName: string;
  host: { userId: string; username: string; globalName: string | null; avatarUrl: string | null };
  seats: { taken: number; limit: number };
  /** The call to action: "Join room", "Sign in…", or "Open room". */
  action: ReactNode;
  /** Shown under the action (a failure that can be retried, a pending join). */
  status?: ReactNode;
}

/** Who invites you to which room, before anything happens: nothing changes until the button is pressed. */
export function InviteCard({ kind, roomName, host, seats, action, status }: InviteCardProps) {
  const hostName = host.globalName ?? host.username;
  return (
    <main className="mx-auto flex max-w-xl flex-col items-center gap-6 px-6 py-16 text-center">
      <p className="text-sm font-semibold tracking-wide text-blurple-light uppercase">{kind === 'player' ? 'Invite to play' : 'Invite to watch'}</p>
      <section aria-labelledby="invite-room" className={`${card} flex w-full flex-col items-center gap-4 p-6`}>
        <p className="flex items-center gap-2 text-zinc-300">
          <Avatar userId={host.userId} src={host.avatarUrl} name={hostName} size={32} />
          <span>
            <strong className="font-semibold text-zinc-100">{hostName}</strong> invites you {kind === 'player' ? 'to play in' : 'to watch'}
          </span>
        </p>
        <h1 id="invite-room" className="text-2xl font-semibold text-balance break-words">
          {roomName}
        </h1>
        <p className="flex flex-wrap items-center justify-center gap-2 text-sm text-zinc-400">
          <span className={`${badge} bg-zinc-800 text-zinc-300`} data-testid="invite-seats">
            <SeatIcon className="size-3.5" /> {seats.taken} of {seats.limit} seats taken
          </span>
          <span className={`${badge} bg-zinc-800 text-zinc-300`}>
            {kind === 'player' ? (
              'Player link: you get a seat and the voice channel'
            ) : (
              <>
                <EyeIcon className="size-3.5" /> Spectator link: you watch, without a seat
              </>
            )}
          </span>
        </p>
        <div className="flex flex-wrap justify-center gap-3">{action}</div>
        {status}
      </section>
      <Link to="/" className="text-sm text-zinc-400 underline hover:text-zinc-200">
        Back to the lobby
      </Link>
    </main>
  );
}
