import { describe, expect, it } from 'vitest';
import { assertSameOriginWrite } from './api.ts';
import { checkSameOrigin, isWrite } from './csrf.ts';
import { AppError } from '../errors.ts';

const APP = 'http://localhost:3000';

function headers(h: Record<string, string>): Headers {
  return new Headers(h);
}

describe('checkSameOrigin', () => {
  it('accepts the app origin exactly, with or without a same-origin Sec-Fetch-Site', () => {
    expect(checkSameOrigin(headers({ origin: APP }), APP)).toEqual({ ok: true });
    expect(checkSameOrigin(headers({ origin: APP, 'sec-fetch-site': 'same-origin' }), APP)).toEqual({ ok: true });
  });

  it.each([
    ['a longer host that starts with the app origin', 'http://localhost:3000.evil.com'],
    ['a longer port', 'http://localhost:30000'],
    ['a shorter port', 'http://localhost:300'],
    ['another scheme', 'https://localhost:3000'],
    ['the opaque origin', 'null'],
    ['a trailing slash', 'http://localhost:3000/'],
    ['a path', 'http://localhost:3000/rooms'],
    ['another host on the same port', 'http://127.0.0.1:3000'],
    ['upper case', 'HTTP://LOCALHOST:3000'],
    ['a user part', 'http://evil@localhost:3000'],
    ['the empty string', ''],
    ['another site', 'https://evil.example'],
  ])('refuses %s', (_what, origin) => {
    expect(checkSameOrigin(headers({ origin }), APP)).toEqual({ ok: false, reason: 'foreign_origin' });
    // A same-origin Sec-Fetch-Site does not rescue a foreign Origin.
    expect(checkSameOrigin(headers({ origin, 'sec-fetch-site': 'same-origin' }), APP)).toEqual({ ok: false, reason: 'foreign_origin' });
  });

  it('without Origin, takes Sec-Fetch-Site: same-origin and nothing else', () => {
    expect(checkSameOrigin(headers({ 'sec-fetch-site': 'same-origin' }), APP)).toEqual({ ok: true });
    for (const site of ['cross-site', 'same-site', 'none', 'Same-Origin', '']) {
      expect(checkSameOrigin(headers({ 'sec-fetch-site': site }), APP), site).toEqual({ ok: false, reason: 'cross_site' });
    }
  });

  it('refuses a request with neither header', () => {
    expect(checkSameOrigin(headers({}), APP)).toEqual({ ok: false, reason: 'no_origin' });
    expect(checkSameOrigin(headers({ referer: `${APP}/rooms/abc` }), APP)).toEqual({ ok: false, reason: 'no_origin' });
  });

  it('refuses the app Origin when Sec-Fetch-Site contradicts it', () => {
    expect(checkSameOrigin(headers({ origin: APP, 'sec-fetch-site': 'cross-site' }), APP)).toEqual({ ok: false, reason: 'cross_site' });
    expect(checkSameOrigin(headers({ origin: APP, 'sec-fetch-site': 'same-site' }), APP)).toEqual({ ok: false, reason: 'cross_site' });
  });

  it('matches an https origin with its default port left out, as browsers send it', () => {
    const app = new URL('https://rooms.example.com:443/').origin;
    expect(checkSameOrigin(headers({ origin: 'https://rooms.example.com' }), app)).toEqual({ ok: true });
    expect(checkSameOrigin(headers({ origin: 'https://rooms.example.com:443' }), app)).toEqual({ ok: false, reason: 'foreign_origin' });
  });
});

describe('isWrite and assertSameOriginWrite', () => {
  it('treats GET and HEAD as reads, everything else as a write', () => {
    expect(['GET', 'HEAD', 'get'].map(isWrite)).toEqual([false, false, false]);
    expect(['POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'post'].map(isWrite)).toEqual([true, true, true, true, true, true]);
  });

  it('lets reads through without any header and refuses foreign writes with 403', () => {
    expect(() => assertSameOriginWrite(new Request(`${APP}/api/rooms`), APP)).not.toThrow();
    expect(() => assertSameOriginWrite(new Request(`${APP}/api/rooms`, { method: 'POST', headers: { origin: APP } }), APP)).not.toThrow();
    let thrown: unknown;
    try {
      assertSameOriginWrite(new Request(`${APP}/api/rooms`, { method: 'DELETE', headers: { origin: 'http://localhost:3000.evil.com' } }), APP);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).status).toBe(403);
    expect((thrown as AppError).options.reason).toBe('foreign_origin');
  });
});
