import { createFileRoute } from '@tanstack/react-router';
import { getLobbyInfo } from '../server/lobby.functions.ts';

export const Route = createFileRoute('/')({
  loader: () => getLobbyInfo(),
  component: LobbyPage,
});

function LobbyPage() {
  const info = Route.useLoaderData();
  return (
    <main className="mx-auto max-w-5xl px-4 py-12">
      <section className="flex flex-col gap-4">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Lobby</h1>
        <p className="max-w-2xl text-zinc-400">
          Spell Rooms gives your card game a private Discord voice channel for up to four players, and shows everyone
          who is in voice, live.
        </p>
      </section>

      <section aria-label="Server status" className="mt-10 grid gap-4 sm:grid-cols-2">
        <div className="rounded-xl border border-zinc-800 bg-zinc-900/60 p-5">
          <p className="text-sm text-zinc-400">Online now</p>
          <p className="mt-1 text-2xl font-semibold" data-testid="online-count">
            {info.online} {info.online === 1 ? 'connection' : 'connections'}
          </p>
        </div>
        <div className="rounded-xl border border-zinc-800 bg-zinc-900/60 p-5">
          <p className="text-sm text-zinc-400">Discord</p>
          <p className="mt-1 text-2xl font-semibold">
            {info.discord === 'embedded-emulator' ? 'Local emulator' : 'Connected to Discord'}
          </p>
          {info.emulatorUrl ? (
            <a className="mt-2 inline-block text-sm text-blurple underline" href={`${info.emulatorUrl}/_emulator/`}>
              Open the emulator's control panel
            </a>
          ) : null}
        </div>
      </section>

      <footer className="mt-16 text-xs text-zinc-600" data-instance-id={info.instanceId}>
        Server instance {info.instanceId.slice(0, 8)}
      </footer>
    </main>
  );
}
