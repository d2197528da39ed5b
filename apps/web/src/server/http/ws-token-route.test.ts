import { describe, expect, it } from 'vitest';
import { isWsTokenRequest } from './ws-token-route.ts';

describe('isWsTokenRequest', () => {
  const get = (url: string) => new Request(url);

  it('takes GET /api/ws-token, with or without a query', () => {
    expect(isWsTokenRequest(get('http://localhost:3000/api/ws-token'))).toBe(true);
    expect(isWsTokenRequest(get('http://localhost:3000/api/ws-token?x=1'))).toBe(true);
  });

  it('leaves every other request to Start', () => {
    expect(isWsTokenRequest(new Request('http://localhost:3000/api/ws-token', { method: 'POST' }))).toBe(false);
    expect(isWsTokenRequest(get('http://localhost:3000/api/ws-token/'))).toBe(false);
    expect(isWsTokenRequest(get('http://localhost:3000/api/ws-tokens'))).toBe(false);
    expect(isWsTokenRequest(get('http://localhost:3000/x/api/ws-token'))).toBe(false);
    expect(isWsTokenRequest(get('http://localhost:3000/?next=/api/ws-token'))).toBe(false);
  });
});
