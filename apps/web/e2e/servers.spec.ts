import { expect } from '@playwright/test';
import { emulator, expectAccessible, signedInPage, test } from './support.ts';

/**
 * Issue 17 in the browser: the emulator holds 3 servers (global-setup.ts); alice, bob, carol and
 * dave are in all three, dave has Manage Server in the 2nd and 3rd (specs/discord-emulator.md).
 */

interface Guild {
  id: string;
  name: string;
}

async function guilds(): Promise<[Guild, Guild, Guild]> {
  const state = await emulator<{ guildId: string; guilds: Guild[] }>('/state');
  const [home, second, third] = state.guilds;
  if (!home || !second || !third || home.id !== state.guildId) throw new Error('expected the emulator to hold 3 servers, the home one first');
  return [home, second, third];
}

test('the create form offers every server (home chosen) with its capacity, and a room made in the 2nd server is listed under its name', async ({ browser }) => {
  const [home, second, third] = await guilds();
  const { context, page } = await signedInPage(browser, 'alice');
  try {
    const picker = page.getByRole('group', { name: 'Server' });
    await expect(picker.getByRole('radio')).toHaveCount(3);
    // The home server says so in its name.
    await expect(picker.getByRole('radio', { name: `${home.name} (home)`, exact: true })).toBeChecked();
    for (const name of [`${home.name} (home)`, second.name, third.name]) {
      await expect(picker.getByRole('radio', { name, exact: true })).toHaveAccessibleDescription(/^\d+ of \d+ rooms free$/);
    }
    await expect(page.getByRole('link', { name: 'Add Spell Rooms to your server' })).toHaveAttribute('href', /\/oauth2\/authorize\?.*scope=bot/);
    // alice manages none of them: no settings link.
    await expect(page.getByRole('link', { name: /^Settings for/ })).toHaveCount(0);
    await expectAccessible(page, 'the lobby with three servers');

    await page.getByLabel('Room name').fill('Second server table');
    await picker.getByRole('radio', { name: second.name, exact: true }).check();
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const roomId = new URL(page.url()).pathname.split('/').at(-1)!;
    const room = await (await page.request.get(`/api/rooms/${roomId}`)).json();
    expect(room.room.guildId).toBe(second.id);
    // Discord agrees: the room's voice channel is in the 2nd server.
    const state = await emulator<{ guilds: Array<{ id: string; channels: Array<{ id: string }> }> }>('/state');
    expect(state.guilds.find((g) => g.id === second.id)?.channels.some((c) => c.id === room.room.channelId)).toBe(true);

    await page.goto('/');
    await page.getByLabel('Room name').fill('Home table');
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    await page.goto('/');
    const homeRooms = page.getByRole('list', { name: `Your rooms in ${home.name}`, exact: true });
    const secondRooms = page.getByRole('list', { name: `Your rooms in ${second.name}`, exact: true });
    await expect(homeRooms.getByRole('link', { name: /Home table/ })).toBeVisible();
    await expect(secondRooms.getByRole('link', { name: /Second server table/ })).toBeVisible();
    await expect(page.getByRole('heading', { level: 3 })).toHaveText([home.name, second.name]);
    await expectAccessible(page, 'the lobby with rooms in two servers');
  } finally {
    await context.close();
  }
});

test('a server’s settings: its admin (dave) changes them with errors shown inline; a member (alice) gets the 403 page', async ({ browser }) => {
  const [, second] = await guilds();
  const dave = await signedInPage(browser, 'dave');
  try {
    const { page } = dave;
    await page.getByRole('link', { name: `Settings for ${second.name}`, exact: true }).click();
    await expect(page).toHaveURL(`/servers/${second.id}/settings`);
    await expect(page.getByRole('heading', { level: 1, name: second.name })).toBeVisible();
    const original = (await (await page.request.get(`/api/guilds/${second.id}/settings`)).json()).settings;
    await expectAccessible(page, 'the server settings page');

    const channels = page.getByRole('textbox', { name: 'Channels kept free' });
    await channels.fill('9999');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(channels).toHaveAttribute('aria-invalid', 'true');
    await expect(channels).toHaveAccessibleDescription(/Enter a whole number from 0 to 498\./);
    await expect(channels).toBeFocused();
    await expect(page.getByRole('alert').filter({ hasText: 'Enter a whole number from 0 to 498.' })).toBeVisible();
    await expectAccessible(page, 'the server settings page with an error');

    await channels.fill('12');
    await page.getByRole('checkbox', { name: 'Rooms on in this server' }).uncheck();
    await page.getByRole('radio', { name: /Add them to the server/ }).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    await expect(channels).not.toHaveAttribute('aria-invalid', 'true');

    // Stored: the page reloads with them, and the JSON API agrees.
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Channels kept free' })).toHaveValue('12');
    await expect(page.getByRole('checkbox', { name: 'Rooms on in this server' })).not.toBeChecked();
    const api = await (await page.request.get(`/api/guilds/${second.id}/settings`)).json();
    expect(api.settings).toMatchObject({ roomsEnabled: false, addInvitees: true, reserve: { channels: 12 } });

    // Rooms off: alice's form no longer offers the server, and its settings page is not hers.
    const alice = await signedInPage(browser, 'alice');
    try {
      await expect(alice.page.getByRole('group', { name: 'Server' }).getByRole('radio', { name: second.name, exact: true })).toHaveCount(0);
      await alice.page.goto(`/servers/${second.id}/settings`);
      await expect(alice.page.getByRole('heading', { name: 'Only this server’s admins can change its settings' })).toBeVisible();
      await expectAccessible(alice.page, 'the server settings 403 page');
      const refused = await alice.page.request.put(`/api/guilds/${second.id}/settings`, { data: { roomsEnabled: true }, headers: { origin: new URL(alice.page.url()).origin } });
      expect(refused.status()).toBe(403);
    } finally {
      await alice.context.close();
    }

    // Back as it was, for the other specs.
    const restored = await page.request.put(`/api/guilds/${second.id}/settings`, { data: original, headers: { origin: new URL(page.url()).origin } });
    expect(restored.status()).toBe(200);
  } finally {
    await dave.context.close();
  }
});

test('a room in the 3rd server: its outage shows the delayed banner until it is back; the bot removed closes the room and says why', async ({ browser }) => {
  const [, , third] = await guilds();
  const { context, page } = await signedInPage(browser, 'carol');
  try {
    await page.getByLabel('Room name').fill('Third server table');
    await page.getByRole('group', { name: 'Server' }).getByRole('radio', { name: third.name, exact: true }).check();
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Third server table' })).toBeVisible();
    const delayed = page.getByRole('alert').filter({ hasText: 'Discord reports an outage of this room’s server' });
    await expect(delayed).toHaveCount(0);

    await emulator('/guild-availability', { guildId: third.id, available: false });
    await expect(delayed).toBeVisible();
    await expectAccessible(page, 'a room whose server is in an outage');
    await emulator('/guild-availability', { guildId: third.id, available: true });
    await expect(delayed).toHaveCount(0);

    await emulator('/bot-membership', { guildId: third.id, member: false });
    await expect(page.getByText('was closed because Spell Rooms was removed from its Discord server.')).toBeVisible();
    await expect(page).toHaveURL(/\/\?/);
  } finally {
    await emulator('/bot-membership', { guildId: third.id, member: true }).catch(() => undefined);
    await context.close();
  }
});
