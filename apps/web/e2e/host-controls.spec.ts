import { type Page, expect } from '@playwright/test';
import { contextList, hostWithRoom, newUser, roomFromApi, roomInDiscord } from './discord-state.ts';
import { expectAccessible, openInvite, sameOrigin, seat, setVoice, signedInPage, test } from './support.ts';

/**
 * The host's controls (issue 19), each as the host with a second browser as the person it
 * affects: what they see, what changes in Discord (read from the emulator, not the app), and what
 * the old links answer. Hand-over, leaving and keyboard-only use: host-handover.spec.ts.
 */

const token = (url: string) => url.split('/invite/')[1]!;

async function redeem(page: Page, url: string): Promise<{ status: number; reason: string | undefined }> {
  const response = await page.request.post('/api/invites/redeem', { data: { token: token(url) }, ...sameOrigin(page) });
  const body = (await response.json().catch(() => ({}))) as { error?: { reason?: string } };
  return { status: response.status(), reason: body.error?.reason };
}

async function closeRoom(page: Page) {
  await page.getByRole('button', { name: 'Close room' }).click();
  await page.getByRole('dialog', { name: 'Close this room?' }).getByRole('button', { name: 'Close room' }).click();
  await expect(page).toHaveURL(/\/\?closed=closed/);
}

test('remove: the removed player and spectator lose their places, Discord takes role and voice; their old links say so until new links', async ({ browser }) => {
  test.setTimeout(150_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'alice', 'Remove drill'));
    const a = host.page;
    const bob = opened.add(await openInvite(browser, 'bob', host.inviteUrl));
    await expect(bob.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    const frank = opened.add(await openInvite(browser, 'frank', host.spectatorUrl));
    await expect(frank.page.getByText('You are watching')).toBeVisible();
    await setVoice('bob', { channelId: host.room.channelId });
    await expect(seat(a, 'Bob')).toContainText('In voice');
    expect(await roomInDiscord(host.room)).toMatchObject({ roleHolders: ['alice', 'bob'], inVoice: ['bob'], hostMarks: ['alice'], barred: [] });

    // Only the host has controls.
    await expect(a.getByRole('button', { name: 'Remove Bob' })).toBeVisible();
    await expect(a.getByRole('button', { name: 'Remove Frank' })).toBeVisible();
    await expect(a.getByRole('button', { name: 'Make Frank host' })).toHaveCount(0); // spectators cannot host
    await expect(a.getByRole('button', { name: 'Remove Alice' })).toHaveCount(0); // not yourself
    for (const page of [bob.page, frank.page]) {
      await expect(page.getByRole('region', { name: 'Host controls' })).toHaveCount(0);
      await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Leave room' })).toBeVisible();
    }
    await expectAccessible(a, 'the room page as host, with host controls');
    await expectAccessible(bob.page, 'the room page as player, with "Leave room"');
    await expectAccessible(frank.page, 'the room page as spectator, with "Leave room"');

    // --- the host removes bob ------------------------------------------------------------------------
    await a.getByRole('button', { name: 'Remove Bob' }).click();
    const dialog = a.getByRole('dialog', { name: 'Remove Bob?' });
    await expect(dialog).toContainText('disconnected from its voice channel if they are in it');
    await expectAccessible(a, 'the "Remove Bob?" dialog');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(bob.page.getByRole('heading', { level: 1, name: 'The host removed you from this room' })).toBeVisible();
    await expectAccessible(bob.page, 'the room page of someone the host removed');
    await expect(seat(a, 'Bob')).toHaveCount(0);
    await expect(seat(frank.page, 'Bob')).toHaveCount(0); // everyone's page follows
    // Discord: role taken, voice disconnected, barred from the channel.
    await expect.poll(() => roomInDiscord(host.room)).toMatchObject({ roleHolders: ['alice'], inVoice: [], barred: ['bob'] });

    // bob's old links, both kinds, preview and redeem: "removed". Someone else's use of the same link still works.
    for (const url of [host.inviteUrl, host.spectatorUrl]) {
      await bob.page.goto(url);
      await expect(bob.page.getByRole('heading', { level: 1, name: 'The host removed you from this room' })).toBeVisible();
      expect(await redeem(bob.page, url)).toEqual({ status: 403, reason: 'removed' });
    }
    await expectAccessible(bob.page, 'the invite page: removed');
    const carol = opened.add(await openInvite(browser, 'carol', host.inviteUrl));
    await expect(carol.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));

    // --- the host removes frank, a spectator -----------------------------------------------------------
    await a.getByRole('button', { name: 'Remove Frank' }).click();
    const spectatorDialog = a.getByRole('dialog', { name: 'Remove Frank?' });
    await expect(spectatorDialog).toContainText('stops watching');
    await spectatorDialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(frank.page.getByRole('heading', { level: 1, name: 'The host removed you from this room' })).toBeVisible();
    await expect(a.getByText('Nobody is watching yet.')).toBeVisible();

    // --- new links: the old ones answer "replaced", the bar is lifted, the new ones seat -----------------
    await a.getByRole('button', { name: 'Make new links' }).click();
    const links = a.getByRole('dialog', { name: 'Make new links?' });
    await expectAccessible(a, 'the "Make new links?" dialog');
    await links.getByRole('button', { name: 'Make new links' }).click();
    await expect(links).toBeHidden();
    await expect(a.getByText('New links made. The old ones no longer work.')).toBeVisible();
    const inviteBox = a.getByRole('textbox', { name: 'Invite link' });
    await expect(inviteBox).not.toHaveValue(host.inviteUrl);
    const newInvite = await inviteBox.inputValue();
    const newSpectator = await a.getByRole('textbox', { name: 'Spectator link' }).inputValue();
    expect(newSpectator).not.toBe(host.spectatorUrl);
    // A player shares the player link too: copying it gives a new one (each link is minted anew), and their page shows it.
    const carolsBox = carol.page.getByRole('textbox', { name: 'Invite link' });
    await carol.page.getByRole('button', { name: 'Copy invite link' }).click();
    await expect(carolsBox).not.toHaveValue(host.inviteUrl);
    const carolsLink = await carolsBox.inputValue();
    await expect.poll(async () => (await roomInDiscord(host.room)).barred).toEqual([]);
    expect((await roomInDiscord(host.room)).roleName).toBe(`room-${host.roomId}~1`);

    const heidi = opened.add(await signedInPage(browser, 'heidi'));
    await heidi.page.goto(carolsLink);
    await expect(heidi.page.getByRole('button', { name: 'Join room' })).toBeVisible(); // carol's link works
    for (const url of [host.inviteUrl, host.spectatorUrl]) {
      await heidi.page.goto(url);
      await expect(heidi.page.getByRole('heading', { level: 1, name: 'This link was replaced by the host' })).toBeVisible();
      await expect(heidi.page.getByText('Ask them for the new one.')).toBeVisible();
      expect(await redeem(heidi.page, url)).toEqual({ status: 410, reason: 'invite_replaced' });
    }
    await expectAccessible(heidi.page, 'the invite page: link replaced');
    // bob, removed before the new links, comes back with the new one.
    await bob.page.goto(newInvite);
    await bob.page.getByRole('button', { name: 'Join room' }).click();
    await expect(bob.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    await expect(seat(a, 'Bob')).toBeVisible();
    await expect.poll(async () => (await roomInDiscord(host.room)).roleHolders).toEqual(['alice', 'bob', 'carol']);
    await closeRoom(a);
  } finally {
    await opened.closeAll();
  }
});

test('lock: a locked room seats nobody new with either link, on the preview or the click; who is seated stays; unlock seats again', async ({ browser }) => {
  test.setTimeout(120_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'dave', 'Lock drill'));
    const a = host.page;
    const erin = opened.add(await openInvite(browser, 'erin', host.inviteUrl));
    await expect(erin.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    // ivy has the invite open (the card, "Join room") before the host locks.
    const ivy = await newUser('ivy');
    const newcomer = opened.add(await signedInPage(browser, ivy.username));
    await newcomer.page.goto(host.inviteUrl);
    await expect(newcomer.page.getByRole('button', { name: 'Join room' })).toBeVisible();

    const lock = a.getByRole('button', { name: 'Lock room' });
    await expect(lock).toHaveAttribute('aria-pressed', 'false');
    await expect(erin.page.getByTestId('locked-badge')).toHaveCount(0);
    await lock.click();
    const unlock = a.getByRole('button', { name: 'Unlock room' });
    await expect(unlock).toHaveAttribute('aria-pressed', 'true');
    for (const page of [a, erin.page]) await expect(page.getByTestId('locked-badge')).toHaveText('Locked');
    expect((await roomFromApi(a, host.roomId)).locked).toBe(true);
    await expect.poll(async () => (await roomInDiscord(host.room)).roleName).toBe(`room-${host.roomId}~locked`);

    // The click on the card opened before the lock…
    await newcomer.page.getByRole('button', { name: 'Join room' }).click();
    await expect(newcomer.page.getByRole('heading', { level: 1, name: 'This room is locked by its host' })).toBeVisible();
    await expectAccessible(newcomer.page, 'the invite page: room locked');
    // …and the preview of either link, and the API, say the same; nothing changed in Discord.
    for (const url of [host.inviteUrl, host.spectatorUrl]) {
      await newcomer.page.goto(url);
      await expect(newcomer.page.getByRole('heading', { level: 1, name: 'This room is locked by its host' })).toBeVisible();
      expect(await redeem(newcomer.page, url)).toEqual({ status: 403, reason: 'room_locked' });
    }
    expect((await roomInDiscord(host.room)).roleHolders).toEqual(['dave', 'erin']);
    // Who is seated keeps their place: erin reloads her room page.
    await erin.page.reload();
    await expect(erin.page.getByRole('heading', { level: 1, name: 'Lock drill' })).toBeVisible();
    await expect(erin.page.getByTestId('locked-badge')).toHaveText('Locked');

    // Unlock: the badge goes everywhere, the same link seats ivy.
    await unlock.click();
    await expect(a.getByRole('button', { name: 'Lock room' })).toHaveAttribute('aria-pressed', 'false');
    await expect(erin.page.getByTestId('locked-badge')).toHaveCount(0);
    await newcomer.page.goto(host.inviteUrl);
    await newcomer.page.getByRole('button', { name: 'Join room' }).click();
    await expect(newcomer.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    await expect.poll(async () => (await roomInDiscord(host.room)).roleHolders).toEqual(['dave', 'erin', ivy.username].sort());
    expect((await roomInDiscord(host.room)).roleName).toBe(`room-${host.roomId}`);
    await closeRoom(a);
  } finally {
    await opened.closeAll();
  }
});

test('rename: everyone sees the new name, the voice channel is renamed; a third rename within 10 minutes is refused in the dialog and changes nothing', async ({ browser }) => {
  test.setTimeout(120_000);
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'bob', 'Rename drill'));
    const a = host.page;
    const carol = opened.add(await openInvite(browser, 'carol', host.inviteUrl));
    await expect(carol.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    expect((await roomInDiscord(host.room)).channelName).toBe('Rename drill');

    await a.getByRole('button', { name: 'Rename room' }).click();
    const dialog = a.getByRole('dialog', { name: 'Rename room' });
    const field = dialog.getByRole('textbox', { name: 'Room name' });
    await expect(field).toBeFocused();
    await expect(field).toHaveValue('Rename drill');
    await expectAccessible(a, 'the "Rename room" dialog');
    // The name rule's message under the field; nothing sent to Discord.
    await field.fill('   ');
    await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByText('Give the room a name.')).toBeVisible();
    await expectAccessible(a, 'the "Rename room" dialog with a field error');

    await field.fill('Saturday Sealed');
    await field.press('Enter');
    await expect(dialog).toBeHidden();
    for (const page of [a, carol.page]) await expect(page.getByRole('heading', { level: 1 })).toHaveText('Saturday Sealed');
    await expect.poll(async () => (await roomInDiscord(host.room)).channelName).toBe('Saturday Sealed');

    await a.getByRole('button', { name: 'Rename room' }).click();
    await field.fill('Sunday Draft');
    await field.press('Enter');
    await expect(carol.page.getByRole('heading', { level: 1 })).toHaveText('Sunday Draft');

    // Discord allows two channel renames per 10 minutes: the third is refused, in the dialog.
    await a.getByRole('button', { name: 'Rename room' }).click();
    await field.fill('Monday Cube');
    await field.press('Enter');
    const refusal = dialog.getByRole('alert');
    await expect(refusal).toContainText('Discord lets a channel be renamed twice every 10 minutes. Try again in');
    await expectAccessible(a, 'the "Rename room" dialog refused by Discord’s limit');
    await field.press('Escape');
    await expect(dialog).toBeHidden();
    for (const page of [a, carol.page]) await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sunday Draft');
    expect((await roomFromApi(a, host.roomId)).name).toBe('Sunday Draft');
    expect((await roomInDiscord(host.room)).channelName).toBe('Sunday Draft');
    await closeRoom(a);
  } finally {
    await opened.closeAll();
  }
});
