import { describe, expect, it } from 'vitest';
import { FakeClock } from '@repo/platform/testing';
import { sessionRevocationsContract } from './session-revocations.contract.ts';
import { MemorySessionRevocations } from './session-revocations.ts';

sessionRevocationsContract({
  name: 'MemorySessionRevocations',
  shared: false,
  async open() {
    const clock = new FakeClock();
    return {
      handle: async () => new MemorySessionRevocations(() => clock.now()),
      now: () => clock.now(),
      pass: (ms) => clock.advance(ms),
      close: async () => undefined,
    };
  },
});

describe('MemorySessionRevocations', () => {
  it('is listed until exactly its end: one millisecond before yes, at the end no', async () => {
    const clock = new FakeClock();
    const revocations = new MemorySessionRevocations(() => clock.now());
    await revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA', clock.now() + 1_000);
    await clock.advance(999);
    expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);
    await clock.advance(1);
    expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
  });

  it('forgets entries past their end, so the list holds only sign-ins that could still be used', async () => {
    const clock = new FakeClock();
    const revocations = new MemorySessionRevocations(() => clock.now());
    for (let i = 0; i < 100; i++) await revocations.revoke(`id${String(i).padStart(20, '0')}`, clock.now() + 10_000);
    expect(revocations.size).toBe(100);
    await clock.advance(61_000);
    await revocations.revoke('BBBBBBBBBBBBBBBBBBBBBB', clock.now() + 10_000);
    expect(revocations.size).toBe(1);
  });
});
