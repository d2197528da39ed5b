import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, test as base, expect } from '@playwright/test';

/** Helpers for the end-to-end tests: real sign-in through the emulator's page, and its control API. */

/**
 * Every spec uses this `test`: it fails a test in which any page reported a Content-Security-Policy
 * violation (a blocked script or style breaks hydration silently, so the pages' CSP is checked in
 * the real browser). It watches the default context and every context a test opens itself.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      await watchCsp(context, violations);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const opened = await newContext(options);
        await watchCsp(opened, violations);
        return opened;
      };
      try {
        await use(violations);
      } finally {
        browser.newContext = newContext;
      }
      expect(violations, 'Content-Security-Policy violations reported by the browser').toEqual([]);
    },
    { auto: true },
  ],
});

async function watchCsp(context: BrowserContext, violations: string[]): Promise<void> {
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`[csp-violation] ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} in ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  context.on('console', (message) => {
    const text = message.text();
    // One line per violation, from the page's own securitypolicyviolation event (Chrome's console
    // text for the same violation would count it twice).
    if (text.startsWith('[csp-violation]')) violations.push(`${message.location().url}: ${text}`);
  });
}

export function emulatorUrl(): string {
  const url = process.env.E2E_EMULATOR_URL;
  if (!url) throw new Error('E2E_EMULATOR_URL is not set (global-setup starts the emulator)');
  return url;
}

export async function emulator<T = unknown>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulatorUrl()}/_emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Puts a simulated user in a voice channel (null: out of voice), or changes their flags. */
export function setVoice(user: string, change: { channelId?: string | null; selfMute?: boolean; selfDeaf?: boolean; force?: boolean }) {
  return emulator('/voice', { userId: user, ...change });
}

export async function loungeChannelId(): Promise<string> {
  const state = await emulator<{ guilds: Array<{ channels: Array<{ id: string; name: string; type: number }> }> }>('/state');
  const lounge = state.guilds[0]?.channels.find((c) => c.name === 'Lounge' && c.type === 2);
  if (!lounge) throw new Error('the seeded Lounge voice channel is missing');
  return lounge.id;
}

/** On the emulator's authorize page: pick the user. */
export async function continueAs(page: Page, user: string): Promise<void> {
  await expect(page).toHaveURL(/\/oauth2\/authorize\?/);
  const listed = page.getByRole('button', { name: `Continue as ${user}` });
  const any = page.locator('button[name="user"]').first();
  await any.waitFor();
  if ((await listed.count()) === 0) {
    // The page lists only the seeded users; one made through the control API (POST /users) is
    // picked the way the page's own form does it, with its username as the submitted `user`.
    await any.evaluate((button, username) => {
      (button as HTMLButtonElement).value = username;
    }, user);
    await any.click();
    return;
  }
  await listed.click();
}

/** A fresh browser profile, signed in through the header link and the authorize page. */
export async function signedInPage(browser: Browser, user: string, path = '/'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(path);
  await page.getByRole('banner').getByRole('link', { name: 'Sign in with Discord' }).click();
  await continueAs(page, user);
  await expect(page.getByLabel(`Signed in as ${user[0]!.toUpperCase()}${user.slice(1)}`)).toBeVisible();
  return { context, page };
}

/**
 * Opens an invite link in a fresh profile: the page shows the room and changes nothing; "Sign in"
 * goes through Discord and back to the invite, and only the "Join room" click joins.
 */
export async function openInvite(browser: Browser, user: string, inviteUrl: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(inviteUrl);
  await page.getByRole('link', { name: 'Sign in with Discord to join' }).click();
  await continueAs(page, user);
  await expect(page).toHaveURL(inviteUrl);
  await page.getByRole('button', { name: 'Join room' }).click();
  return { context, page };
}

/** The app's own Origin, which every write from a test's request context must carry (the CSRF rule). */
export function sameOrigin(page: Page): { headers: { origin: string } } {
  return { headers: { origin: new URL(page.url()).origin } };
}

export function players(page: Page) {
  return page.getByRole('list', { name: 'Players' });
}

/** A player's seat in the "Players" list, by display name. */
export function seat(page: Page, name: string) {
  return players(page).getByRole('listitem').filter({ hasText: name });
}

export function connection(page: Page) {
  return page.getByTestId('connection-status');
}

/**
 * Latency probe: starts watching the page's DOM for `selector`, records the wall-clock time it first
 * matches, and returns a function that waits for that time. Page and test run on one machine clock.
 */
export async function watchFor(page: Page, selector: string): Promise<() => Promise<number>> {
  await page.evaluate((sel) => {
    const w = window as unknown as { __seenAt?: number | null };
    w.__seenAt = null;
    if (document.querySelector(sel)) {
      w.__seenAt = Date.now();
      return;
    }
    const observer = new MutationObserver(() => {
      if (document.querySelector(sel)) {
        w.__seenAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, selector);
  return async () => {
    const handle = await page.waitForFunction(() => (window as unknown as { __seenAt?: number | null }).__seenAt ?? null, undefined, { polling: 'raf', timeout: 10_000 });
    return (await handle.jsonValue()) as number;
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Runs axe-core on the page as it is now (a dialog open is checked with it) and fails on any
 * serious or critical violation: those are the ones that stop someone from reading or using the
 * page (contrast below 4.5:1, a control with no name). `what` names the page in the failure.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const blocking = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`).join('; ')})`);
  expect(blocking, `serious or critical axe violations on ${what}`).toEqual([]);
}
