import { useHydrated } from '@tanstack/react-router';
import { useRealtime } from '../hooks/realtime.tsx';
import { buttonSecondary, buttonSmall } from './styles.ts';

const LABELS = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const;

const DOTS = {
  idle: 'bg-zinc-500',
  connecting: 'bg-zinc-400 animate-pulse',
  live: 'bg-emerald-400',
  reconnecting: 'bg-amber-400 animate-pulse',
  offline: 'bg-red-500',
} as const;

/** "Live" / "Reconnecting…" / "Offline" + Retry: the state of this tab's live connection (R-RT8). */
export function ConnectionStatus() {
  const realtime = useRealtime();
  const hydrated = useHydrated();
  const { status, offlineReason, lastCloseCode } = realtime;
  const detail =
    status !== 'offline'
      ? status === 'live'
        ? 'Changes in Discord show here as they happen.'
        : 'Connecting to live updates…'
      : offlineReason === 'network'
        ? 'Your browser is offline.'
        : offlineReason === 'signed-out'
          ? 'Your sign-in expired; taking you to sign in.'
          : offlineReason === 'refused'
            ? lastCloseCode === 4008
              ? 'Too many open tabs: close one, then retry.'
              : 'The server ended the connection.'
            : 'The server cannot be reached; still trying.';
  return (
    <div className="flex items-center gap-2">
      <p
        role="status"
        aria-live="polite"
        title={detail}
        className="inline-flex items-center gap-2 rounded-full border border-zinc-800 bg-zinc-900 px-3 py-1 text-xs font-medium text-zinc-200"
        data-testid="connection-status"
        data-connection={status}
      >
        <span aria-hidden className={`size-2 rounded-full ${DOTS[status]}`} />
        {LABELS[status]}
      </p>
      {status === 'offline' ? <span className="hidden text-xs text-zinc-400 sm:inline">{detail}</span> : null}
      {status === 'offline' && offlineReason !== 'signed-out' ? (
        <button type="button" className={`${buttonSecondary} ${buttonSmall}`} onClick={realtime.retry} disabled={!hydrated}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
