import { useId } from 'react';
import type { UserServer } from '@repo/protocol';
import { capacityText, unavailableReason } from '../client/servers.ts';

/**
 * Which server a new room goes in: one radio per server (home first), each described by its
 * capacity, and one that cannot take a room disabled with the reason next to it.
 */
export function ServerPicker({
  servers,
  value,
  onChange,
  disabled,
  error,
}: {
  servers: readonly UserServer[];
  value: string | null;
  onChange: (guildId: string) => void;
  disabled: boolean;
  error: string | undefined;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={error ? errorId : undefined} aria-invalid={error ? true : undefined}>
      <legend className="mb-1 text-sm font-medium text-zinc-300">Server</legend>
      {servers.map((server) => {
        const reason = unavailableReason(server);
        const capacity = capacityText(server);
        const radioId = `${id}-${server.id}`;
        const noteId = `${radioId}-note`;
        return (
          <div key={server.id} className="flex items-start gap-2">
            <input
              type="radio"
              id={radioId}
              name="guildId"
              value={server.id}
              checked={value === server.id}
              onChange={() => onChange(server.id)}
              disabled={disabled || reason !== null}
              aria-describedby={noteId}
              className="mt-1 accent-indigo-500"
            />
            <div className={`flex flex-col text-sm ${reason ? 'text-zinc-400' : 'text-zinc-100'}`}>
              {/* The name alone labels the radio; capacity and reason describe it. */}
              <label htmlFor={radioId} className="font-medium">
                {server.name}
                {server.home ? <span className="text-xs font-normal text-zinc-400"> (home)</span> : null}
              </label>
              <span id={noteId} className="text-xs text-zinc-400">
                {[capacity, reason].filter(Boolean).join(' · ') || 'Capacity not known right now.'}
              </span>
            </div>
          </div>
        );
      })}
      {error ? (
        <p id={errorId} role="alert" className="text-sm text-red-300">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
