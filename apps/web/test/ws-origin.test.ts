import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Stack, startStack } from './stack.ts';

/**
 * The Origin rule of the `/api/ws` upgrade (R-RT7), over real sockets against the real door: the
 * development server's upgrade plugin (server/dev-websocket.ts → ws-upgrade.ts → ws-hooks.ts), the
 * one that runs from source; the production entry hands upgrades to the same router and hooks.
 * Besides PUBLIC_URL's origin, one extra origin is allowed (WS_ALLOWED_ORIGINS), so look-alikes of a
 * host name (case) are tried too.
 */
describe('the /api/ws upgrade on the development server', () => {
  const EXTRA = 'http://localhost:3000';
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ mode: 'development', env: { WS_ALLOWED_ORIGINS: EXTRA } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** 101 when the socket opened (it is closed again), else the HTTP status of the refusal. */
  async function upgrade(origin: string | undefined): Promise<number> {
    const ws = new WebSocket(`${stack.baseUrl.replace('http', 'ws')}/api/ws`, origin === undefined ? {} : { headers: { origin } });
    try {
      return await new Promise<number>((resolve, reject) => {
        ws.once('open', () => resolve(101));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', reject);
      });
    } finally {
      ws.terminate();
    }
  }

  it('opens for the app\'s own origin, the configured extra one, and a client that sends no Origin', async () => {
    expect(await upgrade(stack.baseUrl)).toBe(101);
    expect(await upgrade(EXTRA)).toBe(101);
    expect(await upgrade(undefined)).toBe(101);
  });

  it('refuses every look-alike with 403', async () => {
    const own = stack.baseUrl; // http://127.0.0.1:<port>
    const lookAlikes = [
      `${own}.evil.com`,
      `${own}0`,
      `${own}/`,
      own.replace('http:', 'https:'),
      own.replace('http:', 'HTTP:'),
      own.replace('127.0.0.1', 'localhost'),
      'http://localhost:3000.evil.com',
      'http://localhost:30000',
      'http://localhost:3000/',
      'https://localhost:3000',
      'http://LOCALHOST:3000',
      'http://localhost',
      'null',
    ];
    const answers: Record<string, number> = {};
    for (const origin of lookAlikes) answers[origin] = await upgrade(origin);
    expect(answers).toEqual(Object.fromEntries(lookAlikes.map((origin) => [origin, 403])));
  });
});
