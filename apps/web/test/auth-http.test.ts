import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/** Sign-in through the production build's real routes, against the emulator. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mode: 'production' });
});
afterAll(async () => {
  await stack?.close();
});

describe('sign-in over HTTP', () => {
  it('logs in, lands on returnTo, and gets a WebSocket token and a profile without secrets', async () => {
    const { cookie, location } = await signInAs(stack.baseUrl, 'alice', '/rooms/xyz');
    expect(location).toBe('/rooms/xyz');

    const tokenRes = await fetch(`${stack.baseUrl}/api/ws-token`, { headers: { cookie } });
    expect(tokenRes.status).toBe(200);
    const { token, expiresAt } = (await tokenRes.json()) as { token: string; expiresAt: number };
    expect(token.split('.')).toHaveLength(3);
    expect(expiresAt - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(5 * 60_000);

    const meRes = await fetch(`${stack.baseUrl}/api/me`, { headers: { cookie } });
    const me = await meRes.text();
    expect(JSON.parse(me)).toMatchObject({ user: { username: 'alice' } });
    expect(me).not.toMatch(/token/i);
  });

  it('sets an HttpOnly, SameSite=Lax session cookie that the page header reads', async () => {
    const login = await fetch(`${stack.baseUrl}/auth/discord/login`, { redirect: 'manual' });
    expect(login.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
    const { cookie } = await signInAs(stack.baseUrl, 'bob');
    const html = await (await fetch(`${stack.baseUrl}/`, { headers: { cookie } })).text();
    expect(html).toContain('Signed in as Bob');
  });

  it('answers 401 with a login URL for the page the request came from', async () => {
    const res = await fetch(`${stack.baseUrl}/api/ws-token`, { headers: { referer: `${stack.baseUrl}/rooms/abc` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { kind: 'unauthenticated', loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fabc' } });
    const forged = await fetch(`${stack.baseUrl}/api/ws-token`, { headers: { cookie: 'sr_session=eyJhbGciOiJkaXIifQ..forged' } });
    expect(forged.status).toBe(401);
  });

  it('sends a bad callback to a clear page and creates no session', async () => {
    const res = await fetch(`${stack.baseUrl}/auth/discord/callback?code=abc&state=forged`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/auth/failed?reason=expired');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('sr_session=') && !c.includes('Max-Age=0'))).toBe(false);
    const page = await (await fetch(`${stack.baseUrl}/auth/failed?reason=expired`)).text();
    expect(page).toContain('This sign-in attempt has expired or was already used.');
  });

  it('signs out by clearing the cookie', async () => {
    const res = await fetch(`${stack.baseUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.baseUrl }, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie()[0]).toMatch(/^sr_session=; .*Max-Age=0/);
  });
});
