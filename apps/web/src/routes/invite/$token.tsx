import { createFileRoute, redirect } from '@tanstack/react-router';
import { MessagePage } from '../../components/message-page.tsx';
import { buttonSecondary } from '../../components/styles.ts';
import { type InviteFailure, redeemInvitePage } from '../../server/rooms.functions.ts';

/**
 * An invite link (R-ROOM3): sign in if needed (coming back here), join, land in the room. Every
 * way it can fail has its own page.
 */
export const Route = createFileRoute('/invite/$token')({
  loader: async ({ params }) => {
    const result = await redeemInvitePage({ data: { token: params.token } });
    if (result.ok) throw redirect({ to: '/rooms/$roomId', params: { roomId: result.roomId }, replace: true });
    if (result.error.status === 401 && result.error.loginUrl) throw redirect({ href: result.error.loginUrl, reloadDocument: true });
    return result;
  },
  // Redeeming is not something to repeat in the background.
  staleTime: Number.POSITIVE_INFINITY,
  head: () => ({ meta: [{ title: 'Invite · Spell Rooms' }] }),
  component: InvitePage,
});

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
  closed: {
    eyebrow: 'Room closed',
    title: 'This room has been closed',
    body: 'The game this link was for is over. Ask your friends for a link to their new room.',
  },
  other: {
    eyebrow: 'Something went wrong',
    title: 'Could not join the room',
    body: '',
  },
};

function InvitePage() {
  const result = Route.useLoaderData();
  if (result.ok) return null; // redirected
  const page = PAGES[result.failure];
  return (
    <MessagePage
      eyebrow={page.eyebrow}
      title={page.title}
      actions={
        result.failure === 'other' ? (
          <button type="button" className={buttonSecondary} onClick={() => window.location.reload()}>
            Retry
          </button>
        ) : null
      }
    >
      <p>{page.body || result.error.message}</p>
      {result.failure === 'full' ? (
        <p className="mt-2 text-sm text-zinc-500">{result.error.message}</p>
      ) : null}
    </MessagePage>
  );
}
