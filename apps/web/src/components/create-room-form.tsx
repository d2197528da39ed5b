import { useHydrated, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useId, useRef, useState } from 'react';
import { type ApiError, api } from '../client/api.ts';
import { buttonPrimary, card } from './styles.ts';

/**
 * "Create room": one request at a time (a double click makes one room; the server dedupes too),
 * the API's field errors under the field, then straight into the new room.
 */
export function CreateRoomForm() {
  const navigate = useNavigate();
  const hydrated = useHydrated();
  const [name, setName] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const inFlight = useRef(false);
  const fieldId = useId();
  const errorId = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A ref, not state: a second click can land before React re-renders the disabled button.
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    const result = await api.createRoom(name);
    if (result.ok) {
      await navigate({ to: '/rooms/$roomId', params: { roomId: result.data.room.id } });
      return;
    }
    inFlight.current = false;
    setPending(false);
    setError(result.error);
  }

  // The name's own errors; the API keys them `name`, or `_` when it validated the bare value.
  const fieldError = error?.fields?.name?.[0] ?? error?.fields?._?.[0] ?? (error?.kind === 'validation' ? error.message : undefined);
  const formError = error && !fieldError ? error : null;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${fieldId}-heading`} className={`${card} flex flex-col gap-3 p-5`}>
      <h2 id={`${fieldId}-heading`} className="text-lg font-semibold">
        Start a game
      </h2>
      <p className="text-sm text-zinc-400">A private voice channel for up to four players, ready in a second.</p>
      <div className="flex flex-col gap-1.5">
        <label htmlFor={fieldId} className="text-sm font-medium text-zinc-300">
          Room name
        </label>
        <input
          id={fieldId}
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          readOnly={pending}
          autoComplete="off"
          placeholder="Friday night Commander"
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? errorId : undefined}
          className={`rounded-md border bg-zinc-950 px-3 py-2 text-zinc-100 placeholder:text-zinc-600 ${fieldError ? 'border-red-500' : 'border-zinc-700'}`}
        />
        <p id={errorId} className="min-h-5 text-sm text-red-300" aria-live="polite">
          {fieldError ?? ''}
        </p>
      </div>
      {formError ? (
        <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          {formError.message}
        </p>
      ) : null}
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonPrimary} disabled={!hydrated || pending} aria-busy={pending}>
          Create room
        </button>
        {pending ? (
          <span role="status" className="text-sm text-zinc-400">
            Creating your room…
          </span>
        ) : null}
      </div>
    </form>
  );
}
