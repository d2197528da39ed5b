import { describe, expect, it } from 'vitest';
import { parseJsonKeepingBigIntegers, quoteUnsafeIntegers } from './json-body.ts';

describe('parseJsonKeepingBigIntegers', () => {
  it('keeps every digit of a 19-digit integer (JSON.parse alone rounds it)', () => {
    const text = '{"parent_id":1191168914227331073}';
    expect(String((JSON.parse(text) as { parent_id: number }).parent_id)).toBe('1191168914227331000');
    expect(parseJsonKeepingBigIntegers(text)).toEqual({ parent_id: '1191168914227331073' });
  });

  it('quotes exactly the integers beyond Number.MAX_SAFE_INTEGER, in arrays and nested objects', () => {
    expect(parseJsonKeepingBigIntegers('[9007199254740991, 9007199254740992, -9007199254740992, {"a":[18446744073709551615]}]')).toEqual([
      9007199254740991,
      '9007199254740992',
      '-9007199254740992',
      { a: ['18446744073709551615'] },
    ]);
  });

  it('leaves strings (escaped quotes included), fractions, exponents and small numbers alone', () => {
    const text = '{"s":"a\\"1191168914227331073\\"","k\\\\":1,"f":11911689142273310.5,"e":1191168914227331073e0,"n":-12}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
    expect(parseJsonKeepingBigIntegers(text)).toEqual(JSON.parse(text));
  });

  it('does not touch digits inside a key, and invalid JSON still fails', () => {
    expect(parseJsonKeepingBigIntegers('{"1191168914227331073":1191168914227331073}')).toEqual({ '1191168914227331073': '1191168914227331073' });
    expect(() => parseJsonKeepingBigIntegers('{"a":1191168914227331073')).toThrow(SyntaxError);
    expect(() => parseJsonKeepingBigIntegers('{"a":01191168914227331073}')).toThrow(SyntaxError);
  });
});
