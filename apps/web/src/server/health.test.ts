import { describe, expect, it } from 'vitest';
import { isReady } from './health.ts';

const ready = { redisOk: true, holder: true, connected: true, clustered: false, roomsRestored: true };

describe('isReady', () => {
  it('is ready with the Gateway connected and the rooms read back', () => {
    expect(isReady(ready)).toBe(true);
  });

  it('is not ready while the rooms are still read back from Discord, whatever else holds', () => {
    expect(isReady({ ...ready, roomsRestored: false })).toBe(false);
    expect(isReady({ ...ready, holder: false, clustered: true, roomsRestored: false })).toBe(false);
  });

  it('a holder needs its Gateway connection; a clustered standby does not', () => {
    expect(isReady({ ...ready, connected: false })).toBe(false);
    expect(isReady({ ...ready, holder: false, connected: false, clustered: true })).toBe(true);
    // Without Redis there is no other holder to stand by for.
    expect(isReady({ ...ready, holder: false, clustered: false })).toBe(false);
  });

  it('is not ready when Redis does not answer', () => {
    expect(isReady({ ...ready, redisOk: false })).toBe(false);
  });
});
