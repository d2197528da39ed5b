import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';
import { FakeClock } from '@repo/platform/testing';

describe('RateLimiter', () => {
  it('counts down a fixed window per route and major parameter, then resets', async () => {
    const clock = new FakeClock({ startMs: 1_000_000 });
    const limiter = new RateLimiter({ mode: 'discord', now: () => clock.now() });
    const key = 'POST /guilds/:id/channels';
    for (let i = 0; i < 5; i++) {
      const d = limiter.take(key, 'g1', 'token');
      expect(d.limited).toBe(false);
      expect(d.headers['X-RateLimit-Remaining']).toBe(String(4 - i));
    }
    await clock.advance(1_500);
    const limited = limiter.take(key, 'g1', 'token');
    expect(limited).toMatchObject({ limited: true, scope: 'user', retryAfterS: 3.5 });
    expect(limited.headers).toMatchObject({ 'Retry-After': '4', 'X-RateLimit-Scope': 'user', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': '3.500' });
    expect(limiter.take(key, 'g2', 'token').limited).toBe(false);
    await clock.advance(3_500);
    expect(limiter.take(key, 'g1', 'token').limited).toBe(false);
  });

  it('reports Discord headers with fractional reset times and a stable bucket hash', () => {
    const clock = new FakeClock({ startMs: 1_700_000_000_123 });
    const limiter = new RateLimiter({ mode: 'discord', now: () => clock.now() });
    const d = limiter.take('GET /guilds/:id/channels', 'g', 't');
    expect(d.headers).toEqual({
      'X-RateLimit-Limit': '50',
      'X-RateLimit-Remaining': '49',
      'X-RateLimit-Reset': '1700000001.123',
      'X-RateLimit-Reset-After': '1.000',
      'X-RateLimit-Bucket': limiter.bucketHash('GET /guilds/:id/channels'),
    });
    expect(limiter.bucketHash('GET /guilds/:id/channels')).toMatch(/^[0-9a-f]{32}$/);
    expect(limiter.bucketHash('GET /guilds/:id/channels')).not.toBe(limiter.bucketHash('GET /guilds/:id/roles'));
  });

  it('applies the global limit per token before route buckets', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ mode: 'discord', globalLimitPerSecond: 3, now: () => clock.now() });
    for (let i = 0; i < 3; i++) expect(limiter.take(`GET /r${i}`, '', 'a').limited).toBe(false);
    const d = limiter.take('GET /other', '', 'a');
    expect(d).toMatchObject({ limited: true, scope: 'global', bucket: 'global' });
    expect(d.headers).toEqual({ 'Retry-After': '1', 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' });
    expect(limiter.take('GET /other', '', 'b').limited).toBe(false);
  });

  it("'off' disables defaults and the global limit, but keeps explicit overrides", () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ mode: 'off', routeLimits: { 'GET /x': { limit: 1, windowMs: 1000 } }, now: () => clock.now() });
    for (let i = 0; i < 200; i++) expect(limiter.take('POST /guilds/:id/channels', 'g', 't')).toEqual({ limited: false, headers: {} });
    expect(limiter.take('GET /x', '', 't').limited).toBe(false);
    expect(limiter.take('GET /x', '', 't').limited).toBe(true);
  });
});
