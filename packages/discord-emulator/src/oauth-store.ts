import { createHash, randomBytes } from 'node:crypto';

/**
 * OAuth2 grants issued by the emulator: authorization codes (single use, short-lived) and
 * access/refresh token pairs. Refresh rotates: the old refresh token and its access token die.
 * Times come from the injected clock so tests can expire tokens without sleeping.
 */
export interface AuthorizationCode {
  code: string;
  userId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  expiresAtMs: number;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  userId: string;
  scopes: string[];
  expiresAtMs: number;
}

/** Discord lets a code be redeemed for 10 minutes. */
const CODE_TTL_MS = 10 * 60_000;

export class OAuthStore {
  #codes = new Map<string, AuthorizationCode>();
  #byAccess = new Map<string, TokenGrant>();
  #byRefresh = new Map<string, TokenGrant>();

  constructor(
    private readonly now: () => number,
    private readonly tokenTtlSeconds: number,
  ) {}

  get ttlSeconds(): number {
    return this.tokenTtlSeconds;
  }

  issueCode(input: Omit<AuthorizationCode, 'code' | 'expiresAtMs'>): string {
    const code = token(30);
    this.#codes.set(code, { ...input, code, expiresAtMs: this.now() + CODE_TTL_MS });
    return code;
  }

  /** Removes the code whatever happens next: Discord codes are single-use even on a failed redemption. */
  takeCode(code: string): AuthorizationCode | undefined {
    const found = this.#codes.get(code);
    this.#codes.delete(code);
    if (!found || found.expiresAtMs <= this.now()) return undefined;
    return found;
  }

  issueTokens(userId: string, scopes: string[]): TokenGrant {
    const grant: TokenGrant = {
      accessToken: token(30),
      refreshToken: token(30),
      userId,
      scopes,
      expiresAtMs: this.now() + this.tokenTtlSeconds * 1000,
    };
    this.#byAccess.set(grant.accessToken, grant);
    this.#byRefresh.set(grant.refreshToken, grant);
    return grant;
  }

  /** A live (unexpired) grant for an access token. */
  findAccess(accessToken: string): TokenGrant | undefined {
    const grant = this.#byAccess.get(accessToken);
    return grant && grant.expiresAtMs > this.now() ? grant : undefined;
  }

  /** Refresh rotation: the presented refresh token and its access token stop working. */
  refresh(refreshToken: string): TokenGrant | undefined {
    const old = this.#byRefresh.get(refreshToken);
    if (!old) return undefined;
    this.#byRefresh.delete(refreshToken);
    this.#byAccess.delete(old.accessToken);
    return this.issueTokens(old.userId, old.scopes);
  }

  /** Makes access tokens (of one user, or all) expired now; refresh tokens keep working. */
  expireAccessTokens(userId?: string): number {
    let count = 0;
    const now = this.now();
    for (const grant of this.#byAccess.values()) {
      if (userId === undefined || grant.userId === userId) {
        if (grant.expiresAtMs > now) count++;
        grant.expiresAtMs = now;
      }
    }
    return count;
  }

  clear(): void {
    this.#codes.clear();
    this.#byAccess.clear();
    this.#byRefresh.clear();
  }
}

/** PKCE S256: base64url(sha256(verifier)). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
