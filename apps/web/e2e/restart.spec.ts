import { randomBytes } from 'node:crypto';
import { type BrowserContext, expect } from '@playwright/test';
import { startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { startStack } from '../test/stack.ts';
import { connection, continueAs, openInvite, players, seat, test } from './support.ts';

/**
 * R-ROOM8 in a real browser: a room page stays open while the server is killed (kill -9) and started
 * again on the same Discord, port and SESSION_SECRET. The tab reconnects, resubscribes and gets a
 * snapshot of the same room: its address and everything it shows are as they were, and only the
 * connection status went to "Reconnecting…" and back to "Live". This spec runs its own emulator
 * and app (the shared one from global-setup must not be killed under the other specs).
 */

test('a room page open through a restart shows the same room, with no navigation', async ({ browser }) => {
  test.setTimeout(120_000);
  const emulator = await startEmulator({ port: 0 });
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const start = () => startStack({ mode: 'production', emulator, port, env: { SESSION_SECRET: secret } });
  let app = await start();
  const contexts: BrowserContext[] = [];
  try {
    const alice = await browser.newContext({ baseURL: app.baseUrl });
    contexts.push(alice);
    const page = await alice.newPage();
    await page.goto('/');
    await page.getByRole('banner').getByRole('link', { name: 'Sign in with Discord' }).click();
    await continueAs(page, 'alice');
    await page.getByLabel('Room name').fill('Through the restart');
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const inviteUrl = await page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    const bob = await openInvite(browser, 'bob', inviteUrl);
    contexts.push(bob.context);
    await expect(seat(page, 'Bob')).toBeVisible();
    await expect(connection(page)).toHaveText('Live');

    const url = page.url();
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    const seats = await players(page).innerText();
    const content = await page.locator('main').innerText();
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    // Every status the page shows from here on, as the DOM changes (a poll could miss a short one).
    await page.evaluate(() => {
      const w = window as unknown as { __statuses: string[] };
      const el = document.querySelector('[data-testid="connection-status"]')!;
      w.__statuses = [el.getAttribute('data-connection') ?? ''];
      new MutationObserver(() => w.__statuses.push(el.getAttribute('data-connection') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-connection'] });
    });

    await app.kill('SIGKILL');
    await expect(connection(page)).toHaveText('Reconnecting…');
    app = await start();
    await expect(connection(page)).toHaveText('Live', { timeout: 30_000 });

    expect(page.url()).toBe(url);
    expect(navigations).toBe(0);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    expect(await players(page).innerText()).toBe(seats);
    expect(await page.locator('main').innerText()).toBe(content);
    await expect(seat(page, 'Alice')).toContainText('Host');
    const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
    expect(statuses[0]).toBe('live');
    expect(statuses.at(-1)).toBe('live');
    expect(statuses).toContain('reconnecting');
    // Nothing but the connection changed: never signed out, refused or sent elsewhere on the way.
    expect(new Set(statuses)).toEqual(new Set(['live', 'reconnecting']));
  } finally {
    for (const context of contexts) await context.close();
    await app.close();
    await emulator.close();
  }
});
