import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PreparedFrame } from './prepared-frame.ts';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A real ws pair: what the server writes raw, a real client must read as a text message. */
async function pair(): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await once(wss, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [server] = (await once(wss, 'connection')) as [WebSocket];
  await once(client, 'open');
  return { server, client };
}

function received(client: WebSocket, count: number): Promise<string[]> {
  const out: string[] = [];
  return new Promise((resolve) => {
    client.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      out.push(data.toString());
      if (out.length === count) resolve(out);
    });
  });
}

describe('PreparedFrame', () => {
  it('is read by a real WebSocket client as the same text, for every length class', async () => {
    const { server, client } = await pair();
    const socket = (server as unknown as { _socket: Socket })._socket;
    const texts = ['{}', 'é'.repeat(62) + '€', 'x'.repeat(125), 'y'.repeat(126), `{"a":"${'z'.repeat(70_000)}"}`, '👋 hello'];
    const got = received(client, texts.length);
    for (const text of texts) socket.write(new PreparedFrame(text).wire);
    expect(await got).toEqual(texts);
  });

  it('builds the wire bytes once and shares them', () => {
    const frame = new PreparedFrame('{"v":1}');
    expect(frame.wire).toBe(frame.wire);
    expect(frame.wire.subarray(2).toString()).toBe('{"v":1}');
  });

  it('interleaves with frames ws itself sends, in order', async () => {
    const { server, client } = await pair();
    const socket = (server as unknown as { _socket: Socket })._socket;
    const got = received(client, 3);
    socket.write(new PreparedFrame('one').wire);
    server.send('two');
    socket.write(new PreparedFrame('three').wire);
    expect(await got).toEqual(['one', 'two', 'three']);
  });
});
