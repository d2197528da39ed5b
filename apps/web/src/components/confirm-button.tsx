import { useHydrated } from '@tanstack/react-router';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../client/api.ts';
import { Dialog } from './dialog.tsx';
import { buttonDanger, buttonPrimary, buttonSecondary } from './styles.ts';

/**
 * A control whose action is asked for first: the trigger opens a dialog that says what will happen;
 * its confirm button has focus (Enter confirms, Escape or "Cancel" closes, focus goes back to the
 * trigger). One request at a time; a refusal is shown inside the dialog and nothing else changes.
 */
export function ConfirmButton<T>({
  trigger,
  triggerLabel,
  triggerClassName,
  title,
  description,
  confirmLabel,
  pendingLabel,
  danger = false,
  run,
  onDone,
  focusAfterDone,
}: {
  /** The trigger's content: its accessible name, unless `triggerLabel` gives one. */
  trigger: ReactNode;
  /** The trigger's name when its content says less ("Remove Bob" on a button that shows "Remove", or only an icon on phones); also its tooltip. */
  triggerLabel?: string;
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
}) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const done = useRef(false);
  // Runs after the dialog's own effect, which put focus back on the trigger.
  useEffect(() => {
    if (open || !done.current) return;
    done.current = false;
    focusAfterDone?.()?.focus();
  }, [open, focusAfterDone]);

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
      <button type="button" className={triggerClassName} onClick={() => setOpen(true)} disabled={!hydrated} aria-label={triggerLabel} title={triggerLabel}>
        {trigger}
      </button>
      <Dialog open={open} title={title} description={description} onCancel={close}>
        {error ? (
          <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap justify-end gap-3">
          <button type="button" className={buttonSecondary} onClick={close}>
            Cancel
          </button>
          {/* aria-disabled, not disabled: a disabled button would drop the focus it has (Enter pressed it). */}
          <button
            type="button"
            className={danger ? buttonDanger : buttonPrimary}
            onClick={() => void confirm()}
            aria-disabled={pending}
            aria-busy={pending}
            data-autofocus
          >
            {pending ? pendingLabel : confirmLabel}
          </button>
        </div>
      </Dialog>
    </>
  );
}
