import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRevocations } from './session-revocations.ts';

/**
 * What every SessionRevocations promises (memory and Redis run the same tests). `open` gives two
 * handles on one fresh namespace (two instances, where the implementation is shared) and a way to
 * let time pass: the memory list reads the injected clock; Redis expires keys on its own clock.
 */
export interface SessionRevocationsSubject {
  name: string;
  shared: boolean;
  open(): Promise<{ handle(): Promise<SessionRevocations>; now(): number; pass(ms: number): Promise<void>; close(): Promise<void> }>;
}

export function sessionRevocationsContract(subject: SessionRevocationsSubject): void {
  describe(`${subject.name} (SessionRevocations contract)`, () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      close = undefined;
    });
    async function open() {
      const opened = await subject.open();
      close = opened.close;
      return opened;
    }

    it('lists a revoked id and nothing else', async () => {
      const t = await open();
      const revocations = await t.handle();
      expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
      await revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA', t.now() + 60_000);
      expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);
      expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAB')).toBe(false);
      // Twice is harmless.
      await revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA', t.now() + 60_000);
      expect(await revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);
    });

    it('keeps the listing until the sign-in would have ended, and not past it', async () => {
      const t = await open();
      const revocations = await t.handle();
      await revocations.revoke('BBBBBBBBBBBBBBBBBBBBBB', t.now() + 300);
      await t.pass(150);
      expect(await revocations.isRevoked('BBBBBBBBBBBBBBBBBBBBBB')).toBe(true);
      await t.pass(250);
      expect(await revocations.isRevoked('BBBBBBBBBBBBBBBBBBBBBB')).toBe(false);
    });

    it('lists nothing for a sign-in that has already ended (its cookie no longer opens anyway)', async () => {
      const t = await open();
      const revocations = await t.handle();
      await revocations.revoke('CCCCCCCCCCCCCCCCCCCCCC', t.now());
      await revocations.revoke('DDDDDDDDDDDDDDDDDDDDDD', t.now() - 1);
      expect(await revocations.isRevoked('CCCCCCCCCCCCCCCCCCCCCC')).toBe(false);
      expect(await revocations.isRevoked('DDDDDDDDDDDDDDDDDDDDDD')).toBe(false);
    });

    it.runIf(subject.shared)('a revocation made by one instance is seen by another', async () => {
      const t = await open();
      const [a, b] = [await t.handle(), await t.handle()];
      await a.revoke('EEEEEEEEEEEEEEEEEEEEEE', t.now() + 60_000);
      expect(await b.isRevoked('EEEEEEEEEEEEEEEEEEEEEE')).toBe(true);
    });
  });
}
