import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type Connection, Hub } from './hub.ts';

function fakeConnection(id: string) {
  const sent: unknown[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const connection: Connection = {
    id,
    send: (frame) => sent.push(JSON.parse(frame)),
    close: (code, reason) => closes.push({ code, reason }),
  };
  return { connection, sent, closes };
}

const hub = () => new Hub({ log: pino({ level: 'silent' }), now: () => 1_000 });

describe('Hub', () => {
  it('counts connections as they open and close', () => {
    const h = hub();
    h.open(fakeConnection('a').connection);
    h.open(fakeConnection('b').connection);
    expect(h.connectionCount).toBe(2);
    h.close('a');
    h.close('a');
    expect(h.connectionCount).toBe(1);
  });

  it('answers ping with pong', () => {
    const h = hub();
    const c = fakeConnection('a');
    h.open(c.connection);
    h.message('a', JSON.stringify({ v: 1, ts: 5, type: 'ping' }));
    expect(c.sent).toEqual([{ v: 1, ts: 1_000, type: 'pong' }]);
  });

  it('closes a protocol violator with 4009 after telling it why, and forgets it', () => {
    const h = hub();
    const c = fakeConnection('a');
    h.open(c.connection);
    h.message('a', 'garbage');
    expect(c.sent).toEqual([{ v: 1, ts: 1_000, type: 'error', code: 'bad_request', error: 'frame is not valid JSON' }]);
    expect(c.closes).toEqual([{ code: 4009, reason: 'protocol violation' }]);
    expect(h.connectionCount).toBe(0);
  });

  it('closes everyone with 1001 on shutdown', () => {
    const h = hub();
    const a = fakeConnection('a');
    const b = fakeConnection('b');
    h.open(a.connection);
    h.open(b.connection);
    h.closeAll();
    expect([...a.closes, ...b.closes].map((c) => c.code)).toEqual([1001, 1001]);
    expect(h.connectionCount).toBe(0);
  });
});
