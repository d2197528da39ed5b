import { useHydrated } from '@tanstack/react-router';
import { useCountdown } from '../hooks/realtime.tsx';
import { buttonSecondary } from './styles.ts';

/** The 30-second idle warning (R-ROOM7): a visible countdown and a way to keep the room. */
export function ClosingBanner({ closingAt, clockSkewMs, onKeepOpen }: { closingAt: number | null; clockSkewMs: number; onKeepOpen(): void }) {
  const secondsLeft = useCountdown(closingAt, clockSkewMs);
  const hydrated = useHydrated();
  if (closingAt === null || secondsLeft === null) return null;
  return (
    <div role="alert" className="flex flex-wrap items-center gap-3 rounded-xl border border-amber-500/40 bg-amber-500/10 px-4 py-3 text-sm text-amber-100">
      <p className="flex-1">
        <strong className="font-semibold">This room closes in </strong>
        <span role="timer" aria-live="off" className="font-mono font-semibold tabular-nums" data-testid="closing-countdown">
          {/* The server's render cannot know this browser's clock: the number appears once hydrated. */}
          {hydrated ? `${secondsLeft} s` : '…'}
        </span>
        <span className="text-amber-100/80"> — nobody has been in voice or here for a while.</span>
      </p>
      <button type="button" className={buttonSecondary} onClick={onKeepOpen} disabled={!hydrated}>
        Keep room open
      </button>
    </div>
  );
}
