import { z } from 'zod';

/**
 * The authorize request's parameters, validated as Discord does before showing its consent
 * screen. Redirect URIs on localhost/127.0.0.1 are treated as registered, so any local app works
 * against the emulator without configuration.
 */

export const KNOWN_SCOPES = new Set([
  'identify',
  'email',
  'guilds',
  'guilds.join',
  'guilds.members.read',
  'connections',
  'bot',
  'applications.commands',
  'openid',
]);

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isAllowedRedirectUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

const authorizeParams = z.object({
  client_id: z.string({ error: 'client_id is required' }),
  redirect_uri: z.string({ error: 'redirect_uri is required' }),
  response_type: z.literal('code', { error: 'response_type must be "code"' }),
  scope: z
    .string({ error: 'scope is required' })
    .transform((s) => s.split(/[\s+]+/).filter(Boolean))
    .refine((scopes) => scopes.length > 0, 'scope is required')
    .refine((scopes) => scopes.every((s) => KNOWN_SCOPES.has(s)), 'scope contains an unknown scope'),
  state: z.string().optional(),
  code_challenge: z.string().min(43).max(128).optional(),
  code_challenge_method: z.literal('S256', { error: 'code_challenge_method must be "S256"' }).optional(),
  prompt: z.enum(['consent', 'none']).optional(),
});

export type AuthorizeParams = z.output<typeof authorizeParams>;

export type AuthorizeParse = { ok: true; params: AuthorizeParams } | { ok: false; error: string };

export function parseAuthorizeParams(input: Record<string, string>, clientId: string): AuthorizeParse {
  const parsed = authorizeParams.safeParse(input);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => i.message).join('; ') };
  const params = parsed.data;
  if (params.client_id !== clientId) return { ok: false, error: `Unknown application (client_id ${params.client_id}).` };
  if (!isAllowedRedirectUri(params.redirect_uri)) {
    return { ok: false, error: `Invalid OAuth2 redirect_uri: ${params.redirect_uri} (the emulator accepts http(s)://localhost and 127.0.0.1).` };
  }
  if (params.code_challenge && !params.code_challenge_method) {
    return { ok: false, error: 'code_challenge_method must be "S256" when a code_challenge is given' };
  }
  return { ok: true, params };
}

/** Appends query parameters to a redirect URI, keeping any it already has. */
export function withQuery(uri: string, query: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
