import { useHydrated } from '@tanstack/react-router';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ApiError, type RoomLinks, api } from '../client/api.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { Dialog } from './dialog.tsx';
import { LinkIcon, LockIcon, PencilIcon, UnlockIcon } from './icons.tsx';
import { RoomNameField } from './room-name-field.tsx';
import { buttonPrimary, buttonSecondary, card } from './styles.ts';

/**
 * The host's controls for the whole room (issue 19): rename, lock / unlock, new links. The
 * per-person ones (remove, make host) sit beside each person (person-actions.tsx). Every change
 * reaches everyone's page through room.updated; this component only asks.
 */
export function HostControls({ roomId, roomName, locked, onNewLinks }: { roomId: string; roomName: string; locked: boolean; onNewLinks(links: RoomLinks): void }) {
  return (
    <section aria-labelledby="host-controls-heading" className={`${card} flex flex-col gap-3 p-4 sm:p-5`}>
      <div>
        <h2 id="host-controls-heading" className="text-base font-semibold">
          Host controls
        </h2>
        <p className="text-sm text-zinc-400">Only you see these. Everyone in the room sees what they change.</p>
      </div>
      <div className="flex flex-wrap gap-2">
        <RenameRoom roomId={roomId} roomName={roomName} />
        <LockToggle roomId={roomId} locked={locked} />
        <ConfirmButton
          trigger={
            <>
              <LinkIcon className="size-4" />
              Make new links
            </>
          }
          triggerClassName={buttonSecondary}
          title="Make new links?"
          description={
            <>
              <p>Both current links, for players and for spectators, stop working at once: whoever opens them is told they were replaced.</p>
              <p className="mt-2">People already in the room keep their places. Anyone you removed can come back with the new links.</p>
            </>
          }
          confirmLabel="Make new links"
          pendingLabel="Making new links…"
          run={() => api.rotateLinks(roomId)}
          onDone={onNewLinks}
        />
      </div>
    </section>
  );
}

function RenameRoom({ roomId, roomName }: { roomId: string; roomName: string }) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(roomName);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const inFlight = useRef(false);
  const fieldId = useId();

  function openDialog() {
    setName(roomName);
    setError(null);
    setOpen(true);
  }

  function close() {
    if (inFlight.current) return;
    setOpen(false);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    const result = await api.renameRoom(roomId, name);
    inFlight.current = false;
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setOpen(false);
  }

  // The name's own errors (the RoomName rule) under the field; anything else, such as Discord's
  // "twice every 10 minutes" (429), above the buttons.
  const fieldError = error?.fields?.name?.[0] ?? (error?.kind === 'validation' ? error.message : undefined);
  const formError = error && !fieldError ? error.message : null;

  return (
    <>
      <button type="button" className={buttonSecondary} onClick={openDialog} disabled={!hydrated}>
        <PencilIcon className="size-4" />
        Rename room
      </button>
      <Dialog open={open} title="Rename room" description="The new name shows for everyone in the room, and the Discord voice channel is renamed too." onCancel={close}>
        <form onSubmit={(e) => void submit(e)} noValidate className="flex flex-col gap-4">
          <RoomNameField id={fieldId} value={name} onChange={setName} pending={pending} error={fieldError} inDialog />
          {formError ? (
            <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
              {formError}
            </p>
          ) : null}
          <div className="flex flex-wrap justify-end gap-3">
            <button type="button" className={buttonSecondary} onClick={close}>
              Cancel
            </button>
            <button type="submit" className={buttonPrimary} aria-disabled={pending} aria-busy={pending}>
              {pending ? 'Renaming…' : 'Rename'}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

/**
 * Lock / unlock: not destructive (one click undoes it), so no dialog. A toggle button: its name
 * says what a press does ("Lock room" / "Unlock room") and `aria-pressed` says whether the room is locked.
 */
function LockToggle({ roomId, locked }: { roomId: string; locked: boolean }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);
  const [error, setError] = useState<string | null>(null);
  // The server's answer, shown until the room.updated event says the same (or something newer).
  const [answered, setAnswered] = useState<boolean | null>(null);
  useEffect(() => setAnswered(null), [locked]);
  const shown = answered ?? locked;

  async function toggle() {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    const result = await api.setRoomLocked(roomId, !shown);
    inFlight.current = false;
    setPending(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    setAnswered(result.data.room.locked);
  }

  return (
    <>
      {/* aria-disabled while pending, not disabled: the button keeps the focus a keyboard press gave it. */}
      <button
        type="button"
        className={buttonSecondary}
        aria-pressed={shown}
        onClick={() => void toggle()}
        disabled={!hydrated}
        aria-disabled={pending}
        aria-busy={pending}
      >
        {shown ? <UnlockIcon className="size-4" /> : <LockIcon className="size-4" />}
        {shown ? 'Unlock room' : 'Lock room'}
      </button>
      {error ? (
        <p role="alert" className="w-full text-sm text-red-300">
          {error}
        </p>
      ) : null}
    </>
  );
}
