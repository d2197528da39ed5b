import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { importAesGcmKey } from './keys.ts';
import { seal, unseal, type UnsealResult } from './sealed.ts';

/** What the session cookie holds (encrypted; never readable by browser JavaScript). */
export const Session = z.object({
  userId: z.string(),
  username: z.string(),
  globalName: z.string().nullable(),
  avatar: z.string().nullable(),
  accessToken: z.string(),
  refreshToken: z.string(),
  /** When the Discord access token expires, ms since the epoch. */
  accessTokenExpiresAt: z.number(),
});
export type Session = z.infer<typeof Session>;

/** The part of the session the browser may see. */
export interface SessionUser {
  id: string;
  username: string;
  globalName: string | null;
  /** Absolute image URL on Discord's CDN (or the emulator's), null when the user has no avatar. */
  avatarUrl: string | null;
}

/** Discord's CDN for avatars: `${cdnUrl}/avatars/<user id>/<hash>.png`. */
export function avatarUrl(cdnUrl: string, userId: string, avatar: string | null): string | null {
  return avatar ? `${cdnUrl}/avatars/${userId}/${avatar}.png?size=64` : null;
}

export function publicUser(session: Session, cdnUrl: string): SessionUser {
  return {
    id: session.userId,
    username: session.username,
    globalName: session.globalName,
    avatarUrl: avatarUrl(cdnUrl, session.userId, session.avatar),
  };
}

/** A session lasts this long from sign-in; a token refresh re-issues the cookie but does not extend it. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/** 128 random bits, base64url: names one sign-in, so logout can revoke every copy of its cookie. */
export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** Which sign-in a cookie belongs to, and when that sign-in ends (ms since the epoch). */
export interface SessionMeta {
  sid: string;
  expiresAt: number;
}

export function newSessionMeta(now: number): SessionMeta {
  return { sid: newSessionId(), expiresAt: now + SESSION_MAX_AGE_SECONDS * 1000 };
}

/**
 * What the cookie holds: the session plus its meta. Cookies sealed before sessions had an id fail
 * this schema and read as no session: they could not be revoked, so their holders sign in once more.
 */
const SealedSession = Session.extend({ sid: SessionId, sessionExpiresAt: z.number() });

export interface ReadSession {
  session: Session;
  meta: SessionMeta;
}
export const LOGIN_STATE_MAX_AGE_SECONDS = 10 * 60;

/** The short-lived cookie that carries an OAuth attempt from /login to /callback. */
export const LoginState = z.object({
  state: z.string().min(16),
  codeVerifier: z.string().min(43),
  returnTo: z.string(),
});
export type LoginState = z.infer<typeof LoginState>;

/** A token refresh's result as one instance shares it with the others (sealed: it holds tokens). */
export const SharedRefreshOutcome = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), session: Session }), z.object({ ok: z.literal(false) })]);
export type SharedRefreshOutcome = z.infer<typeof SharedRefreshOutcome>;
const REFRESH_OUTCOME_MAX_AGE_SECONDS = 60;

export interface CookieOptions {
  secure: boolean;
}

/**
 * Encodes and decodes the two auth cookies. `Secure` follows PUBLIC_URL's scheme: browsers drop
 * Secure cookies on plain-http localhost, which would break development.
 */
export class SessionCookies {
  readonly sessionName: string;
  readonly loginName: string;
  readonly #sessionKey: Promise<CryptoKey>;
  readonly #loginKey: Promise<CryptoKey>;
  readonly #refreshKey: Promise<CryptoKey>;
  readonly #secure: boolean;

  constructor(secret: string, options: CookieOptions) {
    this.#sessionKey = importAesGcmKey(secret, 'session-cookie');
    this.#loginKey = importAesGcmKey(secret, 'login-state');
    this.#refreshKey = importAesGcmKey(secret, 'refresh-outcome');
    this.#secure = options.secure;
    // The __Host- prefix makes browsers refuse the cookie unless Secure, Path=/ and host-only.
    this.sessionName = options.secure ? '__Host-sr_session' : 'sr_session';
    this.loginName = options.secure ? '__Host-sr_login' : 'sr_login';
  }

  /** The cookie for `session`, living exactly until its sign-in ends (`meta.expiresAt`). */
  async sessionCookie(session: Session, meta: SessionMeta, now: number): Promise<string> {
    const ttlSeconds = Math.max(0, Math.floor((meta.expiresAt - now) / 1000));
    const value = await seal({ ...session, sid: meta.sid, sessionExpiresAt: meta.expiresAt }, await this.#sessionKey, ttlSeconds, now);
    return this.#serialize(this.sessionName, value, ttlSeconds);
  }

  clearSessionCookie(): string {
    return this.#serialize(this.sessionName, '', 0);
  }

  async readSession(cookieHeader: string | null, now: number): Promise<UnsealResult<ReadSession> | null> {
    const raw = readCookie(cookieHeader, this.sessionName);
    if (!raw) return null;
    const opened = await unseal(raw, await this.#sessionKey, SealedSession, now);
    if (!opened.ok) return opened;
    const { sid, sessionExpiresAt, ...session } = opened.value;
    return { ok: true, value: { session, meta: { sid, expiresAt: sessionExpiresAt } } };
  }

  async loginCookie(state: LoginState, now: number): Promise<string> {
    const value = await seal(state, await this.#loginKey, LOGIN_STATE_MAX_AGE_SECONDS, now);
    return this.#serialize(this.loginName, value, LOGIN_STATE_MAX_AGE_SECONDS);
  }

  clearLoginCookie(): string {
    return this.#serialize(this.loginName, '', 0);
  }

  async readLogin(cookieHeader: string | null, now: number): Promise<UnsealResult<LoginState> | null> {
    const raw = readCookie(cookieHeader, this.loginName);
    return raw ? unseal(raw, await this.#loginKey, LoginState, now) : null;
  }

  /** Sealed for the other instances (never sent to a browser); expires in a minute. */
  async sealRefreshOutcome(outcome: SharedRefreshOutcome, now: number): Promise<string> {
    return seal(outcome, await this.#refreshKey, REFRESH_OUTCOME_MAX_AGE_SECONDS, now);
  }

  async openRefreshOutcome(sealed: string, now: number): Promise<SharedRefreshOutcome | null> {
    const opened = await unseal(sealed, await this.#refreshKey, SharedRefreshOutcome, now);
    return opened.ok ? opened.value : null;
  }

  #serialize(name: string, value: string, maxAgeSeconds: number): string {
    const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
    if (this.#secure) parts.push('Secure');
    return parts.join('; ');
  }
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
