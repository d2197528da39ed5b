import { useId } from 'react';

/**
 * The room's name as a form field, for "Start a game" and the host's "Rename room": the label, the
 * input (read-only while a request is in flight) and the API's error for the name under it, tied
 * to the input by aria-describedby and announced politely.
 */
export function RoomNameField({
  id,
  value,
  onChange,
  pending,
  error,
  placeholder,
  inDialog = false,
}: {
  id: string;
  value: string;
  onChange(value: string): void;
  pending: boolean;
  error: string | undefined;
  placeholder?: string;
  /** In a dialog: focused when it opens (Dialog's data-autofocus), its text selected on focus. */
  inDialog?: boolean;
}) {
  const errorId = useId();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-zinc-300">
        Room name
      </label>
      <input
        id={id}
        name="name"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onFocus={inDialog ? (e) => e.currentTarget.select() : undefined}
        readOnly={pending}
        autoComplete="off"
        placeholder={placeholder}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        className={`rounded-md border bg-zinc-950 px-3 py-2 text-zinc-100 placeholder:text-zinc-600 ${error ? 'border-red-500' : 'border-zinc-700'}`}
        data-autofocus={inDialog ? true : undefined}
      />
      <p id={errorId} className="min-h-5 text-sm text-red-300" aria-live="polite">
        {error ?? ''}
      </p>
    </div>
  );
}
