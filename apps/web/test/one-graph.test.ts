import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Stack, startStack } from './stack.ts';

/**
 * The WebSocket endpoint shares the port and the module graph of the pages and server functions,
 * in dev (Vite plugin) and in production (srvx entry). Proof: sockets opened on /api/ws are counted
 * by the hub that the lobby's server function reads.
 */
describe.each(['production', 'development'] as const)('%s server', (mode) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ mode });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function open(path = '/api/ws', origin = stack.baseUrl): Promise<WebSocket> {
    const ws = new WebSocket(`${stack.baseUrl.replace('http', 'ws')}${path}`, { headers: { origin } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return ws;
  }

  function nextMessage(ws: WebSocket): Promise<unknown> {
    return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
  }

  it('serves the lobby, and the WebSocket hooks and the server function see the same hub', async () => {
    const sockets = [await open(), await open()];
    try {
      const pong = nextMessage(sockets[0]!);
      sockets[0]!.send(JSON.stringify({ v: 1, ts: Date.now(), type: 'ping' }));
      expect(await pong).toMatchObject({ v: 1, type: 'pong' });

      const html = await (await fetch(`${stack.baseUrl}/`)).text();
      expect(html).toContain('Lobby');
      expect(html).toMatch(/data-testid="online-count"[^>]*>2<!-- --> <!-- -->connections/);

      const health = (await (await fetch(`${stack.baseUrl}/api/health`)).json()) as { connections: number; instanceId: string };
      expect(health.connections).toBe(2);
      expect(html).toContain(`data-instance-id="${health.instanceId}"`);
    } finally {
      for (const ws of sockets) ws.close();
    }
  });

  it('closes a socket that sends garbage with 4009 and a reason', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const error = nextMessage(ws);
    ws.send('{not json');
    expect(await error).toMatchObject({ type: 'error', code: 'bad_request', error: 'frame is not valid JSON' });
    expect(await closed).toBe(4009);
  });

  it('refuses a WebSocket from a foreign origin', async () => {
    await expect(open('/api/ws', 'https://evil.example')).rejects.toThrow('HTTP 403');
  });

  it('answers 404 for a page that does not exist', async () => {
    const res = await fetch(`${stack.baseUrl}/no/such/page`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found');
  });
});

describe('production server', () => {
  it('rejects upgrades on other paths with 404', async () => {
    const stack = await startStack({ mode: 'production' });
    try {
      const ws = new WebSocket(`${stack.baseUrl.replace('http', 'ws')}/elsewhere`);
      const status = await new Promise<number | undefined>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
        ws.once('error', () => resolve(undefined));
      });
      expect(status).toBe(404);
    } finally {
      await stack.close();
    }
  });
});
