import { describe, expect, it } from 'vitest';
import { bodyFromForm, fieldErrorsFromApi, formFromSettings } from './server-settings-form.ts';

const settings = { roomsEnabled: true, categoryId: null, addInvitees: false, reserve: { channels: 10, roles: 5 } };
const max = { channels: 498, roles: 249 };

describe('the server settings form', () => {
  it('round-trips the stored settings through the inputs', () => {
    expect(bodyFromForm(formFromSettings(settings), max)).toEqual({ ok: true, body: settings });
    const custom = { ...settings, categoryId: '123456789012345678', roomsEnabled: false, addInvitees: true };
    expect(bodyFromForm(formFromSettings(custom), max)).toEqual({ ok: true, body: custom });
  });

  it('takes a reserve exactly at its limit and refuses one past it', () => {
    const form = formFromSettings(settings);
    expect(bodyFromForm({ ...form, reserveChannels: '498', reserveRoles: '249' }, max)).toMatchObject({ ok: true, body: { reserve: { channels: 498, roles: 249 } } });
    expect(bodyFromForm({ ...form, reserveChannels: '499' }, max)).toEqual({ ok: false, errors: { reserveChannels: 'Enter a whole number from 0 to 498.' } });
    expect(bodyFromForm({ ...form, reserveRoles: '250' }, max)).toEqual({ ok: false, errors: { reserveRoles: 'Enter a whole number from 0 to 249.' } });
  });

  it('refuses what only looks like a whole number, and names every bad field at once', () => {
    const form = formFromSettings(settings);
    for (const text of ['', '-1', '1.5', '1e2', '0x10', 'ten']) {
      expect(bodyFromForm({ ...form, reserveChannels: text }, max).ok, text).toBe(false);
    }
    expect(bodyFromForm({ ...form, reserveChannels: ' 7 ' }, max)).toMatchObject({ ok: true, body: { reserve: { channels: 7 } } });
    expect(bodyFromForm({ ...form, reserveChannels: 'x', reserveRoles: 'y' }, max)).toMatchObject({ ok: false, errors: { reserveChannels: expect.any(String), reserveRoles: expect.any(String) } });
  });

  it('puts the API’s field errors under their inputs and keeps the others', () => {
    expect(fieldErrorsFromApi({ 'reserve.channels': ['At most 498 channels can be kept free.', 'second'], categoryId: ['That is not a category of this server.'], _: ['Unknown key'] })).toEqual({
      errors: { reserveChannels: 'At most 498 channels can be kept free.', categoryId: 'That is not a category of this server.' },
      other: ['Unknown key'],
    });
    expect(fieldErrorsFromApi(undefined)).toEqual({ errors: {}, other: [] });
  });
});
