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

  it('keeps a path of exactly 2,048 characters and refuses one of 2,049', () => {
    const at = `/${'a'.repeat(2047)}`;
    expect(safeReturnTo(at)).toBe(at);
    expect(safeReturnTo(`${at}a`)).toBe('/');
  });

  it.each([
    ['/rooms/a\u0000b'],
    ['/rooms/a\u001fb'],
    ['/rooms/a\u007fb'],
    ['/rooms/a\nb'],
  ])('refuses a control character anywhere, even one that smuggles nothing (%j)', (input) => {
    expect(safeReturnTo(input)).toBe('/');
  });

  it('keeps characters just outside the control ranges (space, tilde, non-ASCII), percent-encoded', () => {
    expect(safeReturnTo('/rooms/a b~')).toBe('/rooms/a%20b~');
    expect(safeReturnTo('/rooms/\u0080é')).toBe('/rooms/%C2%80%C3%A9');
  });

  it('keeps a path that merely contains // or /\\ after its first segment', () => {
    expect(safeReturnTo('/rooms//abc')).toBe('/rooms//abc');
    expect(safeReturnTo('/a/\\b')).toBe('/a//b');
    expect(safeReturnTo('/rooms//')).toBe('/rooms//');
    expect(safeReturnTo('/rooms/\\')).toBe('/rooms//');
  });
});
