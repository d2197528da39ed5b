import { useHydrated } from '@tanstack/react-router';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../client/api.ts';
import { Dialog } from './dialog.tsx';
import { buttonDanger, buttonPrimary, buttonSecondary } from './styles.ts';

/**
 * A control whose action is asked for first: the trigger opens a dialog that says what will happen
 * (Escape or "Cancel" closes, focus goes back to the trigger). Focus starts on the confirm button,
 * except for a `danger` action, which cannot be undone: there it starts on "Cancel" (WAI-ARIA APG
 * dialog pattern), so two Enters never remove someone or close a room. One request at a time; a
 * refusal is shown inside the dialog and nothing else changes.
 */
export function ConfirmButton<T>({
  trigger,
  triggerTitle,
  triggerClassName,
  title,
  description,
  confirmLabel,
  pendingLabel,
  danger = false,
  run,
  onDone,
  focusAfterDone,
  opener,
}: {
  /** The trigger's content, which is its accessible name (visually hidden parts included). */
  trigger: ReactNode;
  /** A tooltip, for a trigger that shows only an icon on small screens. */
  triggerTitle?: string;
  triggerClassName: string;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  danger?: boolean;
  run(): Promise<ApiResult<T>>;
  /** After success, once the dialog is closed. */
  onDone?(data: T): void;
  /**
   * Where focus goes after success, when the trigger is about to go (a removed person's buttons);
   * otherwise it goes back to the trigger.
   */
  focusAfterDone?: () => HTMLElement | null;
  /** Lets another control ask for this dialog (the voice-dropout dialog's "Leave game"): focus moves to the trigger, then the dialog opens. */
  opener?: { current: (() => void) | null };
}) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const done = useRef(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!opener) return;
    opener.current = () => {
      triggerRef.current?.focus();
      setOpen(true);
    };
    return () => {
      opener.current = null;
    };
  }, [opener]);
  // Runs after the dialog's own effect, which put focus back on the trigger.
  useEffect(() => {
    if (open || !done.current) return;
    done.current = false;
    focusAfterDone?.()?.focus();
  }, [open, focusAfterDone]);
  // The trigger can go while its dialog is open: the room.updated that removes the person may come
  // before the answer to "Remove", or they leave meanwhile. The open dialog goes with it and focus
  // would fall to the page's body; it goes to `focusAfterDone` instead, once the DOM is updated.
  const openNow = useRef(open);
  openNow.current = open;
  const focusOnGone = useRef(focusAfterDone);
  focusOnGone.current = focusAfterDone;
  useEffect(
    () => () => {
      if (!openNow.current && !inFlight.current) return;
      const target = focusOnGone.current;
      if (target) window.setTimeout(() => target()?.focus(), 0);
    },
    [],
  );

  function close() {
    if (inFlight.current) return;
    setOpen(false);
    setError(null);
  }

  async function confirm() {
    // A ref, not state: a second Enter can land before React re-renders the disabled button.
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    const result = await run();
    inFlight.current = false;
    setPending(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    done.current = true;
    setOpen(false);
    onDone?.(result.data);
  }

  return (
    <>
      <button ref={triggerRef} type="button" className={triggerClassName} onClick={() => setOpen(true)} disabled={!hydrated} title={triggerTitle}>
        {trigger}
      </button>
      <Dialog open={open} title={title} description={description} onCancel={close}>
        {error ? (
          <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap justify-end gap-3">
          <button type="button" className={buttonSecondary} onClick={close} data-autofocus={danger || undefined}>
            Cancel
          </button>
          {/* aria-disabled, not disabled: a disabled button would drop the focus it has (Enter pressed it). */}
          <button
            type="button"
            className={danger ? buttonDanger : buttonPrimary}
            onClick={() => void confirm()}
            aria-disabled={pending}
            aria-busy={pending}
            data-autofocus={!danger || undefined}
          >
            {pending ? pendingLabel : confirmLabel}
          </button>
        </div>
      </Dialog>
    </>
  );
}
