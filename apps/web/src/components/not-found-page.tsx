import { Link } from '@tanstack/react-router';

export function NotFoundPage() {
  return (
    <main className="mx-auto flex max-w-xl flex-col items-center gap-4 px-6 py-24 text-center">
      <p className="text-sm font-semibold tracking-wide text-blurple-light uppercase">404</p>
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="text-zinc-400">This page does not exist, or the room it pointed to is gone.</p>
      <Link to="/" className="rounded-md bg-blurple px-4 py-2 font-medium hover:bg-blurple-dark">
        Back to the lobby
      </Link>
    </main>
  );
}
