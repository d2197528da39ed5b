import { describe, expect, it } from 'vitest';
import { ServerFnPayloadLimits, isPlainServerFnPayload } from './server-fn-payload.ts';

// Exactly what Start's browser client sends (seroval 1.8's toJSONAsync of `{ data }`), captured from
// `toJSONAsync({ data: { token: 'abc', n: 1, z: null, u: undefined, arr: [1, 'x', , true], nested: { a: -0, b: NaN } } })`.
const EVERY_PLAIN_TYPE =
  '{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["token","n","z","u","arr","nested"],"v":[{"t":1,"s":"abc"},{"t":0,"s":1},{"t":2,"s":0},{"t":2,"s":1},{"t":9,"i":2,"a":[{"t":0,"s":1},{"t":1,"s":"x"},0,{"t":2,"s":2}],"o":0},{"t":10,"i":3,"p":{"k":["a","b"],"v":[{"t":2,"s":4},{"t":2,"s":7}]},"o":0}]},"o":0}]},"o":0},"f":127,"m":[]}';
const ROOM_ID = '{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["roomId"],"v":[{"t":1,"s":"abc"}]},"o":0}]},"o":0},"f":127,"m":[]}';
// The same object twice: seroval sends a reference (node type 4) and marks the id.
const SHARED_REFERENCE =
  '{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["a","b"],"v":[{"t":10,"i":2,"p":{"k":["x"],"v":[{"t":0,"s":1}]},"o":0},{"t":4,"i":2}]},"o":0}]},"o":0},"f":127,"m":[2]}';

const wrap = (data: unknown) => ({ t: { t: 10, i: 0, p: { k: ['data'], v: [data] }, o: 0 }, f: 127, m: [] });
const str = (s: string) => ({ t: 1, s });

describe('isPlainServerFnPayload', () => {
  it('accepts what the browser client sends for plain data', () => {
    expect(isPlainServerFnPayload(JSON.parse(EVERY_PLAIN_TYPE))).toBe(true);
    expect(isPlainServerFnPayload(JSON.parse(ROOM_ID))).toBe(true);
    expect(isPlainServerFnPayload(wrap(str('x')))).toBe(true);
  });

  it.each([
    ['a reference to a shared object', JSON.parse(SHARED_REFERENCE)],
    ['a Date', wrap({ t: 5, i: 1, s: '2026-01-01T00:00:00.000Z' })],
    ['a Map', wrap({ t: 8, i: 1, e: { k: [], v: [] }, f: { t: 2, s: 0 } })],
    ['a promise', wrap({ t: 12, i: 1, s: 0 })],
    ['a plugin node', wrap({ t: 25, i: 1, s: {}, c: '$TSR/Error' })],
    ['an unknown node type', wrap({ t: 99 })],
    ['a node without a type', wrap({ s: 'x' })],
    ['a number that is not finite', wrap({ t: 0, s: null })],
    ['a string node holding a number', wrap({ t: 1, s: 1 })],
    ['a lone surrogate in a string', wrap(str('\ud800'))],
    ['a constant out of range', wrap({ t: 2, s: 8 })],
    ['an object with more keys than values', wrap({ t: 10, i: 1, p: { k: ['a', 'b'], v: [str('x')] }, o: 0 })],
    ['an object key that is a node', wrap({ t: 10, i: 1, p: { k: [str('a')], v: [str('x')] }, o: 0 })],
    ['two objects with one id', wrap({ t: 10, i: 0, p: { k: [], v: [] }, o: 0 })],
    ['an array without items', wrap({ t: 9, i: 1, o: 0 })],
    ['an extra field on a node', wrap({ t: 1, s: 'x', p: 1 })],
    ['marked references', { ...wrap(str('x')), m: [1] }],
    ['a top-level key other than data and context', { t: { t: 10, i: 0, p: { k: ['__proto__'], v: [str('x')] }, o: 0 }, f: 127, m: [] }],
    ['a top level that is not an object node', { t: str('x'), f: 127, m: [] }],
    ['an envelope with an extra field', { ...wrap(str('x')), x: 1 }],
    ['an envelope without features', { t: wrap(str('x')).t, m: [] }],
    ['plain JSON', { data: { token: 'x' } }],
    ['an array', []],
    ['null', null],
    ['a string', 'hello'],
  ])('refuses %s', (_what, payload) => {
    expect(isPlainServerFnPayload(payload)).toBe(false);
  });

  it('takes nesting up to its depth limit and refuses one level more', () => {
    const nested = (levels: number) => {
      let node: unknown = str('leaf');
      for (let i = 0; i < levels; i++) node = { t: 9, i: i + 1, a: [node], o: 0 };
      return wrap(node);
    };
    // The top object is depth 0 and `data` depth 1: `levels` arrays put the leaf at depth levels + 1.
    expect(isPlainServerFnPayload(nested(ServerFnPayloadLimits.maxDepth - 1))).toBe(true);
    expect(isPlainServerFnPayload(nested(ServerFnPayloadLimits.maxDepth))).toBe(false);
  });

  it('takes up to its node limit and refuses one node more', () => {
    // The top object and the array are two nodes; the rest are strings.
    const wide = (nodes: number) => wrap({ t: 9, i: 1, a: Array.from({ length: nodes - 2 }, () => str('x')), o: 0 });
    expect(isPlainServerFnPayload(wide(ServerFnPayloadLimits.maxNodes))).toBe(true);
    expect(isPlainServerFnPayload(wide(ServerFnPayloadLimits.maxNodes + 1))).toBe(false);
  });
});
