import { CodeChallengeMethod, OAuth2Client, OAuth2RequestError, type OAuth2Tokens, generateCodeVerifier, generateState } from 'arctic';

/** The scopes we ask for: who you are, which servers you are in (the lobby's list, specs/auth.md), and permission for our bot to add you to a server. */
export const OAUTH_SCOPES = ['identify', 'guilds', 'guilds.join'] as const;

export interface OAuthEndpoints {
  authorize: string;
  token: string;
}

/**
 * Discord's OAuth2 endpoints derived from the API base URL: REST at `${api}`, the token endpoint at
 * `${api}/oauth2/token` and the authorize page at the API's origin + `/oauth2/authorize`. The same
 * rule serves discord.com and the emulator.
 */
export function oauthEndpoints(apiUrl: string): OAuthEndpoints {
  const api = apiUrl.replace(/\/+$/, '');
  return { authorize: `${new URL(api).origin}/oauth2/authorize`, token: `${api}/oauth2/token` };
}

export interface DiscordTokenSet {
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch */
  expiresAt: number;
}

export type OAuthFailure = { kind: 'rejected'; code: string } | { kind: 'unreachable' };

/** Authorization code + PKCE + state through arctic's generic OAuth2 client (Discord's own class pins discord.com). */
export class DiscordOAuth {
  readonly #client: OAuth2Client;
  readonly #endpoints: OAuthEndpoints;

  constructor(options: { clientId: string; clientSecret: string; redirectUri: string; apiUrl: string }) {
    this.#client = new OAuth2Client(options.clientId, options.clientSecret, options.redirectUri);
    this.#endpoints = oauthEndpoints(options.apiUrl);
  }

  begin(): { url: URL; state: string; codeVerifier: string } {
    const state = generateState();
    const codeVerifier = generateCodeVerifier();
    const url = this.#client.createAuthorizationURLWithPKCE(this.#endpoints.authorize, state, CodeChallengeMethod.S256, codeVerifier, [...OAUTH_SCOPES]);
    // Skip Discord's consent screen for users who already approved the app.
    url.searchParams.set('prompt', 'none');
    return { url, state, codeVerifier };
  }

  async exchange(code: string, codeVerifier: string, now: number): Promise<DiscordTokenSet | OAuthFailure> {
    return this.#tokens(() => this.#client.validateAuthorizationCode(this.#endpoints.token, code, codeVerifier), now);
  }

  async refresh(refreshToken: string, now: number): Promise<DiscordTokenSet | OAuthFailure> {
    return this.#tokens(() => this.#client.refreshAccessToken(this.#endpoints.token, refreshToken, []), now);
  }

  async #tokens(call: () => Promise<OAuth2Tokens>, now: number): Promise<DiscordTokenSet | OAuthFailure> {
    try {
      const tokens = await call();
      return {
        accessToken: tokens.accessToken(),
        refreshToken: tokens.refreshToken(),
        expiresAt: now + tokens.accessTokenExpiresInSeconds() * 1000,
      };
    } catch (error) {
      if (error instanceof OAuth2RequestError) return { kind: 'rejected', code: error.code };
      return { kind: 'unreachable' };
    }
  }
}

export function isOAuthFailure(value: DiscordTokenSet | OAuthFailure): value is OAuthFailure {
  return 'kind' in value;
}
