import type { EmulatorHandle } from './server.ts';

/** Small HTTP helpers for the emulator's own tests (not exported from the package). */

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export type ApiCall = <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse<T>>;

/** Calls `${apiUrl}/v10${path}` with the bot token unless an Authorization header is given. */
export function botApi(emu: EmulatorHandle): ApiCall {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${emu.apiUrl}/v10${path}`, {
      method,
      headers: {
        Authorization: `Bot ${emu.botToken}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return toResponse(res);
  };
}

/** Calls the control API: `control(emu)('POST', 'voice', {...})`. */
export function controlApi(emu: EmulatorHandle): ApiCall {
  return async (method, path, body) => {
    const res = await fetch(`${emu.controlUrl}/${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
    return toResponse(res);
  };
}

async function toResponse(res: Response): Promise<ApiResponse<any>> {
  const text = await res.text();
  let body: unknown = null;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

/** Runs the OAuth2 code flow for a test user without a browser and returns the token response. */
export async function oauthLogin(
  emu: EmulatorHandle,
  user: string,
  scopes = 'identify guilds.join',
): Promise<{ access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string }> {
  const redirectUri = 'http://localhost:3000/auth/discord/callback';
  const authorize = await fetch(`${emu.url}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ client_id: emu.clientId, redirect_uri: redirectUri, response_type: 'code', scope: scopes, user }),
  });
  const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`authorize did not redirect with a code (status ${authorize.status})`);
  const token = await fetch(`${emu.apiUrl}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
    }),
  });
  if (token.status !== 200) throw new Error(`token exchange failed: ${token.status} ${await token.text()}`);
  return (await token.json()) as never;
}
