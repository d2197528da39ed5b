import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../src/server/errors.ts';
import { RedisRoomStore } from '../src/server/rooms/redis-room-store.ts';
import { CONFLICT_MESSAGE, CONTROL_LEASE_MS } from '../src/server/rooms/room-host-controls.ts';
import type { RoomService } from '../src/server/rooms/room-service.ts';
import { MemoryRoomStore, type RoomStore } from '../src/server/rooms/room-store.ts';
import { appErrorOf } from './app-error.ts';
import { RedisTestSpace, redisAvailable } from './cluster/redis.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * Host controls racing what they control (issue 19), against the emulator:
 * - a control used between opening a link and taking the seat (the lock, new links, a removal) is
 *   honoured by the seat's own store step, so it never lets one more person in;
 * - two instances over one Redis running controls of one room at once: one runs, the other answers
 *   409 `conflict` and writes nothing, and Discord (what a restart reads back) agrees with the store.
 */
let h: RoomsHarness;
const services: Array<{ rooms: RoomService; store: RoomStore }> = [];
beforeAll(async () => {
  h = await roomsHarness();
});
afterAll(async () => {
  for (const { rooms, store } of services) for (const room of await store.list()) await rooms.closeFor(room.id, 'closed');
  await h?.close();
});

const tokenOf = (url: string) => url.split('/invite/')[1]!;
const id = (name: string) => h.session(name).userId;
const me = (name: string) => h.session(name);

async function refusal(promise: Promise<unknown>): Promise<{ status: number; reason: string | undefined; message: string }> {
  const error = await appErrorOf(promise);
  return { status: error.status, reason: error.options.reason, message: error.message };
}

async function roleName(roleId: string) {
  return (await h.discordState()).roles.find((r) => r.id === roleId)?.name;
}
async function rolesOf(name: string) {
  return (await h.discordState()).members.find((m) => m.userId === id(name))?.roles ?? [];
}

/** A memory store whose next seat first runs `beforeSeat`: the moment between opening the link and the seat's store step. */
class SeatGap extends MemoryRoomStore {
  beforeSeat: (() => Promise<unknown>) | undefined;
  override async addParticipant(...args: Parameters<MemoryRoomStore['addParticipant']>) {
    const gap = this.beforeSeat;
    this.beforeSeat = undefined;
    await gap?.();
    return super.addParticipant(...args);
  }
}

describe('a control between opening a link and taking the seat', () => {
  let store: SeatGap;
  let rooms: RoomService;
  beforeAll(() => {
    store = new SeatGap(() => h.clock.now());
    rooms = h.restart(store);
    services.push({ rooms, store });
  });

  it('the lock: 403 room_locked, no seat and no role; unlocked, the same link seats', async () => {
    const { room, inviteUrl } = await rooms.create(me('alice'), 'Locked in the gap');
    const token = tokenOf(inviteUrl);
    // The link opened fine a moment ago (the page's preview, and redeem's own check).
    expect((await rooms.openInvite(token, id('dave'))).room.locked).toBe(false);
    store.beforeSeat = () => rooms.setLocked(me('alice'), room.id, true);
    expect(await refusal(rooms.redeem(me('dave'), token))).toEqual({ status: 403, reason: 'room_locked', message: 'This room is locked by its host.' });
    expect(store.beforeSeat).toBeUndefined();
    const stored = (await store.get(room.id))!;
    expect(stored.locked).toBe(true);
    expect(stored.players).toEqual([id('alice')]);
    expect(await rolesOf('dave')).not.toContain(room.roleId);
    expect(await rooms.listForUser(id('dave'))).toEqual([]);

    await rooms.setLocked(me('alice'), room.id, false);
    expect((await rooms.redeem(me('dave'), token)).players).toEqual([id('alice'), id('dave')]);
    expect(await rolesOf('dave')).toContain(room.roleId);
  });

  it('new links: 410 invite_replaced for the link just opened; the new link seats', async () => {
    const { room, inviteUrl } = await rooms.create(me('alice'), 'Replaced in the gap');
    let fresh = '';
    store.beforeSeat = async () => (fresh = tokenOf((await rooms.rotateLinks(me('alice'), room.id)).inviteUrl));
    expect(await refusal(rooms.redeem(me('erin'), tokenOf(inviteUrl)))).toMatchObject({ status: 410, reason: 'invite_replaced' });
    expect((await store.get(room.id))?.players).toEqual([id('alice')]);
    expect(await rolesOf('erin')).not.toContain(room.roleId);
    expect((await rooms.redeem(me('erin'), fresh)).players).toEqual([id('alice'), id('erin')]);
  });

  it('a removal: the removed spectator’s player link is 403 removed, and they stay out', async () => {
    const { room, inviteUrl } = await rooms.create(me('alice'), 'Removed in the gap');
    await rooms.redeem(me('carol'), tokenOf(await rooms.inviteUrl(room, 'spectator')));
    store.beforeSeat = () => rooms.remove(me('alice'), room.id, id('carol'));
    expect(await refusal(rooms.redeem(me('carol'), tokenOf(inviteUrl)))).toMatchObject({ status: 403, reason: 'removed' });
    const stored = (await store.get(room.id))!;
    expect(stored.players).toEqual([id('alice')]);
    expect(stored.spectators).toEqual([]);
    expect(stored.barred).toEqual([id('carol')]);
    expect(await rolesOf('carol')).not.toContain(room.roleId);
  });
});

/** A memory store whose `stealAt`-th lease renewal first runs `thief`: another instance taking an expired lease mid-control. */
class LeaseGap extends MemoryRoomStore {
  renewals = 0;
  stealAt = 0;
  thief: ((roomId: string) => Promise<void>) | undefined;
  override async renewControl(id: string, token: string, ttlMs: number): Promise<boolean> {
    this.renewals += 1;
    if (this.renewals === this.stealAt) await this.thief?.(id);
    return super.renewControl(id, token, ttlMs);
  }
}

describe('the control lease in one process', () => {
  let store: LeaseGap;
  let rooms: RoomService;
  beforeAll(() => {
    store = new LeaseGap(() => h.clock.now());
    rooms = h.restart(store);
    services.push({ rooms, store });
  });

  it('a control whose lease expired and was taken stops before its store step with 409; the new holder keeps its lease', async () => {
    const { room } = await rooms.create(me('alice'), 'Stalled control');
    let thiefToken: string | null = null;
    // setLocked renews before the role's rename and before the store step: the second finds the lease gone.
    store.renewals = 0;
    store.stealAt = 2;
    store.thief = async (roomId) => {
      await h.clock.advance(CONTROL_LEASE_MS);
      thiefToken = await store.acquireControl(roomId, CONTROL_LEASE_MS);
    };
    expect(await refusal(rooms.setLocked(me('alice'), room.id, true))).toEqual({ status: 409, reason: 'conflict', message: CONFLICT_MESSAGE });
    expect(thiefToken).toEqual(expect.any(String));
    expect((await store.get(room.id))?.locked).toBe(false);
    // The loser released nothing of the new holder's: its lease still holds, and keeps others out.
    expect(await store.renewControl(room.id, thiefToken!, CONTROL_LEASE_MS)).toBe(true);
    expect(await refusal(rooms.rotateLinks(me('alice'), room.id))).toMatchObject({ status: 409, reason: 'conflict' });
    await store.releaseControl(room.id, thiefToken!);
    store.thief = undefined;
    expect((await rooms.setLocked(me('alice'), room.id, true)).locked).toBe(true);
  });

  it('one step short of expiry the lease is still the control’s own: it finishes', async () => {
    const { room } = await rooms.create(me('alice'), 'Slow but in time');
    store.renewals = 0;
    store.stealAt = 2;
    let thiefToken: string | null = 'unset';
    store.thief = async (roomId) => {
      await h.clock.advance(CONTROL_LEASE_MS - 1);
      thiefToken = await store.acquireControl(roomId, CONTROL_LEASE_MS);
    };
    expect((await rooms.setLocked(me('alice'), room.id, true)).locked).toBe(true);
    expect(thiefToken).toBeNull();
    store.thief = undefined;
  });

  it('someone leaving the Discord server while another instance’s control runs is taken out once the room is free', async () => {
    const { room, inviteUrl } = await rooms.create(me('alice'), 'Busy when they left');
    await rooms.redeem(me('bob'), tokenOf(inviteUrl));
    const other = await store.acquireControl(room.id, CONTROL_LEASE_MS);
    const gone = rooms.onMemberRemoved(id('bob'));
    await h.waitFor(() => h.clock.pending().includes(1_000), 'the retry to wait');
    expect((await store.get(room.id))?.players).toEqual([id('alice'), id('bob')]);
    await store.releaseControl(room.id, other!);
    await h.clock.advance(1_000);
    await gone;
    expect((await store.get(room.id))?.players).toEqual([id('alice')]);
  });
});

const available = await redisAvailable();

describe.runIf(available)('two instances over one Redis', () => {
  const space = new RedisTestSpace();
  let a: RoomService;
  let b: RoomService;
  let store: RoomStore;
  beforeAll(async () => {
    // Each instance its own connection, as separate processes would have.
    const open = async () => new RedisRoomStore(await space.connect('host-races'), space.keys, () => h.clock.now());
    store = await open();
    a = h.restart(store);
    b = h.restart(await open());
    services.push({ rooms: a, store });
  });
  afterAll(async () => {
    for (const room of await store.list()) await a.closeFor(room.id, 'closed');
    services.length = 0;
    await space.cleanup();
  });

  it('lock on one and new links on the other at once: one runs, the other is 409 conflict and writes nothing; Discord and the store agree', async () => {
    const { room } = await a.create(me('alice'), 'Two doors');
    const [locked, rotated] = await Promise.allSettled([a.setLocked(me('alice'), room.id, true), b.rotateLinks(me('alice'), room.id)]);
    const outcomes = [locked.status, rotated.status].sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const lost = (locked.status === 'rejected' ? locked.reason : (rotated as PromiseRejectedResult).reason) as unknown;
    const response = toErrorResponse(lost, pino({ level: 'silent' }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { kind: 'conflict', reason: 'conflict', message: CONFLICT_MESSAGE, retryable: true } });

    const stored = (await store.get(room.id))!;
    if (locked.status === 'fulfilled') {
      expect(stored).toMatchObject({ locked: true, linkGeneration: 0 });
      expect(await roleName(room.roleId)).toBe(`room-${room.id}~locked`);
    } else {
      expect(stored).toMatchObject({ locked: false, linkGeneration: 1 });
      expect(await roleName(room.roleId)).toBe(`room-${room.id}~1`);
    }
    // The lease went with the control: the loser's retry runs, on either instance.
    await b.setLocked(me('alice'), room.id, true);
    await a.rotateLinks(me('alice'), room.id);
    expect(await store.get(room.id)).toMatchObject({ locked: true, linkGeneration: stored.linkGeneration + 1 });
    expect(await roleName(room.roleId)).toBe(`room-${room.id}~${stored.linkGeneration + 1}~locked`);
  });

  it('two hand-overs at once from two instances: one host, one Priority Speaker mark moved, the other 409', async () => {
    const { room, inviteUrl } = await a.create(me('alice'), 'Who hosts');
    await a.redeem(me('bob'), tokenOf(inviteUrl));
    await b.redeem(me('dave'), tokenOf(inviteUrl));
    const results = await Promise.allSettled([a.handOver(me('alice'), room.id, id('bob')), b.handOver(me('alice'), room.id, id('dave'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const won = results[0].status === 'fulfilled' ? 'bob' : 'dave';
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(await refusal(Promise.reject(lost.reason))).toEqual({ status: 409, reason: 'conflict', message: CONFLICT_MESSAGE });
    expect((await store.get(room.id))?.creatorId).toBe(id(won));
    const overwrites = (await h.discordState()).channels.find((c) => c.id === room.channelId)?.permission_overwrites ?? [];
    const marked = overwrites.filter((o) => o.type === 1 && (BigInt(o.allow) & (1n << 8n)) !== 0n).map((o) => o.id);
    expect(marked).toEqual([id(won)]);
  });

  it('a control finding the room’s lease held by another instance is 409 and changes nothing; once released it runs', async () => {
    const { room } = await a.create(me('alice'), 'Held elsewhere');
    const other = new RedisRoomStore(await space.connect('other-instance'), space.keys, () => h.clock.now());
    const token = await other.acquireControl(room.id, 60_000);
    expect(token).not.toBeNull();
    for (const attempt of [() => b.setLocked(me('alice'), room.id, true), () => b.rename(me('alice'), room.id, 'Renamed'), () => b.rotateLinks(me('alice'), room.id)]) {
      expect(await refusal(attempt())).toMatchObject({ status: 409, reason: 'conflict' });
    }
    expect(await store.get(room.id)).toMatchObject({ name: 'Held elsewhere', locked: false, linkGeneration: 0 });
    expect(await roleName(room.roleId)).toBe(`room-${room.id}`);
    await other.releaseControl(room.id, token!);
    expect((await b.setLocked(me('alice'), room.id, true)).locked).toBe(true);
    expect(await roleName(room.roleId)).toBe(`room-${room.id}~locked`);
  });
});
