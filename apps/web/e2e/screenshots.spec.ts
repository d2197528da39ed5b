import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import { contextList, hostWithRoom } from './discord-state.ts';
import { openInvite, seat, setVoice, test } from './support.ts';

/**
 * The README's pictures of the room page as its host sees it (docs/screenshots/). Not part of a
 * normal run: `E2E_SCREENSHOTS=1 pnpm test:e2e -- screenshots` writes them again.
 */
test('README screenshots: the room page as its host sees it', async ({ browser }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to write docs/screenshots/');
  test.setTimeout(120_000);
  const out = path.resolve(test.info().config.rootDir, '../../../docs/screenshots');
  mkdirSync(out, { recursive: true });
  const opened = contextList();
  try {
    const host = opened.add(await hostWithRoom(browser, 'alice', 'Friday Night Commander'));
    const a = host.page;
    for (const user of ['bob', 'carol', 'dave']) {
      const player = opened.add(await openInvite(browser, user, host.inviteUrl));
      await expect(player.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    }
    const spectator = opened.add(await openInvite(browser, 'erin', host.spectatorUrl));
    await expect(spectator.page).toHaveURL(new RegExp(`/rooms/${host.roomId}$`));
    await setVoice('alice', { channelId: host.room.channelId });
    await setVoice('bob', { channelId: host.room.channelId, selfMute: true });
    await setVoice('carol', { channelId: host.room.channelId });
    await expect(seat(a, 'Carol')).toContainText('In voice');
    await a.getByRole('button', { name: 'Lock room' }).click();
    await expect(a.getByTestId('locked-badge')).toBeVisible();

    await a.setViewportSize({ width: 1280, height: 900 });
    await a.locator('body').click({ position: { x: 1, y: 1 } });
    await a.screenshot({ path: path.join(out, 'room-host.png'), fullPage: true });

    await a.getByRole('button', { name: 'Remove Bob' }).click();
    await expect(a.getByRole('dialog', { name: 'Remove Bob?' })).toBeVisible();
    await a.screenshot({ path: path.join(out, 'room-host-remove-dialog.png') });
    await a.keyboard.press('Escape');
    await a.locator('body').click({ position: { x: 1, y: 1 } }); // no focus ring in the picture

    await a.setViewportSize({ width: 390, height: 844 });
    await a.screenshot({ path: path.join(out, 'room-host-phone.png'), fullPage: true });

    await a.setViewportSize({ width: 1280, height: 900 });
    await a.getByRole('button', { name: 'Close room' }).click();
    await a.getByRole('dialog', { name: 'Close this room?' }).getByRole('button', { name: 'Close room' }).click();
    await expect(a).toHaveURL(/\/\?closed=closed/);
  } finally {
    await opened.closeAll();
  }
});
