import { expect, test } from '@playwright/test';

test('the lobby renders, hydrates, and its page holds a live WebSocket on the same port', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();

  // The browser opens /api/ws on the page's own origin (Origin header and all) and is answered.
  const reply = await page.evaluate(async () => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/api/ws`);
    (window as unknown as { testSocket: WebSocket }).testSocket = ws;
    return new Promise<unknown>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'ping' }));
      ws.onmessage = (event) => resolve(JSON.parse(String(event.data)));
      ws.onerror = () => reject(new Error('websocket failed'));
    });
  });
  expect(reply).toMatchObject({ v: 1, type: 'pong' });

  // The server function behind the lobby counts the socket this page holds open.
  const lobby = await page.context().newPage();
  await lobby.goto('/');
  await expect(lobby.getByTestId('online-count')).toHaveText('1 connection');
});

test('an unknown page shows the not-found page with a way back', async ({ page }) => {
  const response = await page.goto('/rooms-that-never-were');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the lobby' }).click();
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
});
