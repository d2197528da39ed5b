import { useHydrated } from '@tanstack/react-router';
import { useId, useRef, useState } from 'react';
import { CopyIcon } from './icons.tsx';
import { buttonSecondary, card } from './styles.ts';

/** The room's invite links: shown as text (selectable, works without a clipboard) and copyable. */
export function InviteLinks({
  inviteUrl,
  spectatorUrl,
  notice,
  refresh,
}: {
  inviteUrl: string;
  spectatorUrl: string | null;
  notice?: string | null;
  /** Asks the server for the current links (the host may have made new ones): what a copy copies. */
  refresh?: () => Promise<{ inviteUrl: string; spectatorUrl: string | null } | null>;
}) {
  return (
    <section aria-labelledby="invite-heading" className={`${card} flex flex-col gap-4 p-4 sm:p-5`}>
      <div>
        <h2 id="invite-heading" className="text-base font-semibold">
          Invite
        </h2>
        <p className="text-sm text-zinc-400">Links work for 24 hours. Players get the voice channel; spectators just watch.</p>
        <p role="status" className="mt-1 text-sm text-emerald-300">
          {notice ?? ''}
        </p>
      </div>
      <LinkField label="Invite link" value={inviteUrl} copyLabel="Copy invite link" current={refresh ? async () => (await refresh())?.inviteUrl : undefined} />
      {spectatorUrl ? (
        <LinkField
          label="Spectator link"
          value={spectatorUrl}
          copyLabel="Copy spectator link"
          current={refresh ? async () => (await refresh())?.spectatorUrl ?? undefined : undefined}
        />
      ) : null}
    </section>
  );
}

function LinkField({ label, value, copyLabel, current }: { label: string; value: string; copyLabel: string; current?: () => Promise<string | undefined> }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const hydrated = useHydrated();
  const [message, setMessage] = useState('');

  async function copy() {
    const text = (await current?.().catch(() => undefined)) ?? value;
    try {
      await navigator.clipboard.writeText(text);
      setMessage('Copied');
    } catch {
      // No clipboard (insecure origin, denied permission): select the text so Ctrl+C works.
      input.current?.focus();
      input.current?.select();
      setMessage('Selected: press Ctrl+C to copy');
    }
    window.setTimeout(() => setMessage(''), 4_000);
  }

  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-zinc-300">
        {label}
      </label>
      <div className="flex flex-col gap-2">
        <input
          id={id}
          ref={input}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="w-full min-w-0 rounded-md border border-zinc-700 bg-zinc-950 px-3 py-2 font-mono text-xs text-zinc-300"
        />
        <button type="button" className={`${buttonSecondary} self-start`} onClick={() => void copy()} disabled={!hydrated}>
          <CopyIcon className="size-4" />
          {copyLabel}
        </button>
      </div>
      <p aria-live="polite" className="min-h-4 text-xs text-emerald-300">
        {message}
      </p>
    </div>
  );
}
