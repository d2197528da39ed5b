import { expect } from '@playwright/test';
import { connection, expectAccessible, signedInPage, test } from './support.ts';

test('the lobby renders, hydrates, and its page holds a live WebSocket on the same port', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Continue with Discord' })).toBeVisible();
  await expectAccessible(page, 'the lobby, signed out');

  // The browser opens /api/ws on the page's own origin (Origin header and all) and is answered.
  const reply = await page.evaluate(async () => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/api/ws`);
    return new Promise<unknown>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'ping' }));
      ws.onmessage = (event) => {
        resolve(JSON.parse(String(event.data)));
        ws.close();
      };
      ws.onerror = () => reject(new Error('websocket failed'));
    });
  });
  expect(reply).toMatchObject({ v: 1, type: 'pong' });

  // Signed in, the lobby's own connection authenticates and goes live…
  const { context, page: signedIn } = await signedInPage(browser, 'carol');
  try {
    await expect(connection(signedIn)).toHaveText('Live');
    await expect(signedIn.getByRole('button', { name: 'Create room' })).toBeEnabled();
    await expectAccessible(signedIn, 'the lobby, signed in');
    // …and the server function behind the lobby counts it among the open connections.
    const second = await context.newPage();
    await second.goto('/');
    await expect(second.getByTestId('online-count')).toHaveText(/^[1-9]\d* connections?$/);
    expect(Number.parseInt((await second.getByTestId('online-count').textContent()) ?? '0', 10)).toBeGreaterThanOrEqual(1);
  } finally {
    await context.close();
  }
});

test('an unknown page shows the not-found page with a way back', async ({ page }) => {
  const response = await page.goto('/rooms-that-never-were');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expectAccessible(page, 'the not-found page');
  await page.getByRole('link', { name: 'Back to the lobby' }).click();
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
});

test('the page’s CSP blocks an inline script it did not write, and the watcher sees it', async ({ page, cspViolations }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
  // Start's own inline scripts ran (they carry the nonce): the page hydrated without a violation.
  await expect(page.getByRole('link', { name: 'Sign in with Discord' })).toBeVisible();
  expect(cspViolations).toEqual([]);
  // A script injected without the nonce (what an XSS would do) does not run.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true';
    document.body.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => cspViolations.length).toBe(1);
  expect(cspViolations[0]).toMatch(/script-src(-elem)? blocked inline/);
  // Seen and expected: the test's own injection is not a failure of the app.
  cspViolations.length = 0;
});
