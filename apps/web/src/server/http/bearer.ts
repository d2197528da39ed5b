import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries exactly `Bearer <expected>`, compared in constant time.
 * No expected token (METRICS_TOKEN unset) never matches: callers decide what an unset token means.
 */
export function bearerMatches(header: string | null, expected: string | undefined): boolean {
  if (!expected) return false;
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
