import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspSources, newNonce, withSecurityHeaders } from './security-headers.ts';

const prod = cspSources(new URL('https://rooms.example.com'), 'https://cdn.discordapp.com', false);
const dev = cspSources(new URL('http://localhost:3000'), 'http://127.0.0.1:4100', true);

describe('contentSecurityPolicy', () => {
  it('allows exactly self, the avatar CDN, the WebSocket origin and nonce-bearing inline scripts in production', () => {
    expect(contentSecurityPolicy('abc123', prod)).toBe(
      [
        "default-src 'none'",
        "script-src 'self' 'nonce-abc123'",
        "style-src 'self' 'nonce-abc123'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' https://cdn.discordapp.com",
        "connect-src 'self' wss://rooms.example.com",
        "font-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
  });

  it('loosens only inline scripts and styles in development (Vite injects them), with the emulator for avatars', () => {
    const policy = contentSecurityPolicy('abc123', dev);
    expect(policy).toContain("script-src 'self' 'unsafe-inline'");
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).not.toContain('nonce-');
    expect(policy).toContain("img-src 'self' http://127.0.0.1:4100;");
    expect(policy).toContain("connect-src 'self' ws://localhost:3000;");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('uses a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    expect(Buffer.from([...nonces][0]!, 'base64')).toHaveLength(16);
  });
});

describe('withSecurityHeaders', () => {
  const page = { nonce: 'n0nce', sources: prod };

  it('gives pages the CSP, no-store, nosniff, same-origin referrers and no framing', () => {
    const res = withSecurityHeaders(new Response('<!DOCTYPE html>', { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=60' } }), page);
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy('n0nce', prod));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('gives JSON nosniff and leaves its caching and the CSP alone', () => {
    const res = withSecurityHeaders(Response.json({ ok: true }, { headers: { 'cache-control': 'max-age=5' } }), page);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('max-age=5');
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it('copies a response whose headers cannot change (a redirect) and keeps its status and location', () => {
    const res = withSecurityHeaders(Response.redirect('http://localhost:3000/', 302), page);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:3000/');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });
});
