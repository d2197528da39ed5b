import { useHydrated } from '@tanstack/react-router';
import type { VoiceMember } from '@repo/protocol';
import { isDeafened, isMuted } from '../client/room-state.ts';
import type { VoiceJoinState } from '../hooks/use-voice-join.ts';
import { ExternalIcon, MicIcon } from './icons.tsx';
import { buttonPrimary, buttonSecondary, card } from './styles.ts';

/** The player's own voice connection: in it (with mute state), or a "Join voice" button and its outcome. */
export function VoicePanel({ me, join, onJoin }: { me: VoiceMember | undefined; join: VoiceJoinState; onJoin(): void }) {
  const hydrated = useHydrated();
  return (
    <section aria-labelledby="voice-heading" className={`${card} p-4 sm:p-5`}>
      <h2 id="voice-heading" className="mb-2 text-base font-semibold">
        Voice
      </h2>
      {me ? (
        <p className="flex flex-wrap items-center gap-2 text-sm text-emerald-300" data-testid="my-voice">
          <MicIcon className="size-4" />
          You are in the room’s voice channel
          {isMuted(me) ? <span className="text-red-300">· muted</span> : null}
          {isDeafened(me) ? <span className="text-red-300">· deafened</span> : null}
        </p>
      ) : (
        <div className="flex flex-col gap-3">
          <p className="text-sm text-zinc-400">Talk with the table in the room’s private Discord voice channel.</p>
          <div>
            <button type="button" className={buttonPrimary} onClick={onJoin} disabled={!hydrated || join.kind === 'pending'}>
              Join voice
            </button>
          </div>
          <VoiceJoinOutcome state={join} onRetry={onJoin} />
        </div>
      )}
    </section>
  );
}

/** What came of a join attempt; shared by the panel and the rejoin dialog. */
export function VoiceJoinOutcome({ state, onRetry }: { state: VoiceJoinState; onRetry(): void }) {
  const hydrated = useHydrated();
  switch (state.kind) {
    case 'idle':
      return null;
    case 'pending':
      return (
        <p role="status" className="text-sm text-zinc-400">
          Connecting you to voice…
        </p>
      );
    case 'moved':
      return (
        <p role="status" className="text-sm text-emerald-300">
          You were moved into the room’s voice channel.
        </p>
      );
    case 'open-in-discord':
      return (
        <div role="status" className="flex flex-col gap-2 text-sm text-zinc-300">
          <p>You are not connected to voice in Discord, so we cannot move you. Open the channel in Discord to join it.</p>
          <p>
            <a href={state.url} target="_blank" rel="noopener noreferrer" className={buttonSecondary}>
              <ExternalIcon className="size-4" />
              Open in Discord
            </a>
          </p>
        </div>
      );
    case 'error':
      return (
        <div role="alert" className="flex flex-wrap items-center gap-3 rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          <span>{state.error.message}</span>
          <button type="button" className={buttonSecondary} onClick={onRetry} disabled={!hydrated}>
            Retry
          </button>
        </div>
      );
  }
}
