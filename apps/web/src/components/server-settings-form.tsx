import { useHydrated } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { type FieldErrors, type SettingsField, type SettingsForm, bodyFromForm, fieldErrorsFromApi, formFromSettings, saveServerSettings } from '../client/server-settings-form.ts';
import type { GuildSettings } from '../server/guilds/guild-settings.ts';
import { buttonPrimary, card } from './styles.ts';

const input = 'rounded-md border bg-zinc-950 px-3 py-2 text-zinc-100';

/**
 * The settings form: every field labelled, its error under it (aria-describedby, aria-invalid), the
 * first bad field focused, the form's own failure in a role=alert, a saved notice in a status.
 */
export function ServerSettingsForm({
  guildId,
  settings,
  categories,
  maxReserve,
}: {
  guildId: string;
  settings: GuildSettings;
  categories: ReadonlyArray<{ id: string; name: string }>;
  maxReserve: { channels: number; roles: number };
}) {
  const hydrated = useHydrated();
  const [form, setForm] = useState<SettingsForm>(() => formFromSettings(settings));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [pending, setPending] = useState(false);
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends SettingsField>(field: K, value: SettingsForm[K]) => {
    setForm((f) => ({ ...f, [field]: value }));
    setSaved(false);
  };
  const fieldId = (field: SettingsField) => `${id}-${field}`;
  const focusFirst = (found: FieldErrors) => {
    const first = (Object.keys(found) as SettingsField[])[0];
    if (first) formRef.current?.querySelector<HTMLElement>(`#${CSS.escape(fieldId(first))}`)?.focus();
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setFormError(null);
    setSaved(false);
    const built = bodyFromForm(form, maxReserve);
    if (!built.ok) {
      setErrors(built.errors);
      focusFirst(built.errors);
      return;
    }
    setPending(true);
    const result = await saveServerSettings(guildId, built.body);
    setPending(false);
    if (result.ok) {
      setErrors({});
      setForm(formFromSettings(result.data.settings));
      setSaved(true);
      return;
    }
    const { errors: found, other } = fieldErrorsFromApi(result.error.fields);
    setErrors(found);
    if (Object.keys(found).length > 0) focusFirst(found);
    else setFormError(other[0] ?? result.error.message);
  }

  const described = (field: SettingsField, hint?: string) => {
    const ids = [hint ? `${fieldId(field)}-hint` : null, errors[field] ? `${fieldId(field)}-error` : null].filter(Boolean);
    return { 'aria-describedby': ids.length > 0 ? ids.join(' ') : undefined, 'aria-invalid': errors[field] ? true : undefined };
  };

  return (
    <form ref={formRef} onSubmit={(e) => void submit(e)} noValidate aria-label="Server settings" className={`${card} flex flex-col gap-5 p-5`}>
      <Field id={fieldId('roomsEnabled')} error={errors.roomsEnabled} hint="Turned off, nobody can make a new room here; open rooms stay open.">
        <label className="flex items-center gap-2 text-sm font-medium text-zinc-200">
          <input
            id={fieldId('roomsEnabled')}
            type="checkbox"
            checked={form.roomsEnabled}
            onChange={(e) => set('roomsEnabled', e.target.checked)}
            className="size-4 accent-indigo-500"
            {...described('roomsEnabled', 'hint')}
          />
          Rooms on in this server
        </label>
      </Field>

      <Field id={fieldId('categoryId')} error={errors.categoryId} hint="Where new room channels go. More categories are made beside it when it fills up (50 channels each).">
        <label htmlFor={fieldId('categoryId')} className="text-sm font-medium text-zinc-200">
          Rooms category
        </label>
        <select
          id={fieldId('categoryId')}
          value={form.categoryId}
          onChange={(e) => set('categoryId', e.target.value)}
          className={`${input} ${errors.categoryId ? 'border-red-500' : 'border-zinc-700'}`}
          {...described('categoryId', 'hint')}
        >
          <option value="">“Spell Rooms” (made by the bot)</option>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>

      <fieldset className="flex flex-col gap-2" aria-describedby={errors.addInvitees ? `${fieldId('addInvitees')}-error` : undefined}>
        <legend className="mb-1 text-sm font-medium text-zinc-200">People invited to a room who are not in this server</legend>
        <label className="flex items-start gap-2 text-sm text-zinc-200">
          <input type="radio" id={fieldId('addInvitees')} name="addInvitees" checked={form.addInvitees} onChange={() => set('addInvitees', true)} className="mt-1 accent-indigo-500" />
          Add them to the server when they join a room (Discord’s guilds.join)
        </label>
        <label className="flex items-start gap-2 text-sm text-zinc-200">
          <input type="radio" name="addInvitees" checked={!form.addInvitees} onChange={() => set('addInvitees', false)} className="mt-1 accent-indigo-500" />
          They must join the server on Discord first (the room’s page gives them an invite)
        </label>
        <FieldError id={`${fieldId('addInvitees')}-error`} error={errors.addInvitees} />
      </fieldset>

      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium text-zinc-200">Kept free for the server’s own use</legend>
        <p className="text-xs text-zinc-400">Rooms never take these: Discord allows 500 channels and 250 roles per server, and each room uses one of each.</p>
        <div className="grid gap-3 sm:grid-cols-2">
          <NumberField label="Channels kept free" id={fieldId('reserveChannels')} value={form.reserveChannels} max={maxReserve.channels} error={errors.reserveChannels} onChange={(v) => set('reserveChannels', v)} />
          <NumberField label="Roles kept free" id={fieldId('reserveRoles')} value={form.reserveRoles} max={maxReserve.roles} error={errors.reserveRoles} onChange={(v) => set('reserveRoles', v)} />
        </div>
      </fieldset>

      {formError ? (
        <p role="alert" className="rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200">
          {formError}
        </p>
      ) : null}
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonPrimary} disabled={!hydrated || pending} aria-busy={pending}>
          Save settings
        </button>
        <span role="status" className="text-sm text-zinc-300">
          {pending ? 'Saving…' : saved ? 'Settings saved.' : ''}
        </span>
      </div>
    </form>
  );
}

function Field({ id, error, hint, children }: { id: string; error: string | undefined; hint: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1.5">
      {children}
      <p id={`${id}-hint`} className="text-xs text-zinc-400">
        {hint}
      </p>
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p id={id} role="alert" className="text-sm text-red-300">
      {error}
    </p>
  ) : null;
}

function NumberField({ label, id, value, max, error, onChange }: { label: string; id: string; value: string; max: number; error: string | undefined; onChange: (value: string) => void }) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm text-zinc-200">
        {label}
      </label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        className={`${input} ${error ? 'border-red-500' : 'border-zinc-700'}`}
      />
      <p id={`${id}-hint`} className="text-xs text-zinc-400">
        0 to {max}
      </p>
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}
