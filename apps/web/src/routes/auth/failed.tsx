import { Link, createFileRoute } from '@tanstack/react-router';
import { z } from 'zod';
import { LOGIN_FAILURES, isLoginFailureReason } from '../../server/auth/login-failures.ts';

export const Route = createFileRoute('/auth/failed')({
  validateSearch: z.object({ reason: z.string().optional() }),
  component: SignInFailedPage,
});

function SignInFailedPage() {
  const { reason } = Route.useSearch();
  const message = isLoginFailureReason(reason) ? LOGIN_FAILURES[reason] : LOGIN_FAILURES.failed;
  return (
    <main className="mx-auto flex max-w-xl flex-col items-center gap-4 px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">You are not signed in</h1>
      <p className="text-zinc-400" role="alert">
        {message} No session was created.
      </p>
      <div className="flex gap-3">
        <a href="/auth/discord/login" className="rounded-md bg-blurple px-4 py-2 font-medium hover:bg-blurple-dark">
          Sign in again
        </a>
        <Link to="/" className="rounded-md border border-zinc-700 px-4 py-2 font-medium hover:bg-zinc-900">
          Back to the lobby
        </Link>
      </div>
    </main>
  );
}
