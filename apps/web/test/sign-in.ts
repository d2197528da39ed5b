/**
 * Signs a test user in through the real flow, without a browser: the app's /auth/discord/login,
 * the emulator's authorize form (as if "Continue as <user>" was clicked), then the app's callback.
 * Returns the session cookie (`name=value`) and where the app sent the user.
 */
export interface SignInResult {
  cookie: string;
  location: string;
}

export async function signInAs(baseUrl: string, user: string, returnTo = '/'): Promise<SignInResult> {
  const login = await fetch(`${baseUrl}/auth/discord/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  if (login.status !== 302) throw new Error(`login answered ${login.status}`);
  const loginCookie = firstCookie(login);
  const authorizeUrl = login.headers.get('location') ?? '';

  const authorize = await fetch(authorizeUrl, {
    method: 'POST',
    body: new URLSearchParams({ user }),
    redirect: 'manual',
  });
  if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
  const callbackUrl = authorize.headers.get('location') ?? '';

  const callback = await fetch(callbackUrl, { headers: { cookie: loginCookie }, redirect: 'manual' });
  const location = callback.headers.get('location') ?? '';
  const session = callback.headers.getSetCookie().find((c) => c.includes('sr_session=') && !c.includes('Max-Age=0'));
  if (!session) throw new Error(`no session cookie after the callback (went to ${location})`);
  return { cookie: session.split(';')[0]!, location };
}

export function firstCookie(response: Response): string {
  const header = response.headers.getSetCookie()[0];
  if (!header) throw new Error('expected a Set-Cookie header');
  return header.split(';')[0]!;
}
