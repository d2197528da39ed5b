import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createUpgradeOriginCheck } from './upgrade-origin.ts';

/** The look-alikes of http://localhost:3000 a check by prefix, case or URL parsing would let in. */
const LOOK_ALIKE_ORIGINS = [
  'http://localhost:3000.evil.com',
  'http://localhost:30000',
  'http://localhost:300',
  'http://localhost:3000/',
  'http://localhost:3000/api/ws',
  'https://localhost:3000',
  'ws://localhost:3000',
  'http://LOCALHOST:3000',
  'HTTP://localhost:3000',
  'http://localhost',
  'http://127.0.0.1:3000',
  'http://localhost:3000@evil.com',
  'http://evil.com/http://localhost:3000',
  'http://localhost:3000, https://evil.com',
  'null',
  '',
];

describe('createUpgradeOriginCheck', () => {
  // The list a deployment really has: PUBLIC_URL's origin plus WS_ALLOWED_ORIGINS.
  const allowed = loadConfig({ PUBLIC_URL: 'http://localhost:3000/', WS_ALLOWED_ORIGINS: 'https://Rooms.Example.com/ , https://b.example:8443' }).http.allowedOrigins;
  const check = createUpgradeOriginCheck(allowed);

  it('lets in exactly the allowed origins, as browsers send them', () => {
    expect(check('http://localhost:3000')).toBe(true);
    expect(check('https://rooms.example.com')).toBe(true);
    expect(check('https://b.example:8443')).toBe(true);
  });

  it.each(LOOK_ALIKE_ORIGINS)('refuses the look-alike %j', (origin) => {
    expect(check(origin)).toBe(false);
  });

  it('refuses look-alikes of the other allowed origins too', () => {
    for (const origin of ['https://rooms.example.com.evil.com', 'https://rooms.example.co', 'http://rooms.example.com', 'https://b.example', 'https://b.example:84430', ' https://rooms.example.com']) {
      expect(check(origin), origin).toBe(false);
    }
  });

  it('lets a client without an Origin header in (not a browser: the token in its first frame is the gate)', () => {
    expect(check(null)).toBe(true);
  });

  it('never lets "null" in, even when it is configured', () => {
    expect(createUpgradeOriginCheck(['null'])('null')).toBe(false);
  });
});
