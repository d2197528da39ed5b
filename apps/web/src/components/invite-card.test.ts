import { describe, expect, it } from 'vitest';
import { inviteFailure } from './invite-card.tsx';

describe('inviteFailure: one page per refusal reason, from the preview and from redeem alike', () => {
  it.each([
    ['invite_invalid', 400, 'invalid'],
    ['invite_expired', 410, 'expired'],
    ['room_closed', 410, 'closed'],
    ['room_full', 409, 'full'],
    ['viewers_full', 409, 'viewers_full'],
    // The host's controls (issue 19).
    ['room_locked', 403, 'locked'],
    ['invite_replaced', 410, 'replaced'],
    ['removed', 403, 'removed'],
  ] as const)('%s (%i) → %s', (reason, status, page) => {
    expect(inviteFailure({ status, reason })).toBe(page);
  });

  it('goes by the reason, not the status: a 410 that is not a replaced link is not "replaced"', () => {
    expect(inviteFailure({ status: 410, reason: 'invite_expired' })).toBe('expired');
    expect(inviteFailure({ status: 403, reason: 'not_host' })).toBe('other');
    expect(inviteFailure({ status: 403 })).toBe('other');
  });

  it('look-alike reasons are not matched', () => {
    for (const reason of ['Room_locked', 'room_locked ', 'locked', 'replaced', 'removed_user']) {
      expect(inviteFailure({ status: 403, reason })).toBe('other');
    }
  });

  it('a 400 without a known reason is an invalid link', () => {
    expect(inviteFailure({ status: 400 })).toBe('invalid');
  });
});
