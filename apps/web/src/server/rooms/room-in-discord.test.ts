import type { DiscordChannel, DiscordGuildMember, DiscordRole } from '@repo/discord-rest';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { BAR_DENY, HOST_MARK, type GuildListing, parseRoomRoleName, readRoomsFromDiscord, roomIdOfRoleName, roomRoleName, snowflakeTime } from './room-in-discord.ts';

/*
 * Reading rooms back from Discord's objects (R-ROOM8), on plain objects shaped as Discord lists them.
 * Ids are snowflakes in creation order: a larger number is a younger object.
 */

const GUILD = '100000000000000000';
const BOT = '100000000000000001';
const FIRST = '200000000000000001';
const EXTRA = '200000000000000002';
const ELSEWHERE = '200000000000000003';
const ALICE = '300000000000000001';
const BOB = '300000000000000002';
const CAROL = '300000000000000003';
const DAVE = '300000000000000004';

const PLAYER = P.ViewChannel | P.Connect | P.Speak;

function category(id: string, name: string): DiscordChannel {
  return { id, type: 4, name, parent_id: null, permission_overwrites: [] };
}

function role(id: string, name: string): DiscordRole {
  return { id, name, permissions: '0', position: 1 };
}

type Overwrite = { id: string; type: number; allow: string; deny: string };
const roleAllows = (id: string, bits: bigint = PLAYER): Overwrite => ({ id, type: 0, allow: String(bits), deny: '0' });
const member = (id: string, allow: bigint, deny = 0n): Overwrite => ({ id, type: 1, allow: String(allow), deny: String(deny) });
const everyoneDenied: Overwrite = { id: GUILD, type: 0, allow: '0', deny: String(P.ViewChannel | P.Connect) };
const botAllowed: Overwrite = member(BOT, P.ViewChannel | P.Connect | P.MoveMembers | P.ManageChannels);

/** A voice channel as the app makes it: hidden, opened to the room role, the bot in, the host marked. */
function roomChannel(id: string, roleId: string | null, options: { host?: string | null; parent?: string; name?: string; extra?: Overwrite[] } = {}): DiscordChannel {
  const overwrites = [everyoneDenied, botAllowed, ...(roleId ? [roleAllows(roleId)] : []), ...(options.extra ?? [])];
  const host = options.host === undefined ? ALICE : options.host;
  if (host) overwrites.push(member(host, HOST_MARK));
  return { id, type: 2, name: options.name ?? 'Friday Magic', parent_id: options.parent ?? FIRST, user_limit: 4, permission_overwrites: overwrites };
}

function person(id: string, roles: string[], joinedAt: string | null = '2026-01-01T00:00:00.000Z', name = `user${id.slice(-1)}`): DiscordGuildMember {
  return { user: { id, username: name, global_name: name.toUpperCase(), avatar: null }, roles, joined_at: joinedAt };
}

function listing(parts: { channels?: DiscordChannel[]; roles?: DiscordRole[]; members?: DiscordGuildMember[] }): GuildListing {
  return {
    guildId: GUILD,
    botUserId: BOT,
    channels: [category(FIRST, 'Spell Rooms'), category(EXTRA, 'Spell Rooms 2'), category(ELSEWHERE, 'Lounges'), ...(parts.channels ?? [])],
    roles: [role(GUILD, '@everyone'), ...(parts.roles ?? [])],
    members: [person(BOT, []), ...(parts.members ?? [])],
    isManagedCategory: (c) => c.type === 4 && (c.id === FIRST || c.id === EXTRA),
  };
}

const ROLE = '400000000000000001';
const CHANNEL = '500000000000000001';

describe('the room id in the role name', () => {
  it('reads exactly room-<room id>: 8 to 16 of [a-z0-9], as room URLs take them', () => {
    expect(roomRoleName('abcdefghij')).toBe('room-abcdefghij');
    expect(roomIdOfRoleName('room-abcdefghij')).toBe('abcdefghij');
    expect(roomIdOfRoleName('room-abcd1234')).toBe('abcd1234');
    expect(roomIdOfRoleName('room-abcdefgh12345678')).toBe('abcdefgh12345678');
  });

  it.each([
    ['room-', 'no id'],
    ['room-abcd123', '7 characters'],
    ['room-abcdefgh123456789', '17 characters'],
    ['room-ABCDEFGHIJ', 'upper case'],
    ['Room-abcdefghij', 'a capital R'],
    ['room-abcdefghij ', 'a trailing space'],
    [' room-abcdefghij', 'a leading space'],
    ['room-abcdefghij-x', 'a suffix'],
    ['xroom-abcdefghij', 'a prefix'],
    ['room_abcdefghij', 'an underscore'],
    ['room-abcde-ghij', 'a dash inside'],
    ['room-abcdéfghij', 'a letter outside [a-z]'],
  ])('refuses %j (%s)', (name) => {
    expect(roomIdOfRoleName(name)).toBeNull();
  });
});

describe('the lock and the link generation in the role name (host controls)', () => {
  it('writes generation 0 unlocked as the plain name, and reads back whatever it writes', () => {
    expect(roomRoleName('abcdefghij', { linkGeneration: 0, locked: false })).toBe('room-abcdefghij');
    expect(roomRoleName('abcdefghij', { linkGeneration: 1 })).toBe('room-abcdefghij~1');
    expect(roomRoleName('abcdefghij', { locked: true })).toBe('room-abcdefghij~locked');
    expect(roomRoleName('abcdefghij', { linkGeneration: 12, locked: true })).toBe('room-abcdefghij~12~locked');
    const longest = roomRoleName('abcdefgh12345678', { linkGeneration: 999_999_999_999_999, locked: true });
    expect(longest.length).toBeLessThanOrEqual(100);
    expect(parseRoomRoleName(longest)).toEqual({ roomId: 'abcdefgh12345678', linkGeneration: 999_999_999_999_999, locked: true });
    for (const [gen, locked] of [[0, false], [1, false], [0, true], [7, true]] as const) {
      expect(parseRoomRoleName(roomRoleName('abcd1234', { linkGeneration: gen, locked }))).toEqual({ roomId: 'abcd1234', linkGeneration: gen, locked });
    }
    expect(() => roomRoleName('abcdefghij', { linkGeneration: 1_000_000_000_000_000 })).toThrow(RangeError);
    expect(() => roomRoleName('abcdefghij', { linkGeneration: -1 })).toThrow(RangeError);
    expect(() => roomRoleName('abcdefghij', { linkGeneration: 1.5 })).toThrow(RangeError);
  });

  it.each([
    ['room-abcdefghij~0', 'generation 0 written out'],
    ['room-abcdefghij~01', 'a leading zero'],
    ['room-abcdefghij~1000000000000000', '16 digits'],
    ['room-abcdefghij~-1', 'a negative generation'],
    ['room-abcdefghij~locked~1', 'the marks swapped'],
    ['room-abcdefghij~Locked', 'a capital L'],
    ['room-abcdefghij~lock', 'half the word'],
    ['room-abcdefghij~locked~locked', 'locked twice'],
    ['room-abcdefghij~1~2', 'two generations'],
    ['room-abcdefghij~', 'a bare tilde'],
    ['room-abcdefghij~1 ', 'a trailing space'],
    ['room-abcdefghij~１', 'a full-width digit'],
    ['room-abcd~1234', 'the tilde inside the id'],
  ])('refuses %j (%s): not a room role at all', (name) => {
    expect(parseRoomRoleName(name)).toBeNull();
    expect(roomIdOfRoleName(name)).toBeNull();
  });

  it('reads the lock, the generation and the barred back; a barred member holding the role is not seated and loses it', () => {
    const read = readRoomsFromDiscord(
      listing({
        channels: [roomChannel(CHANNEL, ROLE, { extra: [member(CAROL, 0n, BAR_DENY), member(DAVE, 0n, P.Connect), member(BOB, 0n, P.ViewChannel)] })],
        roles: [role(ROLE, 'room-abcdefghij~3~locked')],
        members: [person(ALICE, [ROLE]), person(BOB, [ROLE]), person(CAROL, [ROLE]), person(DAVE, [])],
      }),
    );
    const room = read.rooms[0]!;
    expect(room).toMatchObject({ id: 'abcdefghij', locked: true, linkGeneration: 3, players: [ALICE, BOB], hostId: ALICE });
    // Only both bits together bar: CONNECT alone (DAVE) or VIEW_CHANNEL alone (BOB) is someone else's overwrite.
    expect(room.barred).toEqual([CAROL]);
    expect(room.extraPlayers).toEqual([CAROL]);
    expect(room.profiles[CAROL]).toBeUndefined();
  });
});

describe('snowflake times', () => {
  it("reads Discord's documented example", () => {
    // https://discord.com/developers/docs/reference#snowflakes: 175928847299117063 is 2016-04-30 11:18:25.796 UTC.
    expect(snowflakeTime('175928847299117063')).toBe(Date.UTC(2016, 3, 30, 11, 18, 25, 796));
  });
});

describe('reading a room back', () => {
  it('gives the room its id, name, channel, role, creation time, host and players, and nothing to repair', () => {
    const read = readRoomsFromDiscord(
      listing({
        channels: [roomChannel(CHANNEL, ROLE, { name: 'Friday <b>Magic</b> 🃏' })],
        roles: [role(ROLE, 'room-abcdefghij')],
        members: [person(ALICE, [ROLE], '2026-01-01T00:00:00.000Z', 'alice'), person(BOB, [ROLE], '2026-01-02T00:00:00.000Z', 'bob'), person(CAROL, [], '2025-01-01T00:00:00.000Z', 'carol')],
      }),
    );
    expect(read).toEqual({
      rooms: [
        {
          id: 'abcdefghij',
          name: 'Friday <b>Magic</b> 🃏',
          channelId: CHANNEL,
          roleId: ROLE,
          createdAt: snowflakeTime(CHANNEL),
          players: [ALICE, BOB],
          extraPlayers: [],
          profiles: {
            [ALICE]: { username: 'alice', globalName: 'ALICE', avatar: null },
            [BOB]: { username: 'bob', globalName: 'BOB', avatar: null },
          },
          hostId: ALICE,
          locked: false,
          linkGeneration: 0,
          barred: [],
          formerHosts: [],
          markChanges: [],
        },
      ],
      loneRoles: [],
      loneChannels: [],
      foreignChannels: [],
    });
  });

  it('finds rooms in every managed category, not in other categories or none', () => {
    const roles = ['room-aaaaaaaaaa', 'room-bbbbbbbbbb', 'room-cccccccccc', 'room-dddddddddd'].map((name, i) => role(`40000000000000000${i + 1}`, name));
    const read = readRoomsFromDiscord(
      listing({
        channels: [
          roomChannel('500000000000000001', roles[0]!.id, { parent: FIRST }),
          roomChannel('500000000000000002', roles[1]!.id, { parent: EXTRA }),
          roomChannel('500000000000000003', roles[2]!.id, { parent: ELSEWHERE }),
          { ...roomChannel('500000000000000004', roles[3]!.id), parent_id: null },
        ],
        roles,
        members: [person(ALICE, roles.map((r) => r.id))],
      }),
    );
    expect(read.rooms.map((r) => r.id)).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb']);
    // Moved out of the rooms categories: the role has no room channel left, so it goes; the channel is not ours to judge.
    expect(read.loneRoles).toEqual([
      { roleId: roles[2]!.id, roomId: 'cccccccccc' },
      { roleId: roles[3]!.id, roomId: 'dddddddddd' },
    ]);
    expect(read.loneChannels).toEqual([]);
    expect(read.foreignChannels).toEqual([]);
  });

  it('takes no look-alike role for a room role: its channel is lone (ours) and the role is left alone', () => {
    const lookAlike = role(ROLE, 'room-ABCDEFGHIJ');
    const read = readRoomsFromDiscord(listing({ channels: [roomChannel(CHANNEL, ROLE)], roles: [lookAlike], members: [person(ALICE, [ROLE])] }));
    expect(read.rooms).toEqual([]);
    expect(read.loneRoles).toEqual([]);
    expect(read.loneChannels).toEqual([{ channelId: CHANNEL, parentId: FIRST }]);
  });

  it('needs the role to be allowed CONNECT: a role overwrite that only lets it see the channel does not make a room', () => {
    const withView = { ...roomChannel(CHANNEL, null), permission_overwrites: [everyoneDenied, botAllowed, roleAllows(ROLE, P.ViewChannel), member(ALICE, HOST_MARK)] };
    const read = readRoomsFromDiscord(listing({ channels: [withView], roles: [role(ROLE, 'room-abcdefghij')], members: [person(ALICE, [ROLE])] }));
    expect(read.rooms).toEqual([]);
    expect(read.loneRoles).toEqual([{ roleId: ROLE, roomId: 'abcdefghij' }]);
    expect(read.loneChannels).toEqual([{ channelId: CHANNEL, parentId: FIRST }]);
  });

  it('tells our channels without a role (lone: deleted) from an admin voice channel in a rooms category (left alone)', () => {
    const admins: DiscordChannel = { id: '500000000000000002', type: 2, name: 'Admins', parent_id: FIRST, permission_overwrites: [] };
    const noBot = { ...roomChannel('500000000000000003', null), permission_overwrites: [everyoneDenied] };
    const everyoneMayConnect = { ...roomChannel('500000000000000004', null), permission_overwrites: [{ ...everyoneDenied, deny: String(P.ViewChannel) }, botAllowed] };
    const botWithoutMove = { ...roomChannel('500000000000000005', null), permission_overwrites: [everyoneDenied, member(BOT, P.ViewChannel | P.Connect)] };
    const text: DiscordChannel = { id: '500000000000000006', type: 0, name: 'chat', parent_id: FIRST, permission_overwrites: [everyoneDenied, botAllowed] };
    const read = readRoomsFromDiscord(listing({ channels: [roomChannel(CHANNEL, null), admins, noBot, everyoneMayConnect, botWithoutMove, text] }));
    expect(read.loneChannels).toEqual([{ channelId: CHANNEL, parentId: FIRST }]);
    expect(read.foreignChannels).toEqual([admins.id, noBot.id, everyoneMayConnect.id, botWithoutMove.id]);
  });

  it('lists a room role with no channel as lone', () => {
    const read = readRoomsFromDiscord(listing({ roles: [role(ROLE, 'room-abcdefghij'), role('400000000000000002', 'Moderators')], members: [person(ALICE, [ROLE])] }));
    expect(read.loneRoles).toEqual([{ roleId: ROLE, roomId: 'abcdefghij' }]);
  });

  it('gives a channel opened to two room roles to the older role; the younger, with no channel of its own, is lone', () => {
    const older = role('400000000000000001', 'room-aaaaaaaaaa');
    const younger = role('400000000000000002', 'room-bbbbbbbbbb');
    const channel = roomChannel(CHANNEL, younger.id, { extra: [roleAllows(older.id)] });
    const read = readRoomsFromDiscord(listing({ channels: [channel], roles: [younger, older], members: [person(ALICE, [older.id, younger.id])] }));
    expect(read.rooms.map((r) => [r.id, r.roleId])).toEqual([['aaaaaaaaaa', older.id]]);
    expect(read.loneRoles).toEqual([{ roleId: younger.id, roomId: 'bbbbbbbbbb' }]);
  });

  it('gives a role opened by two channels to the older channel; the younger is lone, as is a second role naming the same room id', () => {
    const twin = role('400000000000000002', 'room-abcdefghij');
    const read = readRoomsFromDiscord(
      listing({
        channels: [roomChannel('500000000000000003', twin.id), roomChannel('500000000000000002', ROLE), roomChannel('500000000000000001', ROLE)],
        roles: [role(ROLE, 'room-abcdefghij'), twin],
        members: [person(ALICE, [ROLE, twin.id])],
      }),
    );
    expect(read.rooms.map((r) => r.channelId)).toEqual(['500000000000000001']);
    expect(read.loneChannels.map((c) => c.channelId)).toEqual(['500000000000000002', '500000000000000003']);
    expect(read.loneRoles).toEqual([{ roleId: twin.id, roomId: 'abcdefghij' }]);
  });

  it('names the room after its channel, or "Room" when Discord holds a name our form would refuse', () => {
    const read = (name: string) =>
      readRoomsFromDiscord(listing({ channels: [roomChannel(CHANNEL, ROLE, { name })], roles: [role(ROLE, 'room-abcdefghij')], members: [person(ALICE, [ROLE])] })).rooms[0]?.name;
    expect(read('x'.repeat(100))).toBe('x'.repeat(100));
    expect(read('  padded  ')).toBe('padded');
    expect(read('bell\u0007')).toBe('Room');
    expect(read('x'.repeat(101))).toBe('Room');
  });
});

describe('players and seat order', () => {
  const read = (members: DiscordGuildMember[], host: string | null = ALICE) =>
    readRoomsFromDiscord(listing({ channels: [roomChannel(CHANNEL, ROLE, { host })], roles: [role(ROLE, 'room-abcdefghij')], members })).rooms[0]!;

  it('puts the host first, then the others by when they joined the server, then by user id; a member with no join time last', () => {
    const room = read([
      person(DAVE, [ROLE], null),
      person(CAROL, [ROLE], '2026-01-01T00:00:00.000Z'),
      person(BOB, [ROLE], '2026-01-01T00:00:00.000Z'),
      person(ALICE, [ROLE], '2026-03-01T00:00:00.000Z'),
    ]);
    expect(room.players).toEqual([ALICE, BOB, CAROL, DAVE]);
    const later = read([person(CAROL, [ROLE], '2025-12-31T23:59:59.999Z'), person(BOB, [ROLE], '2026-01-01T00:00:00.000Z'), person(ALICE, [ROLE])]);
    expect(later.players).toEqual([ALICE, CAROL, BOB]);
  });

  it('seats at most 4 (the host, then the first by seat order); a fifth holder of the role is an extra, without a profile', () => {
    const EVE = '300000000000000005';
    const four = [person(DAVE, [ROLE], '2026-01-04T00:00:00.000Z'), person(CAROL, [ROLE], '2026-01-03T00:00:00.000Z'), person(BOB, [ROLE], '2026-01-02T00:00:00.000Z'), person(ALICE, [ROLE], '2026-03-01T00:00:00.000Z')];
    const exactly = read(four);
    expect(exactly.players).toEqual([ALICE, BOB, CAROL, DAVE]);
    expect(exactly.extraPlayers).toEqual([]);
    // Eve joined the server before everyone but the host's mark: the last by seat order (Dave) loses out, not the newest member.
    const five = read([...four, person(EVE, [ROLE], '2025-06-01T00:00:00.000Z')]);
    expect(five.players).toEqual([ALICE, EVE, BOB, CAROL]);
    expect(five.extraPlayers).toEqual([DAVE]);
    expect(Object.keys(five.profiles).sort()).toEqual([ALICE, BOB, CAROL, EVE].sort());
    expect(five.hostId).toBe(ALICE);
  });

  it('never counts the bot, even holding the role', () => {
    const room = read([person(ALICE, [ROLE]), { ...person(BOT, [ROLE]), user: { id: BOT, username: 'bot', bot: true } }]);
    expect(room.players).toEqual([ALICE]);
  });
});

describe('the host', () => {
  const overwritesOf = (changes: unknown) => JSON.parse(JSON.stringify(changes, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as unknown;
  const read = (channel: DiscordChannel, members: DiscordGuildMember[]) =>
    readRoomsFromDiscord(listing({ channels: [channel], roles: [role(ROLE, 'room-abcdefghij')], members })).rooms[0]!;

  it('is replaced by the longest-seated player when the marked host left the server: their mark goes, the new host gets one', () => {
    const room = read(roomChannel(CHANNEL, ROLE), [person(CAROL, [ROLE], '2026-01-03T00:00:00.000Z'), person(BOB, [ROLE], '2026-01-02T00:00:00.000Z')]);
    expect(room.hostId).toBe(BOB);
    expect(room.players).toEqual([BOB, CAROL]);
    expect(room.formerHosts).toEqual([ALICE]);
    expect(overwritesOf(room.markChanges)).toEqual([{ put: { id: BOB, type: 'member', allow: String(HOST_MARK), deny: '0' } }, { remove: ALICE }]);
  });

  it('is replaced the same way when the marked host is still in the server but lost the role', () => {
    const room = read(roomChannel(CHANNEL, ROLE), [person(ALICE, []), person(BOB, [ROLE])]);
    expect([room.hostId, room.formerHosts, room.players]).toEqual([BOB, [ALICE], [BOB]]);
  });

  it('is nobody when nobody holds the role: the room is over', () => {
    const room = read(roomChannel(CHANNEL, ROLE), [person(ALICE, []), person(BOB, [])]);
    expect([room.hostId, room.players]).toEqual([null, []]);
  });

  it('with two members marked, is the one seated first; the other mark is removed, and their other bits kept', () => {
    const channel = roomChannel(CHANNEL, ROLE, { host: BOB, extra: [member(ALICE, HOST_MARK | P.Stream, P.UseVAD)] });
    const room = read(channel, [person(BOB, [ROLE], '2026-01-02T00:00:00.000Z'), person(ALICE, [ROLE], '2026-01-01T00:00:00.000Z')]);
    expect(room.hostId).toBe(ALICE);
    expect(room.formerHosts).toEqual([]);
    expect(overwritesOf(room.markChanges)).toEqual([{ remove: BOB }]);
    const swapped = read(roomChannel(CHANNEL, ROLE, { host: ALICE, extra: [member(BOB, HOST_MARK | P.Stream, P.UseVAD)] }), [
      person(BOB, [ROLE], '2026-01-01T00:00:00.000Z'),
      person(ALICE, [ROLE], '2026-01-02T00:00:00.000Z'),
    ]);
    expect(swapped.hostId).toBe(BOB);
    expect(overwritesOf(swapped.markChanges)).toEqual([{ remove: ALICE }]);
    const keeps = read(roomChannel(CHANNEL, ROLE, { host: BOB, extra: [member(ALICE, HOST_MARK | P.Stream, P.UseVAD)] }), [person(BOB, [ROLE], '2026-01-01T00:00:00.000Z'), person(ALICE, [ROLE], '2026-01-02T00:00:00.000Z')]);
    expect(overwritesOf(keeps.markChanges)).toEqual([{ put: { id: ALICE, type: 'member', allow: String(P.Stream), deny: String(P.UseVAD) } }]);
  });

  it('is the first player when no one is marked (a room made before hosts were marked), and gets the mark, over bits an admin gave them', () => {
    const room = read(roomChannel(CHANNEL, ROLE, { host: null, extra: [member(BOB, P.Stream, HOST_MARK)] }), [person(BOB, [ROLE], '2026-01-01T00:00:00.000Z'), person(ALICE, [ROLE], '2026-01-02T00:00:00.000Z')]);
    expect([room.hostId, room.formerHosts]).toEqual([BOB, []]);
    expect(overwritesOf(room.markChanges)).toEqual([{ put: { id: BOB, type: 'member', allow: String(P.Stream | HOST_MARK), deny: '0' } }]);
  });

  it("ignores the mark in a role's overwrite and in the bot's own", () => {
    const channel = roomChannel(CHANNEL, ROLE, { host: null, extra: [member(BOT, HOST_MARK), roleAllows('400000000000000009', HOST_MARK)] });
    const room = read(channel, [person(ALICE, [ROLE], '2026-01-02T00:00:00.000Z'), person(BOB, [ROLE], '2026-01-01T00:00:00.000Z')]);
    expect(room.hostId).toBe(BOB);
    expect(overwritesOf(room.markChanges)).toEqual([{ put: { id: BOB, type: 'member', allow: String(HOST_MARK), deny: '0' } }]);
  });
});
