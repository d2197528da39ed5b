import { describe, expect, it } from 'vitest';
import { RoomName } from './rooms.ts';

describe('RoomName', () => {
  it.each([
    ['  Friday Commander  ', 'Friday Commander'],
    ['🃏🂡', '🃏🂡'],
    ['👩‍👩‍👧 family night', '👩‍👩‍👧 family night'],
    ['<b>bold</b> & "quotes"', '<b>bold</b> & "quotes"'],
    ['x'.repeat(100), 'x'.repeat(100)],
  ])('accepts %j as %j', (input, expected) => {
    expect(RoomName.parse(input)).toBe(expected);
  });

  it.each([
    ['', 'Give the room a name.'],
    ['    ', 'Give the room a name.'],
    ['x'.repeat(101), 'Room names are at most 100 characters.'],
    ['bad\u0000name', 'Room names cannot contain control characters.'],
    ['new\nline', 'Room names cannot contain control characters.'],
    ['rtl\u202eoverride', 'Room names cannot contain control characters.'],
  ])('rejects %j with a clear message', (input, message) => {
    const result = RoomName.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });
});
