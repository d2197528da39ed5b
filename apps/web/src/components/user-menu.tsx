import { useRouterState } from '@tanstack/react-router';
import type { SessionUser } from '../server/auth/session.ts';
import { Avatar } from './avatar.tsx';

/** Header control: the signed-in user with a sign-out button, or "Sign in with Discord". */
export function UserMenu({ user }: { user: SessionUser | null }) {
  const location = useRouterState({ select: (s) => s.location.href });
  if (!user) {
    return (
      <a
        href={`/auth/discord/login?returnTo=${encodeURIComponent(location)}`}
        className="rounded-md bg-blurple px-3 py-1.5 text-sm font-medium hover:bg-blurple-dark"
      >
        Sign in with Discord
      </a>
    );
  }
  return (
    <div className="flex items-center gap-3">
      <span className="flex items-center gap-2" aria-label={`Signed in as ${user.globalName ?? user.username}`}>
        <Avatar userId={user.id} src={user.avatarUrl} name={user.globalName ?? user.username} size={28} />
        <span className="text-sm font-medium">{user.globalName ?? user.username}</span>
      </span>
      <form method="post" action="/auth/logout">
        <button type="submit" className="rounded-md border border-zinc-700 px-3 py-1.5 text-sm hover:bg-zinc-900">
          Sign out
        </button>
      </form>
    </div>
  );
}
