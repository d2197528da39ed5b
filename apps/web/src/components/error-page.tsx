import { type ErrorComponentProps, Link, useRouter } from '@tanstack/react-router';

/** Shown when a page throws. Users see a short message; the full error stays in the server log. */
export function ErrorPage({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  const message = error instanceof Error && import.meta.env.DEV ? error.message : undefined;
  return (
    <main className="mx-auto flex max-w-xl flex-col items-center gap-4 px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="text-zinc-400">The page could not be shown. Trying again usually helps.</p>
      {message ? <pre className="max-w-full overflow-auto rounded bg-zinc-900 p-3 text-left text-sm text-red-300">{message}</pre> : null}
      <div className="flex gap-3">
        <button
          type="button"
          className="rounded-md bg-blurple px-4 py-2 font-medium hover:bg-blurple-dark"
          onClick={() => {
            reset();
            void router.invalidate();
          }}
        >
          Try again
        </button>
        <Link to="/" className="rounded-md border border-zinc-700 px-4 py-2 font-medium hover:bg-zinc-900">
          Back to the lobby
        </Link>
      </div>
    </main>
  );
}
