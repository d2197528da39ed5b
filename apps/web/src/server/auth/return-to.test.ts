import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.ts';

describe('safeReturnTo', () => {
  it('keeps same-origin paths with their query and hash', () => {
    expect(safeReturnTo('/rooms/abc')).toBe('/rooms/abc');
    expect(safeReturnTo('/invite/tok?x=1#top')).toBe('/invite/tok?x=1#top');
  });

  it.each([
    ['https://evil.example', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/\t/evil.example', '/'],
    ['\n//evil.example', '/'],
    ['', '/'],
    [undefined, '/'],
    ['rooms/abc', '/'],
    ['/' + 'a'.repeat(3000), '/'],
  ])('turns %j into %j', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});
