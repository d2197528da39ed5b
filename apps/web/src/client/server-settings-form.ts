import { z } from 'zod';
import { GuildSettingsSchema, type GuildSettings } from '../server/guilds/guild-settings.ts';
import { type ApiResult, callApi } from './api.ts';

/**
 * The server settings page's form (issue 17): its fields as the inputs hold them, the PUT body they
 * make, and the API's field errors put back under the right input. Numbers are checked here first
 * (a clear message without a round trip); the server checks everything again.
 */
export interface SettingsForm {
  roomsEnabled: boolean;
  /** '' = the bot's own "Spell Rooms" category. */
  categoryId: string;
  addInvitees: boolean;
  reserveChannels: string;
  reserveRoles: string;
}

export type SettingsField = keyof SettingsForm;

/** The API's field keys (GuildSettings paths) → the form's inputs. */
const FIELD_OF: Record<string, SettingsField> = {
  roomsEnabled: 'roomsEnabled',
  categoryId: 'categoryId',
  addInvitees: 'addInvitees',
  'reserve.channels': 'reserveChannels',
  'reserve.roles': 'reserveRoles',
};

export function formFromSettings(settings: GuildSettings): SettingsForm {
  return {
    roomsEnabled: settings.roomsEnabled,
    categoryId: settings.categoryId ?? '',
    addInvitees: settings.addInvitees,
    reserveChannels: String(settings.reserve.channels),
    reserveRoles: String(settings.reserve.roles),
  };
}

export type FieldErrors = Partial<Record<SettingsField, string>>;

/** The PUT body, or the fields to fix first. */
export function bodyFromForm(form: SettingsForm, max: { channels: number; roles: number }): { ok: true; body: GuildSettings } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const channels = wholeNumber(form.reserveChannels, max.channels);
  const roles = wholeNumber(form.reserveRoles, max.roles);
  if (typeof channels === 'string') errors.reserveChannels = channels;
  if (typeof roles === 'string') errors.reserveRoles = roles;
  if (typeof channels === 'string' || typeof roles === 'string') return { ok: false, errors };
  return {
    ok: true,
    body: {
      roomsEnabled: form.roomsEnabled,
      categoryId: form.categoryId === '' ? null : form.categoryId,
      addInvitees: form.addInvitees,
      reserve: { channels, roles },
    },
  };
}

/** A whole number from 0 to max, or what is wrong with the text. */
function wholeNumber(text: string, max: number): number | string {
  const trimmed = text.trim();
  const message = `Enter a whole number from 0 to ${max}.`;
  if (!/^\d{1,6}$/.test(trimmed)) return message;
  const n = Number(trimmed);
  return n > max ? message : n;
}

/** The API's 400 (`fields`) as messages under the inputs; keys the form has no input for go to `other`. */
export function fieldErrorsFromApi(fields: Record<string, string[]> | undefined): { errors: FieldErrors; other: string[] } {
  const errors: FieldErrors = {};
  const other: string[] = [];
  for (const [key, messages] of Object.entries(fields ?? {})) {
    const field = FIELD_OF[key];
    const first = messages[0];
    if (first === undefined) continue;
    if (field) errors[field] ??= first;
    else other.push(first);
  }
  return { errors, other };
}

const SavedSettings = z.object({ settings: GuildSettingsSchema });

/** PUT /api/guilds/:id/settings (CSRF: same-origin like every write). */
export function saveServerSettings(guildId: string, body: GuildSettings): Promise<ApiResult<z.infer<typeof SavedSettings>>> {
  return callApi('PUT', `/api/guilds/${encodeURIComponent(guildId)}/settings`, SavedSettings, body);
}
