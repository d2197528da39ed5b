import { type Locator, type Page, expect } from '@playwright/test';
import { contextList, hostWithRoom, newUser, roomFromApi, roomInDiscord } from './discord-state.ts';
import { expectAccessible, openInvite, sameOrigin, seat, setVoice, signedInPage, test } from './support.ts';

/**
 * Hosting handed over, people leaving, and the host controls used with the keyboard alone
 * (issue 19). Each as the host with other browsers as the people affected; Discord read from the
 * emulator.
 */

function inRoom(page: Page, roomId: string) {
  return expect(page).toHaveURL(new RegExp(`/rooms/${roomId}$`));
}

async function confirmIn(page: Page, dialogName: string, button: string) {
  const dialog = page.getByRole('dialog', { name: dialogName });
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await expect(dialog).toBeHidden();
}

test('hand over: the new host gets the controls and the Discord mark, the old one becomes a player; links keep working', async ({ browser }) => {
  test.setTimeout(120_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'erin', 'Handover drill'));
    const a = host.page;
    const frank = opened.add(await openInvite(browser, 'frank', host.inviteUrl));
    await inRoom(frank.page, host.roomId);
    const ivy = await newUser('ivy');
    const spectator = opened.add(await openInvite(browser, ivy.username, host.spectatorUrl));
    await inRoom(spectator.page, host.roomId);
    await expect(a.getByRole('button', { name: `Remove ${ivy.name}` })).toBeVisible();
    await expect(a.getByRole('button', { name: `Make ${ivy.name} host` })).toHaveCount(0); // a spectator cannot host

    await a.getByRole('button', { name: 'Make Frank host' }).click();
    const dialog = a.getByRole('dialog', { name: 'Make Frank the host?' });
    await expectAccessible(a, 'the "Make Frank the host?" dialog');
    await dialog.getByRole('button', { name: 'Make host', exact: true }).click();
    await expect(dialog).toBeHidden();

    // frank now has the controls and the spectator link; erin has neither; everyone reads the new host.
    await expect(frank.page.getByRole('region', { name: 'Host controls' })).toBeVisible();
    await expect(frank.page.getByText('Hosted by you')).toBeVisible();
    await expect(frank.page.getByRole('textbox', { name: 'Spectator link' })).toBeVisible();
    await expect(seat(frank.page, 'Frank')).toContainText('Host');
    await expect(a.getByRole('region', { name: 'Host controls' })).toHaveCount(0);
    await expect(a.getByRole('button', { name: 'Close room' })).toHaveCount(0);
    await expect(a.getByRole('textbox', { name: 'Spectator link' })).toHaveCount(0);
    await expect(a.getByRole('textbox', { name: 'Invite link' })).toBeVisible();
    for (const page of [a, spectator.page]) await expect(page.getByText('Hosted by Frank')).toBeVisible();
    // Discord: the host mark moved; nobody lost the role.
    await expect.poll(async () => (await roomInDiscord(host.room)).hostMarks).toEqual(['frank']);
    expect((await roomInDiscord(host.room)).roleHolders).toEqual(['erin', 'frank']);
    expect((await roomFromApi(a, host.roomId)).creatorId).toBe(await seat(a, 'Frank').getAttribute('data-user-id'));

    // erin is not the host any more: the API refuses her; the old links still work and name the new host.
    const refused = await a.request.patch(`/api/rooms/${host.roomId}`, { data: { locked: true }, ...sameOrigin(a) });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { reason?: string } }).error.reason).toBe('not_host');
    const heidi = opened.add(await signedInPage(browser, 'heidi'));
    await heidi.page.goto(host.inviteUrl);
    await expect(heidi.page.getByRole('main')).toContainText('Frank invites you to play in');
    await heidi.page.getByRole('button', { name: 'Join room' }).click();
    await inRoom(heidi.page, host.roomId);
    await expectAccessible(frank.page, 'the room page as the new host');

    await frank.page.getByRole('button', { name: 'Close room' }).click();
    await confirmIn(frank.page, 'Close this room?', 'Close room');
  } finally {
    await opened.closeAll();
  }
});

test('leave: a player gives back seat, role and voice; a spectator stops watching; the host hands over, and the last player closes the room', async ({ browser }) => {
  test.setTimeout(150_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'alice', 'Leave drill'));
    const a = host.page;
    const bob = opened.add(await openInvite(browser, 'bob', host.inviteUrl));
    await inRoom(bob.page, host.roomId);
    const bobSecondTab = await bob.context.newPage();
    await bobSecondTab.goto(`/rooms/${host.roomId}`);
    const carol = opened.add(await openInvite(browser, 'carol', host.inviteUrl));
    await inRoom(carol.page, host.roomId);
    const dave = opened.add(await openInvite(browser, 'dave', host.spectatorUrl));
    await inRoom(dave.page, host.roomId);
    await setVoice('bob', { channelId: host.room.channelId });
    await expect(seat(a, 'Bob')).toContainText('In voice');

    // --- bob, a player in voice, leaves ----------------------------------------------------------------
    await bob.page.getByRole('button', { name: 'Leave room' }).click();
    const dialog = bob.page.getByRole('dialog', { name: 'Leave this room?' });
    await expect(dialog).toContainText('You give back your seat and the room’s Discord role');
    await expectAccessible(bob.page, 'the "Leave this room?" dialog as player');
    await dialog.getByRole('button', { name: 'Leave room', exact: true }).click();
    await expect(bob.page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
    await expect(bobSecondTab.getByRole('heading', { level: 1, name: 'You left this room' })).toBeVisible();
    await expect(seat(a, 'Bob')).toHaveCount(0);
    await expect.poll(() => roomInDiscord(host.room)).toMatchObject({ roleHolders: ['alice', 'carol'], inVoice: [], barred: [] });
    // Leaving is not being removed: bob's link shows the invite again.
    await bob.page.goto(host.inviteUrl);
    await expect(bob.page.getByRole('button', { name: 'Join room' })).toBeVisible();

    // --- dave, a spectator, leaves ----------------------------------------------------------------------
    await dave.page.getByRole('button', { name: 'Leave room' }).click();
    await expect(dave.page.getByRole('dialog', { name: 'Leave this room?' })).toContainText('You stop watching this room.');
    await confirmIn(dave.page, 'Leave this room?', 'Leave room');
    await expect(dave.page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
    await expect(a.getByText('Nobody is watching yet.')).toBeVisible();

    // --- alice, the host, leaves: carol (next in seat order) becomes host ---------------------------------
    await a.getByRole('button', { name: 'Leave room' }).click();
    await expect(a.getByRole('dialog', { name: 'Leave this room?' })).toContainText('Carol becomes the host.');
    await expectAccessible(a, 'the "Leave this room?" dialog as host');
    await confirmIn(a, 'Leave this room?', 'Leave room');
    await expect(a.getByRole('heading', { name: 'Lobby' })).toBeVisible();
    await expect(carol.page.getByRole('region', { name: 'Host controls' })).toBeVisible();
    await expect(carol.page.getByText('Hosted by you')).toBeVisible();
    await expect.poll(() => roomInDiscord(host.room)).toMatchObject({ roleHolders: ['carol'], hostMarks: ['carol'] });

    // --- carol, the only player, leaves: the room closes ----------------------------------------------------
    await carol.page.getByRole('button', { name: 'Leave room' }).click();
    await expect(carol.page.getByRole('dialog', { name: 'Leave this room?' })).toContainText('You are the only player, so the room closes');
    await confirmIn(carol.page, 'Leave this room?', 'Leave and close room');
    await expect(carol.page.getByRole('status').filter({ hasText: 'was closed by its host' })).toBeVisible();
    await expect.poll(async () => (await roomInDiscord(host.room)).channelName).toBeUndefined();
    await bob.page.goto(host.inviteUrl);
    await expect(bob.page.getByRole('heading', { level: 1, name: 'This room has been closed' })).toBeVisible();
  } finally {
    await opened.closeAll();
  }
});

/** Presses Tab until `target` has focus (the page is walked in its own order, as a keyboard user would). */
async function tabTo(page: Page, target: Locator, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

test('keyboard only: Tab reaches every host control; dialogs take focus, Escape closes and gives it back, Enter confirms', async ({ browser }) => {
  test.setTimeout(120_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'heidi', 'Keyboard drill'));
    const a = host.page;
    const ivy = await newUser('ivy');
    const player = opened.add(await openInvite(browser, ivy.username, host.inviteUrl));
    await inRoom(player.page, host.roomId);
    await expect(seat(a, ivy.name)).toBeVisible();
    await a.locator('body').click({ position: { x: 1, y: 1 } });

    // Lock with Space, unlock with Enter: a toggle that keeps focus.
    const lock = a.getByRole('button', { name: 'Lock room' });
    await tabTo(a, lock);
    await a.keyboard.press('Space');
    const unlock = a.getByRole('button', { name: 'Unlock room' });
    await expect(unlock).toHaveAttribute('aria-pressed', 'true');
    await expect(unlock).toBeFocused();
    await expect(player.page.getByTestId('locked-badge')).toBeVisible();
    await a.keyboard.press('Enter');
    await expect(lock).toHaveAttribute('aria-pressed', 'false');

    // Rename: Enter opens with the name field focused; Escape closes and focus returns; Enter submits.
    const rename = a.getByRole('button', { name: 'Rename room' });
    await tabTo(a, rename);
    await a.keyboard.press('Enter');
    const renameDialog = a.getByRole('dialog', { name: 'Rename room' });
    await expect(renameDialog.getByRole('textbox', { name: 'Room name' })).toBeFocused();
    await a.keyboard.press('Escape');
    await expect(renameDialog).toBeHidden();
    await expect(rename).toBeFocused();
    await a.keyboard.press('Enter');
    await expect(renameDialog.getByRole('textbox', { name: 'Room name' })).toBeFocused();
    await a.keyboard.type('Typed by keyboard'); // the field's text is selected on focus: typing replaces it
    await a.keyboard.press('Enter');
    await expect(renameDialog).toBeHidden();
    await expect(player.page.getByRole('heading', { level: 1 })).toHaveText('Typed by keyboard');
    await expect(rename).toBeFocused();

    // Remove cannot be undone: Cancel has focus, so Enter twice removes nobody; Tab reaches "Remove".
    const remove = a.getByRole('button', { name: `Remove ${ivy.name}` });
    await tabTo(a, remove);
    await a.keyboard.press('Enter');
    const removeDialog = a.getByRole('dialog', { name: `Remove ${ivy.name}?` });
    const confirm = removeDialog.getByRole('button', { name: 'Remove', exact: true });
    const cancel = removeDialog.getByRole('button', { name: 'Cancel' });
    await expect(cancel).toBeFocused();
    await a.keyboard.press('Enter');
    await expect(removeDialog).toBeHidden();
    await expect(remove).toBeFocused();
    await expect(player.page.getByRole('heading', { level: 1 })).toHaveText('Typed by keyboard'); // nothing happened
    await a.keyboard.press('Enter');
    await expect(cancel).toBeFocused();
    await a.keyboard.press('Tab');
    await expect(confirm).toBeFocused();
    await a.keyboard.press('Shift+Tab');
    await expect(cancel).toBeFocused();
    await a.keyboard.press('Escape');
    await expect(removeDialog).toBeHidden();
    await expect(remove).toBeFocused();
    await a.keyboard.press('Enter');
    await a.keyboard.press('Tab');
    await expect(confirm).toBeFocused();
    await a.keyboard.press('Enter');
    await expect(removeDialog).toBeHidden();
    await expect(player.page.getByRole('heading', { level: 1, name: 'The host removed you from this room' })).toBeVisible();
    // Her buttons are gone: focus is on the players' heading, not lost on the page.
    await expect(a.getByRole('heading', { name: /^Players/ })).toBeFocused();

    // New links and closing, keyboard only.
    const before = await a.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await tabTo(a, a.getByRole('button', { name: 'Make new links' }));
    await a.keyboard.press('Enter');
    await expect(a.getByRole('dialog', { name: 'Make new links?' }).getByRole('button', { name: 'Make new links' })).toBeFocused();
    await a.keyboard.press('Enter');
    await expect(a.getByRole('textbox', { name: 'Invite link' })).not.toHaveValue(before);
    await expect(a.getByRole('button', { name: 'Make new links' })).toBeFocused();
    await tabTo(a, a.getByRole('button', { name: 'Close room' }));
    await a.keyboard.press('Enter');
    const close = a.getByRole('dialog', { name: 'Close this room?' });
    await expect(close.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await a.keyboard.press('Tab');
    await a.keyboard.press('Enter');
    await expect(a).toHaveURL(/\/\?closed=closed/);
  } finally {
    await opened.closeAll();
  }
});
