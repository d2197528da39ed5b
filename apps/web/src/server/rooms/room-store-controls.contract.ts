import { describe, expect, it } from 'vitest';
import { type RoomStoreContractSubject, limits, link0, profile, room, storeRunner } from './room-store.contract.ts';

/**
 * What every RoomStore promises for the host's controls (issue 19), memory and Redis alike: a seat
 * is refused in its own atomic step when the link's generation is not the room's, the user is
 * barred, or the room is locked (so a control used between opening a link and taking the seat
 * cannot let one more person in); and the room's control lease that keeps two instances' controls
 * of one room apart. Part of roomStoreContract.
 */
export function roomStoreControlsContract(subject: RoomStoreContractSubject): void {
  describe(`RoomStore contract, host controls: ${subject.name}`, () => {
    let now = Date.UTC(2026, 10, 25, 12);
    const clock = () => now;
    const withStore = storeRunner(subject, clock);

    it('seats by a link of the room’s generation only: equal seats, one behind or ahead is invite_replaced', () =>
      withStore(async (store) => {
        const a = room({ linkGeneration: 5 });
        await store.insert(a);
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, { linkGeneration: 4 })).toBe('invite_replaced');
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, { linkGeneration: 6 })).toBe('invite_replaced');
        expect(await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, { linkGeneration: 4 })).toBe('invite_replaced');
        expect((await store.get(a.id))?.players).toEqual(['creator']);
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, { linkGeneration: 5 })).toBe('added');
        expect(await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, { linkGeneration: 5 })).toBe('added');
        // New links: the generation the seat was opened with is one behind now.
        await store.update(a.id, { linkGeneration: 6 });
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, { linkGeneration: 5 })).toBe('invite_replaced');
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, { linkGeneration: 6 })).toBe('added');
        const stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator', 'p1', 'p2']);
        expect(stored.spectators).toEqual(['s1']);
      }));

    it('a lock set after the link was opened refuses anyone new (room_locked) and a spectator’s move to a player seat; the seated are already in; unlocked seats again', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
        await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, link0);
        await store.update(a.id, { locked: true });
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, link0)).toBe('room_locked');
        expect(await store.addParticipant(a.id, 's2', 'spectator', profile('s2'), limits, link0)).toBe('room_locked');
        expect(await store.addParticipant(a.id, 's1', 'player', profile('s1'), limits, link0)).toBe('room_locked');
        for (const [user, kind] of [['p1', 'player'], ['p1', 'spectator'], ['s1', 'spectator'], ['creator', 'player']] as const) {
          expect(await store.addParticipant(a.id, user, kind, profile(user), limits, link0), `${user} by a ${kind} link`).toBe('already');
        }
        // An old link in a locked room is a replaced link first (the order invite-check.ts answers in).
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, { linkGeneration: 1 })).toBe('invite_replaced');
        // A seat given back after a failed grant is no new seat: the lock does not apply to it.
        await store.removeParticipant(a.id, 's1');
        expect(await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, 'given_back')).toBe('added');
        let stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator', 'p1']);
        expect(stored.spectators).toEqual(['s1']);
        expect(await store.listForUser('p2')).toEqual([]);
        await store.update(a.id, { locked: false });
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, link0)).toBe('added');
        expect(await store.addParticipant(a.id, 's1', 'player', profile('s1'), limits, link0)).toBe('added');
        stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator', 'p1', 'p2', 's1']);
        expect(stored.spectators).toEqual([]);
      }));

    it('refuses a barred user by any link and a given-back seat alike (removed), until the bars are cleared', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
        await store.removeParticipant(a.id, 'p1', { bar: true });
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0)).toBe('removed');
        expect(await store.addParticipant(a.id, 'p1', 'spectator', profile('p1'), limits, link0)).toBe('removed');
        expect(await store.addParticipant(a.id, 'p1', 'spectator', profile('p1'), limits, 'given_back')).toBe('removed');
        // A look-alike id is not barred.
        expect(await store.addParticipant(a.id, 'p10', 'player', profile('p10'), limits, link0)).toBe('added');
        expect(await store.listForUser('p1')).toEqual([]);
        await store.update(a.id, { linkGeneration: 1, barred: [] });
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, { linkGeneration: 1 })).toBe('added');
        expect((await store.get(a.id))?.players).toEqual(['creator', 'p10', 'p1']);
      }));

    it('lends a room’s control lease to one holder at a time until it expires (by the app’s clock); only the holder renews or releases it', () =>
      withStore(async (store, space) => {
        // On Redis, the other handle is another connection: another instance.
        const other = subject.shared ? await space.store() : store;
        const a = await store.acquireControl('r1', 1_000);
        expect(a).toEqual(expect.any(String));
        expect(await other.acquireControl('r1', 1_000)).toBeNull();
        const elsewhere = await other.acquireControl('r2', 1_000);
        expect(elsewhere).not.toBeNull();
        // Held up to its last millisecond; a renewal counts from now.
        now += 999;
        expect(await other.acquireControl('r1', 1_000)).toBeNull();
        expect(await store.renewControl('r1', a!, 1_000)).toBe(true);
        now += 999;
        expect(await other.acquireControl('r1', 1_000)).toBeNull();
        now += 1;
        const b = await other.acquireControl('r1', 1_000);
        expect(b).toEqual(expect.any(String));
        expect(b).not.toBe(a);
        // The expired holder can no longer renew, nor release someone else's lease; a look-alike token is not the holder.
        expect(await store.renewControl('r1', a!, 1_000)).toBe(false);
        await store.releaseControl('r1', a!);
        expect(await store.acquireControl('r1', 1_000)).toBeNull();
        expect(await store.renewControl('r1', b!.slice(0, -1), 1_000)).toBe(false);
        expect(await store.renewControl('r1', `${b!}x`, 1_000)).toBe(false);
        // Past its expiry but taken by nobody: still the holder's (nobody can have written in between).
        now += 5_000;
        expect(await other.renewControl('r1', b!, 1_000)).toBe(true);
        expect(await store.acquireControl('r1', 1_000)).toBeNull();
        await other.releaseControl('r1', b!);
        expect(await other.renewControl('r1', b!, 1_000)).toBe(false);
        const c = await store.acquireControl('r1', 1_000);
        expect(c).toEqual(expect.any(String));
        expect(new Set([a, b, c, elsewhere]).size).toBe(4);
      }));

  });
}
