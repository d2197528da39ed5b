/**
 * Why a sign-in did not complete, as shown on /auth/failed. Shared by the callback (which picks the
 * reason) and the page (which shows the text): the URL carries only the reason code, never text.
 */
export const LOGIN_FAILURES = {
  cancelled: 'Sign-in was cancelled on Discord.',
  expired: 'This sign-in attempt has expired or was already used.',
  mismatch: 'This sign-in attempt does not match your browser.',
  missing_code: 'Discord did not send back an authorization code.',
  rejected: 'Discord did not accept this sign-in.',
  unreachable: 'Discord could not be reached.',
  failed: 'Something went wrong while signing you in.',
} as const;

export type LoginFailureReason = keyof typeof LOGIN_FAILURES;

export function isLoginFailureReason(value: unknown): value is LoginFailureReason {
  return typeof value === 'string' && Object.hasOwn(LOGIN_FAILURES, value);
}

export class LoginError extends Error {
  constructor(readonly reason: LoginFailureReason) {
    super(LOGIN_FAILURES[reason]);
    this.name = 'LoginError';
  }
}
