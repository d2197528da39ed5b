import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../server.ts';
import { controlApi } from '../test-helpers.ts';
import { FakeClock } from '@repo/platform/testing';

/** The OAuth2 code flow (with PKCE), refresh rotation, expiry and Discord-shaped errors. */

const REDIRECT = 'http://localhost:3000/auth/discord/callback';
let emu: EmulatorHandle | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}) {
  emu = await startEmulator({ rateLimits: 'off', ...options });
  return emu;
}

function authorizeQuery(e: EmulatorHandle, extra: Record<string, string> = {}) {
  return new URLSearchParams({ client_id: e.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'identify guilds.join', state: 'xyz', ...extra });
}

async function pickUser(e: EmulatorHandle, user: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${e.url}/oauth2/authorize?${authorizeQuery(e, extra)}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ user }),
  });
  return res;
}

async function codeFor(e: EmulatorHandle, user: string, extra: Record<string, string> = {}) {
  const location = new URL((await pickUser(e, user, extra)).headers.get('location') ?? '');
  return location.searchParams.get('code') ?? '';
}

function token(e: EmulatorHandle, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${e.apiUrl}/v10/oauth2/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
}

const me = (e: EmulatorHandle, accessToken: string) => fetch(`${e.apiUrl}/v10/users/@me`, { headers: { Authorization: `Bearer ${accessToken}` } });

describe('authorize page', () => {
  it('lists the eight test users, each with a "Continue as <name>" button', async () => {
    const e = await start();
    const res = await fetch(`${e.url}/oauth2/authorize?${authorizeQuery(e, { prompt: 'consent' })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    const names = [...html.matchAll(/<button type="submit" name="user" value="[a-z]+">([^<]*)<\/button>/g)].map((m) => m[1]);
    expect(names).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map((n) => `Continue as ${n}`));
    expect(html).toContain(`/avatars/${e.users.alice.id}/${e.users.alice.avatar}.png`);
    expect(html).toContain('not in the test guild yet');
  });

  it('shows an error page for a wrong client_id or a non-local redirect_uri', async () => {
    const e = await start();
    const wrongClient = await fetch(`${e.url}/oauth2/authorize?${authorizeQuery(e, { client_id: '42' })}`);
    expect(wrongClient.status).toBe(400);
    expect(await wrongClient.text()).toContain('Unknown application');
    const evil = await fetch(`${e.url}/oauth2/authorize?${authorizeQuery(e, { redirect_uri: 'https://evil.example/cb' })}`);
    expect(evil.status).toBe(400);
    expect(await evil.text()).toContain('redirect_uri');
    const post = await pickUser(e, 'alice', { redirect_uri: 'https://evil.example/cb' });
    expect(post.status).toBe(400);
  });

  it('redirects back with code and state, or with access_denied on Cancel', async () => {
    const e = await start();
    const res = await pickUser(e, 'alice');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toMatch(/.{20,}/);

    const denied = await fetch(`${e.url}/oauth2/authorize?${authorizeQuery(e)}`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ action: 'deny' }) });
    const deniedAt = new URL(denied.headers.get('location') ?? '');
    expect(deniedAt.searchParams.get('error')).toBe('access_denied');
    expect(deniedAt.searchParams.get('state')).toBe('xyz');

    const unknown = await pickUser(e, 'mallory');
    expect(unknown.status).toBe(400);
  });

  it('also accepts the authorize params in the POST body (scripts, the bench)', async () => {
    const e = await start({ extraUsers: 3 });
    const res = await fetch(`${e.url}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ client_id: e.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'identify', user: 'user0002' }),
    });
    expect(res.status).toBe(302);
  });
});

describe('token endpoint', () => {
  it('exchanges a code with PKCE S256 for Discord-shaped tokens; the code is single-use', async () => {
    const e = await start();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await codeFor(e, 'alice', { code_challenge: challenge, code_challenge_method: 'S256' });
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    const basic = `Basic ${Buffer.from(`${e.clientId}:${e.clientSecret}`).toString('base64')}`;
    const res = await token(e, form, { Authorization: basic });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 604_800,
      refresh_token: expect.any(String),
      scope: 'identify guilds.join',
    });
    expect(await (await me(e, String(body.access_token))).json()).toMatchObject({ id: e.users.alice.id });

    const reused = await token(e, form, { Authorization: basic });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid "code" in request.' });
  });

  it('rejects a bad verifier, a wrong redirect_uri, a wrong secret and unknown grant types', async () => {
    const e = await start();
    const challenge = createHash('sha256').update('right-verifier-right-verifier-right-verifier').digest('base64url');
    const creds = { client_id: e.clientId, client_secret: e.clientSecret };
    const badVerifier = await token(e, {
      ...creds,
      grant_type: 'authorization_code',
      code: await codeFor(e, 'bob', { code_challenge: challenge, code_challenge_method: 'S256' }),
      redirect_uri: REDIRECT,
      code_verifier: 'wrong-verifier-wrong-verifier-wrong-verifier',
    });
    expect(badVerifier.status).toBe(400);
    expect(await badVerifier.json()).toMatchObject({ error: 'invalid_grant', error_description: 'Invalid "code_verifier" in request.' });

    const wrongRedirect = await token(e, { ...creds, grant_type: 'authorization_code', code: await codeFor(e, 'bob'), redirect_uri: 'http://localhost:3000/other' });
    expect(await wrongRedirect.json()).toMatchObject({ error: 'invalid_grant', error_description: 'Invalid "redirect_uri" in request.' });

    const wrongSecret = await token(e, { client_id: e.clientId, client_secret: 'nope', grant_type: 'authorization_code', code: await codeFor(e, 'bob'), redirect_uri: REDIRECT });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ error: 'invalid_client' });

    const grant = await token(e, { ...creds, grant_type: 'password' });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('rotates refresh tokens: the old refresh and access tokens stop working', async () => {
    const e = await start();
    const creds = { client_id: e.clientId, client_secret: e.clientSecret };
    const first = (await (await token(e, { ...creds, grant_type: 'authorization_code', code: await codeFor(e, 'carol'), redirect_uri: REDIRECT })).json()) as Record<string, string>;
    const refreshed = await token(e, { ...creds, grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as Record<string, string>;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe('identify guilds.join');

    const replay = await token(e, { ...creds, grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' });
    expect(await replay.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid "refresh_token" in request.' });
    expect((await me(e, first.access_token ?? '')).status).toBe(401);
    expect((await me(e, second.access_token ?? '')).status).toBe(200);
  });

  it('expires access tokens after tokenTtlSeconds on the clock, and on demand via the control API', async () => {
    const clock = new FakeClock();
    const e = await start({ tokenTtlSeconds: 60, now: () => clock.now() });
    const creds = { client_id: e.clientId, client_secret: e.clientSecret };
    const exchange = async (user: string) =>
      (await (await token(e, { ...creds, grant_type: 'authorization_code', code: await codeFor(e, user), redirect_uri: REDIRECT })).json()) as Record<string, string | number>;
    const t = await exchange('dave');
    expect(t.expires_in).toBe(60);
    await clock.advance(59_000);
    expect((await me(e, String(t.access_token))).status).toBe(200);
    await clock.advance(1_000);
    const expired = await me(e, String(t.access_token));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ message: '401: Unauthorized', code: 0 });

    const erin = await exchange('erin');
    const frank = await exchange('frank');
    const res = await controlApi(e)('POST', 'faults', { kind: 'oauth.expireTokens', userId: 'erin' });
    expect(res.body).toEqual({ ok: true, affected: 1 });
    expect((await me(e, String(erin.access_token))).status).toBe(401);
    expect((await me(e, String(frank.access_token))).status).toBe(200);
    const renewed = await token(e, { ...creds, grant_type: 'refresh_token', refresh_token: String(erin.refresh_token) });
    expect(renewed.status).toBe(200);
  });
});
