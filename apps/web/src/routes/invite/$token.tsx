import { Link, createFileRoute, useHydrated, useNavigate } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { type ApiError, api } from '../../client/api.ts';
import { JoinServerFirst } from '../../components/join-server-first.tsx';
import { InviteCard, InviteFailurePage, inviteFailure } from '../../components/invite-card.tsx';
import { buttonPrimary } from '../../components/styles.ts';
import { type InvitePageData, getInvitePage } from '../../server/rooms.functions.ts';

/**
 * An invite link (R-ROOM3). Opening it changes nothing: the page shows who invites you to which
 * room, and joining is a click on "Join room" (a POST with the same CSRF rule as every write), so a
 * link on another site cannot put a signed-in visitor into a room. Signed out, the button signs in
 * first and comes back here, still waiting for the click. Every way it can fail has its own page.
 */
export const Route = createFileRoute('/invite/$token')({
  loader: ({ params }) => getInvitePage({ data: { token: params.token } }),
  head: ({ loaderData }) => ({ meta: [{ title: loaderData?.ok ? `Invite to ${loaderData.preview.room.name} · Spell Rooms` : 'Invite · Spell Rooms' }] }),
  component: InvitePage,
});

function InvitePage() {
  const data = Route.useLoaderData();
  if (!data.ok) return <InviteFailurePage failure={inviteFailure(data.error)} message={data.error.message} onRetry={() => window.location.reload()} />;
  return <Invite data={data} />;
}

function Invite({ data }: { data: Extract<InvitePageData, { ok: true }> }) {
  const { token } = Route.useParams();
  const navigate = useNavigate();
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<ApiError | null>(null);
  const inFlight = useRef(false);
  const { preview, viewer } = data;

  async function join() {
    // A ref, not state: a double click lands before React re-renders the disabled button.
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setFailed(null);
    // A 401 sends the browser to sign in (callApi), returning here.
    const result = await api.redeemInvite(token);
    if (result.ok) {
      await navigate({ to: '/rooms/$roomId', params: { roomId: result.data.room.id }, replace: true });
      return;
    }
    inFlight.current = false;
    setPending(false);
    setFailed(result.error);
  }

  // A refusal with its own page (full, closed, expired, invalid) replaces the card; others can be retried.
  const failure = failed ? inviteFailure(failed) : null;
  // A room in a Discord server the user is not in (issue 17): the way to join it.
  if (failed?.reason === 'join_server_first') return <JoinServerFirst token={token} message={failed.message} />;
  if (failed && failure && failure !== 'other') return <InviteFailurePage failure={failure} message={failed.message} />;

  let action;
  if (!viewer.signedIn) {
    action = (
      <a href={viewer.loginUrl} className={buttonPrimary}>
        Sign in with Discord to join
      </a>
    );
  } else if (viewer.joined) {
    action = (
      <Link to="/rooms/$roomId" params={{ roomId: preview.room.id }} className={buttonPrimary}>
        You are in this room: open it
      </Link>
    );
  } else {
    action = (
      <button type="button" className={buttonPrimary} onClick={() => void join()} disabled={!hydrated || pending} aria-busy={pending}>
        Join room
      </button>
    );
  }

  return (
    <InviteCard
      kind={preview.kind}
      roomName={preview.room.name}
      host={preview.host}
      seats={preview.seats}
      action={action}
      status={
        pending ? (
          <p role="status" className="text-sm text-zinc-400">
            Joining…
          </p>
        ) : failed ? (
          <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
            {failed.message}
          </p>
        ) : null
      }
    />
  );
}
