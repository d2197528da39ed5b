import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCodes, shouldReconnect } from './close-codes.ts';
import { ProtocolLimits, parseClientFrame, parseServerFrame, serverMessage } from './envelope.ts';

describe('parseClientFrame', () => {
  it('accepts each client message type', () => {
    for (const frame of [
      { v: 1, ts: 1, type: 'auth', token: 'abc' },
      { v: 1, ts: 1, type: 'subscribe', room: 'r1' },
      { v: 1, ts: 1, type: 'unsubscribe', room: 'r1' },
      { v: 1, ts: 1, type: 'ping' },
    ]) {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, message: frame });
    }
  });

  it('rejects bad JSON, unknown types, wrong versions and oversized frames with a reason', () => {
    expect(parseClientFrame('{nope')).toEqual({ ok: false, error: 'frame is not valid JSON' });
    expect(parseClientFrame(JSON.stringify({ v: 1, ts: 1, type: 'shout' }))).toMatchObject({ ok: false });
    expect(parseClientFrame(JSON.stringify({ v: 2, ts: 1, type: 'ping' }))).toMatchObject({ ok: false });
    const big = JSON.stringify({ v: 1, ts: 1, type: 'auth', token: 'x'.repeat(ProtocolLimits.maxInboundFrameBytes) });
    expect(parseClientFrame(big)).toEqual({ ok: false, error: `frame larger than ${ProtocolLimits.maxInboundFrameBytes} bytes` });
  });

  it('counts multi-byte characters toward the size limit', () => {
    // 1,400 × "€" is 1,400 UTF-16 units but 4,200 UTF-8 bytes: over the 4 KB limit.
    const frame = JSON.stringify({ v: 1, ts: 1, type: 'subscribe', room: '€'.repeat(1_400) });
    expect(parseClientFrame(frame)).toMatchObject({ ok: false, error: expect.stringContaining('larger than') });
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (raw) => {
        const result = parseClientFrame(raw);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('server frames', () => {
  it('round-trips what serverMessage builds', () => {
    const msg = serverMessage({ type: 'error', code: 'forbidden', error: 'not your room' }, 42);
    expect(msg).toEqual({ v: 1, ts: 42, type: 'error', code: 'forbidden', error: 'not your room' });
    expect(parseServerFrame(JSON.stringify(msg))).toEqual({ ok: true, message: msg });
  });
});

describe('close codes', () => {
  it('are unique and say whether to retry', () => {
    const codes = Object.values(CloseCodes).map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(shouldReconnect(CloseCodes.ProtocolViolation.code)).toBe(false);
    expect(shouldReconnect(CloseCodes.GoingAway.code)).toBe(true);
    expect(shouldReconnect(1006)).toBe(true);
  });
});
