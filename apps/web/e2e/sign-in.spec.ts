import { expect } from '@playwright/test';
import { test } from './support.ts';

test('a person signs in with Discord (the emulator), comes back where they were, and signs out', async ({ page }) => {
  await page.goto('/?from=e2e');
  await page.getByRole('link', { name: 'Sign in with Discord' }).click();

  // The emulator's authorize page: one button per test user.
  await expect(page).toHaveURL(/\/oauth2\/authorize\?/);
  await page.getByRole('button', { name: 'Continue as grace' }).click();

  await expect(page).toHaveURL(/\/\?from=e2e$/);
  await expect(page.getByLabel('Signed in as Grace')).toBeVisible();
  // The session cookie is HttpOnly: page scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('sr_session');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in with Discord' })).toBeVisible();
});
