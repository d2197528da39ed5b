import type { Player, RoomInfo } from '@repo/protocol';
import { describe, expect, it } from 'vitest';
import { leaveConsequence, revocationNotice, roleIn, successorOf } from './room-roles.ts';
import type { RoomReplica } from './room-state.ts';

const info = (creatorId: string, extra: Partial<RoomInfo> = {}): RoomInfo => ({
  id: 'abcdefgh12',
  name: 'Friday Magic',
  creatorId,
  guildId: 'g',
  channelId: 'c',
  createdAt: 0,
  playerLimit: 4,
  closingAt: null,
  locked: false,
  ...extra,
});
const player = (userId: string, globalName: string | null, creator = false): Player => ({ userId, username: userId, globalName, avatarUrl: null, creator });

function view(creatorId: string, players: Player[], spectators: string[] = []): RoomReplica {
  return {
    roomId: 'abcdefgh12',
    room: info(creatorId),
    players,
    spectators: spectators.map((userId) => ({ userId, username: userId, globalName: null, avatarUrl: null })),
    voice: [],
    seq: 1,
  };
}

const table = view('alice', [player('alice', 'Alice', true), player('bob', 'Bob'), player('carol', null)], ['frank']);

describe('roleIn: from the live view, so a hand-over moves the controls', () => {
  it('names the host, a player, a spectator, and someone not in the room', () => {
    expect(roleIn(table, 'alice')).toBe('host');
    expect(roleIn(table, 'bob')).toBe('player');
    expect(roleIn(table, 'frank')).toBe('spectator');
    expect(roleIn(table, 'zed')).toBe('none');
  });

  it('follows creatorId, not the player list’s order or creator flag', () => {
    // The event after a hand-over to bob: creatorId changed.
    const handed = { ...table, room: info('bob') };
    expect(roleIn(handed, 'bob')).toBe('host');
    expect(roleIn(handed, 'alice')).toBe('player');
  });

  it('a user id that only looks like a member’s is nobody', () => {
    expect(roleIn(table, 'Bob')).toBe('none');
    expect(roleIn(table, 'bob ')).toBe('none');
    expect(roleIn(table, '')).toBe('none');
  });
});

describe('successorOf: who becomes host when the host leaves', () => {
  it('is the next player in seat order', () => {
    expect(successorOf(table)?.userId).toBe('bob');
    expect(successorOf(view('alice', [player('carol', null), player('alice', 'Alice', true), player('bob', 'Bob')]))?.userId).toBe('carol');
  });

  it('is nobody when the host is the only player, even with spectators', () => {
    expect(successorOf(view('alice', [player('alice', 'Alice', true)], ['frank']))).toBeNull();
  });
});

describe('leaveConsequence: what the "Leave room" dialog says', () => {
  it('names the next host, by display name, for the host', () => {
    expect(leaveConsequence(table, 'host')).toMatch(/Bob becomes the host\.$/);
    const carolNext = view('alice', [player('alice', 'Alice', true), player('carol', null)]);
    expect(leaveConsequence(carolNext, 'host')).toMatch(/carol becomes the host\.$/);
  });

  it('says the room closes when the host is the only player', () => {
    const alone = view('alice', [player('alice', 'Alice', true)], ['frank']);
    expect(leaveConsequence(alone, 'host')).toMatch(/^You are the only player, so the room closes for everyone/);
  });

  it('tells a player about seat, role and voice, and a spectator only about watching', () => {
    expect(leaveConsequence(table, 'player')).toMatch(/seat and the room’s Discord role.*disconnected from its voice channel/);
    expect(leaveConsequence(table, 'player')).not.toMatch(/becomes the host/);
    expect(leaveConsequence(table, 'spectator')).toBe('You stop watching this room. You can come back with a spectator link while the room is open and unlocked.');
  });

  it('does not promise a bar that leaving does not set: the same link seats them again (host-seats.test.ts)', () => {
    for (const role of ['player', 'spectator'] as const) {
      expect(leaveConsequence(table, role)).toMatch(/You can come back with an? (invite|spectator) link while the room is open and unlocked\.$/);
      expect(leaveConsequence(table, role)).not.toMatch(/new (invite )?link/);
    }
    expect(revocationNotice('left', 'Friday').body).not.toMatch(/ask the host/i);
  });
});

describe('revocationNotice: what the page says when the room is taken away', () => {
  it('removed and left have their own words; anything else keeps the general one', () => {
    expect(revocationNotice('removed', 'Friday').title).toBe('The host removed you from this room');
    expect(revocationNotice('left', 'Friday').title).toBe('You left this room');
    for (const other of [undefined, null, '', 'REMOVED', 'kicked']) {
      expect(revocationNotice(other, 'Friday').title).toBe('You are no longer in this room');
    }
  });

  it('tells a removed member only what is true of players and spectators alike (no seat or voice for a spectator)', () => {
    const body = revocationNotice('removed', 'Friday').body;
    expect(body).toBe('Your place in “Friday” was taken back. Your old invite link will not bring you back; ask the host if you think this was a mistake.');
    expect(body).not.toMatch(/seat|voice/);
  });

  it('names the room as text', () => {
    expect(revocationNotice('removed', '<b>x</b>').body).toContain('“<b>x</b>”');
  });
});
