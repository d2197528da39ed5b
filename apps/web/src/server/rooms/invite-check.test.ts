import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { type InviteCheckDeps, openInvite } from './invite-check.ts';
import { INVITE_TOKEN_MAX_LENGTH, INVITE_TTL_SECONDS, InviteTokens } from './invite-token.ts';
import type { Room } from './room.ts';
import { MemoryRoomStore } from './room-store.ts';
import { WsTokens } from '../auth/ws-token.ts';

const SECRET = 'invite-check-test-secret-0123456789abcdef';
const GUILD = '100000000000000001';
const now = Date.UTC(2026, 10, 25, 12);

function room(n: number): Room {
  return {
    id: `room00000${n}`,
    name: `Room ${n}`,
    guildId: GUILD,
    channelId: `20000000000000000${n}`,
    roleId: `30000000000000000${n}`,
    creatorId: '400000000000000001',
    players: ['400000000000000001'],
    spectators: [],
    profiles: {},
    createdAt: now,
    lastActiveAt: now,
    closingAt: null,
    locked: false,
    linkGeneration: 0,
    barred: [],
  };
}

const invites = new InviteTokens(SECRET);
const [a, b] = [room(1), room(2)];
const store = new MemoryRoomStore(() => now);
await store.insert(a);
await store.insert(b);
const deps = { invites, store, guildId: GUILD };

type Claims = Parameters<InviteTokens['issue']>[0];
const claimsOf = (r: Room, kind: 'player' | 'spectator' = 'player'): Claims => ({ roomId: r.id, guildId: r.guildId, channelId: r.channelId, roleId: r.roleId, creatorId: r.creatorId, kind });
const tokenFor = async (claims: Claims, at = now) => (await invites.issue(claims, at)).token;

async function refusal(token: string, at = now, viewerId?: string, over: InviteCheckDeps = deps): Promise<{ status: number; reason: string | undefined }> {
  try {
    await openInvite(token, over, at, viewerId);
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, reason: error.options.reason };
    throw error;
  }
  throw new Error('expected the invite to be refused');
}

describe('openInvite', () => {
  it('opens an invite for its own room, player or spectator, and changes nothing', async () => {
    const target = await openInvite(await tokenFor(claimsOf(a)), deps, now);
    expect(target.room.id).toBe(a.id);
    expect(target.claims.kind).toBe('player');
    expect((await openInvite(await tokenFor(claimsOf(b, 'spectator')), deps, now)).claims.kind).toBe('spectator');
    expect(await store.get(a.id)).toEqual(a);
  });

  it('refuses a correctly signed invite whose room id is one room’s and channel or role another’s', async () => {
    const closed = { status: 410, reason: 'room_closed' };
    expect(await refusal(await tokenFor({ ...claimsOf(a), channelId: b.channelId }))).toEqual(closed);
    expect(await refusal(await tokenFor({ ...claimsOf(a), roleId: b.roleId }))).toEqual(closed);
    expect(await refusal(await tokenFor({ ...claimsOf(b), channelId: a.channelId, roleId: a.roleId }))).toEqual(closed);
    // Look-alikes: the right ids with one digit changed.
    expect(await refusal(await tokenFor({ ...claimsOf(a), channelId: `${a.channelId.slice(0, -1)}9` }))).toEqual(closed);
    expect(await refusal(await tokenFor({ ...claimsOf(a), roleId: `${a.roleId}0` }))).toEqual(closed);
    // A room that does not exist (closed, or never was).
    expect(await refusal(await tokenFor({ ...claimsOf(a), roomId: 'room000009' }))).toEqual(closed);
  });

  it('refuses an invite for another Discord server with 400', async () => {
    expect(await refusal(await tokenFor({ ...claimsOf(a), guildId: '100000000000000002' }))).toEqual({ status: 400, reason: 'invite_invalid' });
  });

  it('with rooms in every server (no guildId), opens a link of any server whose room is in that server, and no other', async () => {
    const anyServer = { invites, store };
    const elsewhere: Room = { ...a, id: 'room000077', guildId: '100000000000000002', channelId: '300000000000000077', roleId: '200000000000000077' };
    await store.insert(elsewhere);
    try {
      expect((await openInvite(await tokenFor(claimsOf(elsewhere)), anyServer, now)).room.guildId).toBe('100000000000000002');
      expect((await openInvite(await tokenFor(claimsOf(a)), anyServer, now)).room.id).toBe(a.id);
      // The right room under another server's id (a look-alike): no such room there.
      expect(await refusal(await tokenFor({ ...claimsOf(a), guildId: '100000000000000002' }), now, undefined, anyServer)).toEqual({ status: 410, reason: 'room_closed' });
    } finally {
      await store.delete(elsewhere.id, now);
    }
  });

  it('is valid until its 24 hours are up and expired from then on (410)', async () => {
    const token = await tokenFor(claimsOf(a));
    expect((await openInvite(token, deps, now + INVITE_TTL_SECONDS * 1000 - 1_000)).room.id).toBe(a.id);
    expect(await refusal(token, now + INVITE_TTL_SECONDS * 1000)).toEqual({ status: 410, reason: 'invite_expired' });
  });

  it('refuses tampered, foreign-key, other-purpose and over-long tokens as invalid (400)', async () => {
    const invalid = { status: 400, reason: 'invite_invalid' };
    const token = await tokenFor(claimsOf(a));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(await refusal(`${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`)).toEqual(invalid);
    // The payload of room b under room a's signature.
    const other = (await tokenFor(claimsOf(b))).split('.')[1]!;
    expect(await refusal(`${header}.${other}.${signature}`)).toEqual(invalid);
    expect(await refusal((await new InviteTokens(`${SECRET}-other`).issue(claimsOf(a), now)).token)).toEqual(invalid);
    expect(await refusal((await new WsTokens(SECRET).issue('400000000000000001', now)).token)).toEqual(invalid);
    expect(await refusal(`${token}${'A'.repeat(INVITE_TOKEN_MAX_LENGTH + 1 - token.length)}`)).toEqual(invalid);
    expect(await refusal('not-a-token')).toEqual(invalid);
  });

  it('refuses by the host’s controls in order: replaced (410) before removed (403) before locked (403); the seated pass a lock', async () => {
    const host = '400000000000000001';
    const [p1, s1, gone, stranger] = ['500000000000000001', '500000000000000002', '500000000000000003', '500000000000000004'];
    const controlled: Room = { ...room(3), players: [host, p1], spectators: [s1], locked: true, linkGeneration: 2, barred: [gone] };
    const own = new MemoryRoomStore(() => now);
    await own.insert(controlled);
    const over = { invites, store: own, guildId: GUILD };
    const link = (gen: number | undefined, kind: 'player' | 'spectator' = 'player') => tokenFor({ ...claimsOf(controlled, kind), ...(gen === undefined ? {} : { gen }) });
    const replaced = { status: 410, reason: 'invite_replaced' };
    // Any earlier generation, a link made before generations existed (0), and one no room had yet.
    for (const gen of [0, 1, undefined, 3]) expect(await refusal(await link(gen), now, gone, over)).toEqual(replaced);
    // An old link that would leave a seated viewer where they are opens (it seats nobody: a bookmark);
    // the same link is replaced for a stranger, and a spectator's old player link (a new seat) is replaced.
    expect((await openInvite(await link(1, 'spectator'), over, now, p1)).room.id).toBe(controlled.id);
    expect(await refusal(await link(1, 'spectator'), now, stranger, over)).toEqual(replaced);
    expect(await refusal(await link(1), now, s1, over)).toEqual(replaced);
    // Current generation: the removed user is told so, before the lock; anyone else meets the lock.
    expect(await refusal(await link(2), now, gone, over)).toEqual({ status: 403, reason: 'removed' });
    expect(await refusal(await link(2, 'spectator'), now, gone, over)).toEqual({ status: 403, reason: 'removed' });
    const locked = { status: 403, reason: 'room_locked' };
    expect(await refusal(await link(2), now, stranger, over)).toEqual(locked);
    expect(await refusal(await link(2, 'spectator'), now, undefined, over)).toEqual(locked);
    // A spectator's player link would seat them anew: locked. Their spectator link, and any link of a player's, only opens.
    expect(await refusal(await link(2), now, s1, over)).toEqual(locked);
    expect((await openInvite(await link(2, 'spectator'), over, now, s1)).room.id).toBe(controlled.id);
    expect((await openInvite(await link(2), over, now, p1)).room.id).toBe(controlled.id);
    expect((await openInvite(await link(2, 'spectator'), over, now, host)).room.id).toBe(controlled.id);
    // Unlocked: the current generation opens for anyone not barred.
    await own.update(controlled.id, { locked: false });
    expect((await openInvite(await link(2), over, now, stranger)).room.id).toBe(controlled.id);
    expect(await refusal(await link(2), now, gone, over)).toEqual({ status: 403, reason: 'removed' });
  });
});
