import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { type RoundRobinProxy, startRoundRobinProxy } from '../../server/round-robin-proxy.ts';

/** `pnpm dev:cluster`'s proxy: requests and WebSockets spread over the instances, dead ones skipped. */
describe('round-robin proxy', () => {
  const backends: Array<{ server: Server; port: number; name: string }> = [];
  let proxy: RoundRobinProxy;
  let alive = ['a', 'b'];

  beforeAll(async () => {
    for (const name of ['a', 'b']) {
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `seen=${name}` }).end(`${name} ${req.method} ${req.url} ${body} ${req.headers.cookie ?? ''}`));
      });
      const wss = new WebSocketServer({ server });
      wss.on('connection', (ws, req) => ws.on('message', (data) => ws.send(`${name}:${String(data)}:${req.headers.origin}`)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      backends.push({ server, name, port: typeof address === 'object' && address ? address.port : 0 });
    }
    proxy = await startRoundRobinProxy({ port: 0, targets: () => backends.filter((b) => alive.includes(b.name)).map((b) => ({ host: '127.0.0.1', port: b.port })) });
  });
  afterAll(async () => {
    await proxy?.close();
    for (const b of backends) {
      b.server.closeAllConnections();
      b.server.close();
    }
  });

  it('alternates requests between instances, bodies and cookies intact', async () => {
    const url = `http://127.0.0.1:${proxy.port}`;
    const answers = await Promise.all(
      [1, 2, 3, 4].map(async (i) => (await fetch(`${url}/x?i=${i}`, { method: 'POST', body: `body${i}`, headers: { cookie: 'sr_session=abc' } })).text()),
    );
    expect(answers.map((a) => a[0]).sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(answers.every((a) => / POST \/x\?i=\d body\d sr_session=abc$/.test(a))).toBe(true);
  });

  it('carries WebSockets, and skips an instance that is down', async () => {
    const open = () =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/api/ws`, { headers: { origin: 'http://localhost:3000' } });
        ws.once('open', () => ws.send('hello'));
        ws.once('message', (data) => {
          resolve(String(data));
          ws.close();
        });
        ws.once('error', reject);
      });
    expect([await open(), await open()].sort()).toEqual(['a:hello:http://localhost:3000', 'b:hello:http://localhost:3000']);

    // b "dies": its port refuses connections; everything goes to a.
    alive = ['a', 'b'];
    const b = backends[1]!;
    b.server.closeAllConnections();
    await new Promise((resolve) => b.server.close(resolve));
    const answers = await Promise.all([1, 2, 3].map(async () => (await fetch(`http://127.0.0.1:${proxy.port}/`)).text()));
    expect(answers.every((a) => a.startsWith('a '))).toBe(true);
    expect(await open()).toBe('a:hello:http://localhost:3000');
  });
});
