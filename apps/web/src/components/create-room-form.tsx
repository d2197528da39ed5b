import { useHydrated, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useId, useRef, useState } from 'react';
import { type ApiError, api } from '../client/api.ts';
import type { UserServer } from '@repo/protocol';
import { capacityText, defaultServerId } from '../client/servers.ts';
import { RoomNameField } from './room-name-field.tsx';
import { ServerPicker } from './server-picker.tsx';
import { buttonPrimary, card } from './styles.ts';

/**
 * "Create room": one request at a time (a double click makes one room; the server dedupes too),
 * the API's field errors under the field, then straight into the new room. With the user's servers
 * (issue 17) it also asks where: home first and chosen, each with its capacity, a server that
 * cannot take a room disabled with the reason.
 */
export function CreateRoomForm({ servers }: { servers?: readonly UserServer[] | null }) {
  const navigate = useNavigate();
  const hydrated = useHydrated();
  const [name, setName] = useState('');
  const [guildId, setGuildId] = useState<string | null>(() => defaultServerId(servers ?? []));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const inFlight = useRef(false);
  const fieldId = useId();
  const list = servers ?? [];
  const chosen = list.find((s) => s.id === guildId) ?? null;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A ref, not state: a second click can land before React re-renders the disabled button.
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    // Without a list (or a choice), the server picks the home server.
    const result = await api.createRoom(name, chosen?.id);
    if (result.ok) {
      await navigate({ to: '/rooms/$roomId', params: { roomId: result.data.room.id } });
      return;
    }
    inFlight.current = false;
    setPending(false);
    setError(result.error);
  }

  // The name's own errors; the API keys them `name`, or `_` when it validated the bare value.
  const fieldError = error?.fields?.name?.[0] ?? error?.fields?._?.[0] ?? (error?.kind === 'validation' && !error.fields?.guildId ? error.message : undefined);
  const serverError = error?.fields?.guildId?.[0] ?? (error?.reason === 'rooms_off' || error?.reason === 'not_a_member' ? error.message : undefined);
  const formError = error && !fieldError && !serverError ? error : null;
  // Servers listed, none can take a room: nothing to submit.
  const nowhere = list.length > 0 && chosen === null;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${fieldId}-heading`} className={`${card} flex flex-col gap-3 p-5`}>
      <h2 id={`${fieldId}-heading`} className="text-lg font-semibold">
        Start a game
      </h2>
      <p className="text-sm text-zinc-400">A private voice channel for up to four players, ready in a second.</p>
      <RoomNameField id={fieldId} value={name} onChange={setName} pending={pending} error={fieldError} placeholder="Friday night Commander" />
      {list.length > 1 ? (
        <ServerPicker servers={list} value={guildId} onChange={setGuildId} disabled={pending} error={serverError} />
      ) : list.length === 1 && list[0] ? (
        <p className="text-sm text-zinc-400" data-testid="only-server">
          In <span className="font-medium text-zinc-200">{list[0].name}</span>
          {capacityText(list[0]) ? ` · ${capacityText(list[0])}` : ''}
        </p>
      ) : null}
      {serverError && list.length <= 1 ? (
        <p role="alert" className="text-sm text-red-300">
          {serverError}
        </p>
      ) : null}
      {formError ? (
        <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          {formError.message}
        </p>
      ) : null}
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonPrimary} disabled={!hydrated || pending || nowhere} aria-busy={pending}>
          Create room
        </button>
        {pending ? (
          <span role="status" className="text-sm text-zinc-400">
            Creating your room…
          </span>
        ) : null}
      </div>
      {nowhere ? <p className="text-sm text-zinc-400">None of your servers can take a room right now.</p> : null}
    </form>
  );
}
