import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIUser, RESTPostOAuth2AccessTokenResult } from 'discord-api-types/v10';
import { readBody, redirect, sendHtml, sendJson } from '../http/respond.ts';
import { s256, type TokenGrant } from '../oauth-store.ts';
import type { EmulatorState } from '../state.ts';
import { authorizeErrorPage, authorizePage } from './authorize-page.ts';
import { parseAuthorizeParams, withQuery } from './authorize-request.ts';

/**
 * OAuth2 authorization-code flow: GET /oauth2/authorize shows the user picker, POST picks a user
 * (from the page or a script) and redirects back with a single-use code; POST /api/oauth2/token
 * redeems codes (PKCE S256 checked) and rotates refresh tokens. Errors use Discord's bodies.
 */

export interface OAuthDeps {
  state: EmulatorState;
  /** Public base URL of the emulator, for avatar links on the page. */
  baseUrl: string;
}

export async function handleAuthorize(deps: OAuthDeps, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const { state } = deps;
  const input: Record<string, string> = Object.fromEntries(query);
  if (req.method === 'POST') Object.assign(input, await readForm(req));
  else req.resume();

  const parsed = parseAuthorizeParams(input, state.credentials.clientId);
  if (!parsed.ok) {
    sendHtml(res, 400, authorizeErrorPage(parsed.error));
    return;
  }
  const p = parsed.params;

  if (req.method !== 'POST') {
    const guildId = state.defaultGuildId;
    sendHtml(
      res,
      200,
      authorizePage({
        appName: state.botUser().username,
        scopes: p.scope,
        users: state.seedUsers().map((user) => ({ user, member: state.isMember(guildId, user.id) })),
        avatarUrl: (user) => avatarUrl(deps.baseUrl, user),
      }),
    );
    return;
  }

  if (input.action === 'deny') {
    redirect(
      res,
      withQuery(p.redirect_uri, {
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request',
        state: p.state,
      }),
    );
    return;
  }

  const user = input.user ? state.findUser(input.user) : undefined;
  if (!user || user.bot) {
    sendHtml(res, 400, authorizeErrorPage(`Unknown test user "${input.user ?? ''}". Pass user=<username or id>.`));
    return;
  }
  const code = state.oauth.issueCode({
    userId: user.id,
    clientId: p.client_id,
    redirectUri: p.redirect_uri,
    scopes: p.scope,
    codeChallenge: p.code_challenge ?? null,
  });
  redirect(res, withQuery(p.redirect_uri, { code, state: p.state }));
}

export async function handleToken(deps: OAuthDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state } = deps;
  if (req.method !== 'POST') {
    req.resume();
    sendJson(res, 405, { message: '405: Method Not Allowed', code: 0 });
    return;
  }
  const form = await readForm(req);
  const client = clientCredentials(req, form);
  const creds = state.credentials;
  if (!client || client.id !== creds.clientId || client.secret !== creds.clientSecret) {
    sendJson(res, 401, { error: 'invalid_client' });
    return;
  }

  const fail = (error: string, description: string) => sendJson(res, 400, { error, error_description: description });
  let grant: TokenGrant | undefined;
  switch (form.grant_type) {
    case 'authorization_code': {
      if (!form.code) return fail('invalid_request', 'Missing "code" in request.');
      const code = state.oauth.takeCode(form.code);
      if (!code || code.clientId !== client.id) return fail('invalid_grant', 'Invalid "code" in request.');
      if (form.redirect_uri !== code.redirectUri) return fail('invalid_grant', 'Invalid "redirect_uri" in request.');
      if (code.codeChallenge !== null && (!form.code_verifier || s256(form.code_verifier) !== code.codeChallenge)) {
        return fail('invalid_grant', 'Invalid "code_verifier" in request.');
      }
      grant = state.oauth.issueTokens(code.userId, code.scopes);
      break;
    }
    case 'refresh_token': {
      if (!form.refresh_token) return fail('invalid_request', 'Missing "refresh_token" in request.');
      grant = state.oauth.refresh(form.refresh_token);
      if (!grant) return fail('invalid_grant', 'Invalid "refresh_token" in request.');
      break;
    }
    case undefined:
      return fail('unsupported_grant_type', 'Missing "grant_type" in request.');
    default:
      return fail('unsupported_grant_type', `Unsupported grant type "${form.grant_type}".`);
  }
  const body: RESTPostOAuth2AccessTokenResult = {
    access_token: grant.accessToken,
    token_type: 'Bearer',
    expires_in: state.oauth.ttlSeconds,
    refresh_token: grant.refreshToken,
    scope: grant.scopes.join(' '),
  };
  sendJson(res, 200, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

export function avatarUrl(baseUrl: string, user: APIUser): string {
  return user.avatar ? `${baseUrl}/avatars/${user.id}/${user.avatar}.png` : `${baseUrl}/embed/avatars/${Number(BigInt(user.id) >> 22n) % 6}.png`;
}

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1, form-encoded parts) or client_id/client_secret in the body. */
function clientCredentials(req: IncomingMessage, form: Record<string, string>): { id: string; secret: string } | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    if (at < 0) return null;
    return { id: decodeFormPart(decoded.slice(0, at)), secret: decodeFormPart(decoded.slice(at + 1)) };
  }
  if (form.client_id && form.client_secret) return { id: form.client_id, secret: form.client_secret };
  return null;
}

function decodeFormPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Form bodies (what OAuth clients send); JSON objects are tolerated for hand-written scripts. */
async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const text = await readBody(req);
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const obj = JSON.parse(text) as unknown;
      if (obj && typeof obj === 'object') {
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)]));
      }
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
