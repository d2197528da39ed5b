import { describe, expect, it } from 'vitest';
import { bearerMatches } from './bearer.ts';

describe('bearerMatches', () => {
  it('matches exactly `Bearer <token>`', () => {
    expect(bearerMatches('Bearer s3cret-token', 's3cret-token')).toBe(true);
  });

  it.each([
    ['no header', null],
    ['the token without the scheme', 's3cret-token'],
    ['another scheme', 'Basic s3cret-token'],
    ['a lower-case scheme', 'bearer s3cret-token'],
    ['one character more', 'Bearer s3cret-token!'],
    ['one character less', 'Bearer s3cret-toke'],
    ['a prefix of it', 'Bearer s3cret'],
    ['padding', 'Bearer  s3cret-token'],
    ['an empty token', 'Bearer '],
  ])('refuses %s', (_what, header) => {
    expect(bearerMatches(header, 's3cret-token')).toBe(false);
  });

  it('never matches when no token is configured, whatever is sent', () => {
    expect(bearerMatches('Bearer ', undefined)).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
    expect(bearerMatches(null, undefined)).toBe(false);
  });
});
