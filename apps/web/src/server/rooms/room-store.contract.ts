import { describe, expect, it } from 'vitest';
import type { Room } from './room.ts';
import { RoomClosedError, RoomExistsError, type RoomStore, TOMBSTONE_TTL_MS } from './room-store.ts';

/**
 * What every RoomStore promises (memory and Redis run the same tests). `open` gives stores over
 * one fresh, empty namespace: calling it twice in one test gives two handles on the same data (two
 * instances, or one restarted), when the implementation can share.
 */
export interface RoomStoreContractSubject {
  name: string;
  /** Stores for one test; each call shares the same data when `shared` is true. */
  open(now: () => number): Promise<{ store(): Promise<RoomStore>; close(): Promise<void> }>;
  /** Whether two handles see the same rooms (Redis: yes; memory: every store is its own world). */
  shared: boolean;
}

export const limits = { players: 4, viewers: 16 };
/** A link of the generation the test rooms start with. */
export const link0 = { linkGeneration: 0 };
export const profile = (name: string) => ({ username: name, globalName: name.toUpperCase(), avatar: null });

let counter = 0;
/** A room of its own (ids, channel and role unique per call), for any contract test. */
export function room(overrides: Partial<Room> = {}): Room {
  counter += 1;
  const id = `room${String(counter).padStart(6, '0')}`;
  return {
    id,
    name: `Room ${counter}`,
    guildId: '100000000000000001',
    channelId: `2000000000000${String(counter).padStart(5, '0')}`,
    roleId: `3000000000000${String(counter).padStart(5, '0')}`,
    creatorId: 'creator',
    players: ['creator'],
    spectators: [],
    profiles: { creator: profile('creator') },
    createdAt: 1_000,
    lastActiveAt: 2_000,
    closingAt: null,
    locked: false,
    linkGeneration: 0,
    barred: [],
    ...overrides,
  };
}

/** Runs one test on a fresh store of `subject` read at `clock`, and closes the store after it. */
export function storeRunner(subject: RoomStoreContractSubject, clock: () => number) {
  return async (test: (store: RoomStore, space: { store(): Promise<RoomStore> }) => Promise<void>): Promise<void> => {
    const space = await subject.open(clock);
    try {
      await test(await space.store(), space);
    } finally {
      await space.close();
    }
  };
}

const byId = (rooms: Room[]) => [...rooms].sort((a, b) => a.id.localeCompare(b.id));

/** Every store runs this and the host controls' part (room-store-controls.contract.ts). */
export function roomStoreContract(subject: RoomStoreContractSubject): void {
  describe(`RoomStore contract: ${subject.name}`, () => {
    let now = Date.UTC(2026, 10, 25, 12);
    const clock = () => now;
    const withStore = storeRunner(subject, clock);

    it('keeps what was inserted and finds it by id, channel, user and in the list', () =>
      withStore(async (store) => {
        const a = room({ players: ['creator', 'p1'], spectators: ['s1'], profiles: { creator: profile('creator'), p1: profile('p1'), s1: profile('s1') }, closingAt: 5_000 });
        const b = room({ creatorId: 'other', players: ['other'], profiles: { other: profile('other') } });
        await store.insert(a);
        await store.insert(b);
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.findByChannel(b.channelId)).toEqual(b);
        expect(await store.get('nosuchroom')).toBeNull();
        expect(await store.findByChannel('999')).toBeNull();
        expect(byId(await store.list())).toEqual(byId([a, b]));
        expect(await store.count()).toBe(2);
        expect(await store.listForUser('p1')).toEqual([a]);
        expect(await store.listForUser('s1')).toEqual([a]);
        expect(byId(await store.listForUser('creator'))).toEqual([a]);
        expect(await store.listForUser('nobody')).toEqual([]);
      }));

    it('hands out copies: changing a returned room changes nothing stored', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        const copy = (await store.get(a.id))!;
        copy.players.push('intruder');
        copy.name = 'changed';
        expect(await store.get(a.id)).toEqual(a);
      }));

    it('hands out read-only rooms by channel: writing through one changes nothing stored', () =>
      withStore(async (store) => {
        const a = room({ players: ['creator', 'p1'], profiles: { creator: profile('creator'), p1: profile('p1') } });
        await store.insert(a);
        // What a careless caller might do despite the RoomView type; a frozen record refuses it.
        const view = (await store.findByChannel(a.channelId)) as Room;
        const writes = [
          () => view.players.push('intruder'),
          () => (view.name = 'changed'),
          () => (view.profiles.p1!.username = 'changed'),
          () => (view.profiles.intruder = profile('intruder')),
        ];
        for (const write of writes) {
          try {
            write();
          } catch {
            // refused: what the memory store's frozen records do
          }
        }
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.findByChannel(a.channelId)).toEqual(a);
        // And a view taken after a change shows the change.
        await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, link0);
        expect((await store.findByChannel(a.channelId))?.players).toEqual(['creator', 'p1', 'p2']);
        // Nor does changing what was handed in to the store change it afterwards.
        a.players.push('late');
        expect((await store.get(a.id))?.players).toEqual(['creator', 'p1', 'p2']);
      }));

    it('refuses a second room with the same id with RoomExistsError, writing nothing', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        // A start-up read-back and a create may both insert the same room (REDIS_URL): the loser tells by the class.
        await expect(store.insert({ ...a, name: 'again', channelId: '299999999999999999', players: ['someone'] })).rejects.toEqual(new RoomExistsError(a.id));
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.findByChannel('299999999999999999')).toBeNull();
        expect(await store.listForUser('someone')).toEqual([]);
      }));

    it("a closed room's id cannot be inserted again while its tombstone is kept, writing nothing", () =>
      withStore(async (store) => {
        const a = room({ players: ['creator', 'p1'], profiles: { creator: profile('creator'), p1: profile('p1') } });
        await store.insert(a);
        const closedAt = now;
        await store.delete(a.id, closedAt);
        // Another instance's read-back saw the room in Discord before this close reached it.
        await expect(store.insert(a)).rejects.toEqual(new RoomClosedError(a.id));
        expect(await store.get(a.id)).toBeNull();
        expect(await store.findByChannel(a.channelId)).toBeNull();
        expect(await store.listForUser('p1')).toEqual([]);
        expect(await store.count()).toBe(0);
        // A room closed but never stored here (closed at start) leaves the same tombstone.
        const b = room();
        await store.delete(b.id, now);
        await expect(store.insert(b)).rejects.toEqual(new RoomClosedError(b.id));
        // The last moment the tombstone is kept, it still refuses; once it has expired the id is free.
        now = closedAt + TOMBSTONE_TTL_MS;
        await expect(store.insert(a)).rejects.toEqual(new RoomClosedError(a.id));
        now += 1;
        await store.insert(a);
        expect(await store.get(a.id)).toEqual(a);
      }));

    it('seats players up to the limit and viewers up to theirs, and says why not otherwise', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        expect(await store.addParticipant('nosuchroom', 'u', 'player', profile('u'), limits, link0)).toBe('missing');
        for (const u of ['p1', 'p2', 'p3']) expect(await store.addParticipant(a.id, u, 'player', profile(u), limits, link0)).toBe('added');
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0)).toBe('already');
        expect(await store.addParticipant(a.id, 'p4', 'player', profile('p4'), limits, link0)).toBe('full');
        expect(await store.addParticipant(a.id, 'p2', 'spectator', profile('p2'), limits, link0)).toBe('already');
        for (let i = 0; i < 12; i++) expect(await store.addParticipant(a.id, `s${i}`, 'spectator', profile(`s${i}`), limits, link0)).toBe('added');
        expect(await store.addParticipant(a.id, 's12', 'spectator', profile('s12'), limits, link0)).toBe('full');
        expect(await store.addParticipant(a.id, 's0', 'spectator', profile('s0'), limits, link0)).toBe('already');

        const stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator', 'p1', 'p2', 'p3']);
        expect(stored.spectators).toHaveLength(12);
        expect(stored.profiles.p3).toEqual(profile('p3'));
        expect(await store.listForUser('s5')).toHaveLength(1);
      }));

    it('moves a spectator to the players without counting them twice', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        for (let i = 0; i < 15; i++) await store.addParticipant(a.id, `s${i}`, 'spectator', profile(`s${i}`), limits, link0);
        // 16 viewers: nobody new gets in, but a spectator may still take a player seat.
        expect(await store.addParticipant(a.id, 'new', 'spectator', profile('new'), limits, link0)).toBe('full');
        expect(await store.addParticipant(a.id, 's3', 'player', { ...profile('s3'), globalName: 'Now playing' }, limits, link0)).toBe('added');
        const stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator', 's3']);
        expect(stored.spectators).not.toContain('s3');
        expect(stored.spectators).toHaveLength(14);
        expect(stored.profiles.s3?.globalName).toBe('Now playing');
      }));

    it('gives the last seats to exactly as many people as there are seats when they all ask at once', () =>
      withStore(async (store, space) => {
        const a = room();
        await store.insert(a);
        // Several handles: on Redis separate connections, as separate instances would be.
        const stores = subject.shared ? [store, await space.store(), await space.store()] : [store];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.addParticipant(a.id, `u${i}`, 'player', profile(`u${i}`), limits, link0)),
        );
        expect(results.filter((r) => r === 'added')).toHaveLength(3);
        expect(results.filter((r) => r === 'full')).toHaveLength(9);
        expect((await store.get(a.id))!.players).toHaveLength(4);
      }));

    it('removes players and spectators, never the creator', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
        await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, link0);
        await store.removeParticipant(a.id, 'p1');
        await store.removeParticipant(a.id, 's1');
        await store.removeParticipant(a.id, 'creator');
        await store.removeParticipant('nosuchroom', 'p1');
        const stored = (await store.get(a.id))!;
        expect(stored.players).toEqual(['creator']);
        expect(stored.spectators).toEqual([]);
        expect(await store.listForUser('p1')).toEqual([]);
        expect(await store.listForUser('creator')).toHaveLength(1);
        // A removed player can take a seat again.
        expect(await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0)).toBe('added');
      }));

    it('updates activity and the closing warning, and returns the room as updated', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        expect(await store.update(a.id, { lastActiveAt: 9_000 })).toEqual({ ...a, lastActiveAt: 9_000 });
        expect(await store.update(a.id, { closingAt: 12_345 })).toEqual({ ...a, lastActiveAt: 9_000, closingAt: 12_345 });
        expect(await store.update(a.id, { closingAt: null, lastActiveAt: 10_000 })).toEqual({ ...a, lastActiveAt: 10_000, closingAt: null });
        expect(await store.get(a.id)).toEqual({ ...a, lastActiveAt: 10_000, closingAt: null });
        expect(await store.update('nosuchroom', { lastActiveAt: 1 })).toBeNull();
        expect(await store.get('nosuchroom')).toBeNull();
      }));

    it('keeps the host controls’ state: name, lock, link generation and who is barred', () =>
      withStore(async (store) => {
        const a = room({ locked: true, linkGeneration: 3, barred: ['gone1'] });
        await store.insert(a);
        expect(await store.get(a.id)).toEqual(a);
        const renamed = await store.update(a.id, { name: 'Renamed ✨', locked: false });
        expect(renamed).toEqual({ ...a, name: 'Renamed ✨', locked: false });
        expect(await store.update(a.id, { linkGeneration: 4, barred: [] })).toEqual({ ...a, name: 'Renamed ✨', locked: false, linkGeneration: 4, barred: [] });
        expect((await store.findByChannel(a.channelId))?.linkGeneration).toBe(4);
      }));

    it('bars a removed user in the same step, once, and never the creator', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
        await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, link0);
        await store.removeParticipant(a.id, 'p1', { bar: true });
        await store.removeParticipant(a.id, 's1', { bar: true });
        await store.removeParticipant(a.id, 'p1', { bar: true });
        await store.removeParticipant(a.id, 'creator', { bar: true });
        // Leaving (no bar) does not bar.
        await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, link0);
        await store.removeParticipant(a.id, 'p2');
        const stored = (await store.get(a.id))!;
        expect(stored.barred).toEqual(['p1', 's1']);
        expect(stored.players).toEqual(['creator']);
        expect(stored.spectators).toEqual([]);
        expect(await store.listForUser('p1')).toEqual([]);
      }));

    it('hands hosting to a player only: they head the players, the former host stays a player', () =>
      withStore(async (store) => {
        const a = room();
        await store.insert(a);
        for (const u of ['p1', 'p2']) await store.addParticipant(a.id, u, 'player', profile(u), limits, link0);
        await store.addParticipant(a.id, 's1', 'spectator', profile('s1'), limits, link0);
        expect(await store.setHost('nosuchroom', 'p1')).toBe('missing');
        expect(await store.setHost(a.id, 's1')).toBe('not_player');
        expect(await store.setHost(a.id, 'stranger')).toBe('not_player');
        expect((await store.get(a.id))?.creatorId).toBe('creator');
        expect(await store.setHost(a.id, 'p2')).toBe('set');
        const stored = (await store.get(a.id))!;
        expect(stored.creatorId).toBe('p2');
        expect(stored.players).toEqual(['p2', 'creator', 'p1']);
        expect(stored.spectators).toEqual(['s1']);
        // The former host is an ordinary player now: they can be removed; the new host cannot.
        await store.removeParticipant(a.id, 'p2');
        await store.removeParticipant(a.id, 'creator');
        expect((await store.get(a.id))?.players).toEqual(['p2', 'p1']);
        expect(await store.listForUser('creator')).toEqual([]);
        expect((await store.listForUser('p2')).map((r) => r.id)).toEqual([a.id]);
      }));

    it('deletes a room everywhere, leaves a tombstone for a day, and deleting twice is harmless', () =>
      withStore(async (store) => {
        const a = room();
        const b = room();
        await store.insert(a);
        await store.insert(b);
        await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
        const removed = await store.delete(a.id, now);
        expect(removed?.id).toBe(a.id);
        expect(removed?.players).toEqual(['creator', 'p1']);
        expect(await store.get(a.id)).toBeNull();
        expect(await store.findByChannel(a.channelId)).toBeNull();
        expect(await store.list()).toEqual([b]);
        expect(await store.count()).toBe(1);
        expect(await store.listForUser('p1')).toEqual([]);
        expect(await store.closedAt(a.id)).toBe(now);
        expect(await store.delete(a.id, now + 1)).toBeNull();
        expect(await store.closedAt(b.id)).toBeNull();
        expect(await store.addParticipant(a.id, 'p2', 'player', profile('p2'), limits, link0)).toBe('missing');

        now += TOMBSTONE_TTL_MS + 10;
        expect(await store.closedAt(a.id)).toBeNull();
      }));

    if (subject.shared) {
      it('is the same data for every handle: a restarted instance finds every room', () =>
        withStore(async (store, space) => {
          const a = room();
          await store.insert(a);
          await store.addParticipant(a.id, 'p1', 'player', profile('p1'), limits, link0);
          const restarted = await space.store();
          expect(await restarted.get(a.id)).toEqual(await store.get(a.id));
          await restarted.update(a.id, { closingAt: 77 });
          expect((await store.get(a.id))?.closingAt).toBe(77);
        }));
    }
  });
}
