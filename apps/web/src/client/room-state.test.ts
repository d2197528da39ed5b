import type { RoomEvent, RoomSnapshot, VoiceMember } from '@repo/protocol';
import fc from 'fast-check';
import { voiceMember } from '@repo/protocol/testing';
import { describe, expect, it } from 'vitest';
import { type RoomChannel, emptyChannel, reduceRoom, seededChannel, voiceOutsiders } from './room-state.ts';

const ROOM = 'abcdefgh12';

const member = voiceMember;

function snapshot(seq: number, voice: VoiceMember[] = []): RoomSnapshot {
  return {
    roomId: ROOM,
    room: { id: ROOM, name: 'Friday Magic', creatorId: 'alice', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false },
    players: [
      { userId: 'alice', username: 'alice', globalName: 'Alice', avatarUrl: null, creator: true },
      { userId: 'bob', username: 'bob', globalName: 'Bob', avatarUrl: null, creator: false },
    ],
    spectators: [],
    voice,
    seq,
  };
}

const joined = (seq: number, m: VoiceMember): RoomEvent => ({ event: 'voice.joined', payload: { roomId: ROOM, seq, member: m } });
const updated = (seq: number, m: VoiceMember): RoomEvent => ({ event: 'voice.updated', payload: { roomId: ROOM, seq, member: m } });
const left = (seq: number, userId: string): RoomEvent => ({ event: 'voice.left', payload: { roomId: ROOM, seq, userId } });

function live(seq: number, voice: VoiceMember[] = []): RoomChannel {
  return reduceRoom(emptyChannel(ROOM), { type: 'snapshot', snapshot: snapshot(seq, voice) }).channel;
}

function apply(channel: RoomChannel, ...events: RoomEvent[]) {
  let resubscribes = 0;
  for (const event of events) {
    const step = reduceRoom(channel, { type: 'event', event });
    channel = step.channel;
    if (step.resubscribe) resubscribes++;
  }
  return { channel, resubscribes };
}

describe('room state', () => {
  it('applies a snapshot, then events in order: joined and updated upsert, left removes', () => {
    const { channel, resubscribes } = apply(
      live(5),
      joined(6, member('bob')),
      updated(7, member('bob', { selfMute: true })),
      joined(8, member('carol')),
      left(9, 'carol'),
    );
    expect(resubscribes).toBe(0);
    expect(channel.sync).toBe('live');
    expect(channel.view?.seq).toBe(9);
    expect(channel.view?.voice).toEqual([member('bob', { selfMute: true })]);
  });

  it('is idempotent: a replayed event changes nothing, an updated-before-joined still lands', () => {
    const once = apply(live(0), joined(1, member('bob'))).channel;
    const twice = apply(once, joined(1, member('bob'))).channel;
    expect(twice).toBe(once);
    // voice.updated for someone we never saw join is an upsert, not an error.
    const upserted = apply(live(0), updated(1, member('dave', { selfDeaf: true }))).channel;
    expect(upserted.view?.voice).toEqual([member('dave', { selfDeaf: true })]);
    // voice.left for someone not there is harmless.
    expect(apply(live(0), left(1, 'nobody')).channel.view?.voice).toEqual([]);
  });

  it('detects a sequence gap: asks to resubscribe once and ignores events until the fresh snapshot', () => {
    const start = live(3, [member('bob')]);
    const gap = reduceRoom(start, { type: 'event', event: left(5, 'bob') });
    expect(gap.resubscribe).toBe(true);
    expect(gap.channel.sync).toBe('resyncing');
    // The stale view stays on screen meanwhile; later events neither apply nor ask again.
    expect(gap.channel.view?.voice).toEqual([member('bob')]);
    const more = apply(gap.channel, left(6, 'bob'), joined(7, member('erin')));
    expect(more.resubscribes).toBe(0);
    expect(more.channel.view?.seq).toBe(3);

    const resent = reduceRoom(more.channel, { type: 'subscribing' }).channel;
    const fresh = reduceRoom(resent, { type: 'snapshot', snapshot: snapshot(7, [member('erin')]) }).channel;
    expect(fresh.sync).toBe('live');
    expect(fresh.view?.voice).toEqual([member('erin')]);
    // And the stream continues from the snapshot's seq.
    expect(apply(fresh, joined(8, member('bob'))).channel.view?.voice.map((m) => m.userId)).toEqual(['erin', 'bob']);
  });

  it('treats an unreadable event as a gap', () => {
    const step = reduceRoom(live(1), { type: 'unreadable' });
    expect(step.resubscribe).toBe(true);
    expect(step.channel.sync).toBe('resyncing');
  });

  it('ignores events before the subscription’s snapshot, even with a view seeded from the page load', () => {
    const seeded = seededChannel(snapshot(2));
    expect(seeded.sync).toBe('pending');
    const step = reduceRoom(seeded, { type: 'event', event: joined(3, member('bob')) });
    expect(step.resubscribe).toBe(false);
    expect(step.channel).toBe(seeded);
  });

  it('follows room updates, the closing warning and its cancellation', () => {
    const players = [
      { userId: 'alice', username: 'alice', globalName: 'Alice', avatarUrl: null, creator: true },
      { userId: 'bob', username: 'bob', globalName: 'Bob', avatarUrl: null, creator: false },
      { userId: 'carol', username: 'carol', globalName: 'Carol', avatarUrl: null, creator: false },
    ];
    const base = live(0);
    const { channel } = apply(base, {
      event: 'room.updated',
      payload: { roomId: ROOM, seq: 1, room: base.view!.room, players, spectators: [{ userId: 'frank', username: 'frank', globalName: 'Frank', avatarUrl: null }] },
    });
    expect(channel.view?.players.map((p) => p.userId)).toEqual(['alice', 'bob', 'carol']);
    expect(channel.view?.spectators.map((p) => p.userId)).toEqual(['frank']);

    const closing = apply(channel, { event: 'room.closing', payload: { roomId: ROOM, seq: 2, secondsLeft: 30, closingAt: 1_030_000 } }).channel;
    expect(closing.view?.room.closingAt).toBe(1_030_000);
    const cancelled = apply(closing, { event: 'room.closing.cancelled', payload: { roomId: ROOM, seq: 3 } }).channel;
    expect(cancelled.view?.room.closingAt).toBeNull();
  });

  it('ends at room.deleted, gap or not, and stays ended', () => {
    const deleted = apply(live(4), { event: 'room.deleted', payload: { roomId: ROOM, seq: 9, reason: 'closed' } });
    expect(deleted.resubscribes).toBe(0);
    expect(deleted.channel.sync).toBe('deleted');
    expect(deleted.channel.deleted).toBe('closed');
    expect(reduceRoom(deleted.channel, { type: 'subscribing' }).channel.sync).toBe('deleted');
    expect(reduceRoom(deleted.channel, { type: 'snapshot', snapshot: snapshot(10) }).channel.sync).toBe('deleted');
  });

  it('records a refused subscription', () => {
    const failed = reduceRoom(emptyChannel(ROOM), { type: 'failed', code: 'rate_limited', message: 'At most 20 rooms per connection.' }).channel;
    expect(failed.sync).toBe('failed');
    expect(failed.error).toEqual({ code: 'rate_limited', message: 'At most 20 rooms per connection.' });
    expect(reduceRoom(failed, { type: 'subscribing' }).channel.sync).toBe('pending');
  });

  it('takes "forbidden" as this user being out of the room: the view stays, events stop applying, access coming back revives it', () => {
    const before = live(3, [member('bob')]);
    const revoked = reduceRoom(before, { type: 'failed', code: 'forbidden', message: 'You cannot watch this room.' }).channel;
    expect(revoked).toMatchObject({ sync: 'revoked', error: { code: 'forbidden', message: 'You cannot watch this room.' }, deleted: null });
    expect(revoked.view).toEqual(before.view);
    const after = apply(revoked, left(4, 'bob'), joined(9, member('zed')));
    expect(after.channel).toBe(revoked);
    expect(after.resubscribes).toBe(0);
    // Refused before any snapshot (access lost between the page load and the subscribe): the same.
    expect(reduceRoom(emptyChannel(ROOM), { type: 'failed', code: 'forbidden', message: 'x' }).channel.sync).toBe('revoked');
    const again = reduceRoom(reduceRoom(revoked, { type: 'subscribing' }).channel, { type: 'snapshot', snapshot: snapshot(7) }).channel;
    expect(again).toMatchObject({ sync: 'live', error: null, view: { seq: 7 } });
  });

  it('keeps why a revocation happened (removed by the host, left), and forgets it when access comes back', () => {
    const removed = reduceRoom(live(3), { type: 'failed', code: 'forbidden', message: 'You cannot watch this room.', reason: 'removed' }).channel;
    expect(removed).toMatchObject({ sync: 'revoked', error: { code: 'forbidden', reason: 'removed' } });
    const left = reduceRoom(live(3), { type: 'failed', code: 'forbidden', message: 'You cannot watch this room.', reason: 'left' }).channel;
    expect(left.error?.reason).toBe('left');
    // Without a reason the error has no reason key at all (the page shows its general words).
    expect(reduceRoom(live(3), { type: 'failed', code: 'forbidden', message: 'x' }).channel.error).toEqual({ code: 'forbidden', message: 'x' });
    const back = reduceRoom(reduceRoom(removed, { type: 'subscribing' }).channel, { type: 'snapshot', snapshot: snapshot(9) }).channel;
    expect(back).toMatchObject({ sync: 'live', error: null });
  });

  it('keeps a deleted room deleted, with its reason, whatever error follows', () => {
    const deleted = apply(live(4), { event: 'room.deleted', payload: { roomId: ROOM, seq: 5, reason: 'idle' } }).channel;
    for (const code of ['not_found', 'forbidden', 'rate_limited']) {
      expect(reduceRoom(deleted, { type: 'failed', code, message: 'x' }).channel).toBe(deleted);
    }
  });

  it('takes a subscribe refused because the room was closed as the room being gone', () => {
    const gone = reduceRoom(emptyChannel(ROOM), { type: 'failed', code: 'not_found', message: 'This room has been closed.' }).channel;
    expect(gone).toMatchObject({ sync: 'deleted', deleted: 'closed', error: null });
  });

  it('lists voice members who are not players (joined from Discord directly)', () => {
    const view = live(0, [member('bob'), member('zed', { signedIn: false })]).view!;
    expect(voiceOutsiders(view).map((m) => m.userId)).toEqual(['zed']);
  });

  it('property: duplicates and replays anywhere in the stream never change the outcome', () => {
    const users = ['alice', 'bob', 'carol', 'dave', 'zed'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('join' as const), user: fc.constantFrom(...users), mute: fc.boolean() }),
      fc.record({ kind: fc.constant('update' as const), user: fc.constantFrom(...users), mute: fc.boolean() }),
      fc.record({ kind: fc.constant('leave' as const), user: fc.constantFrom(...users), mute: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), (ops, replays) => {
        const events = ops.map((o, i): RoomEvent => {
          const seq = i + 1;
          if (o.kind === 'leave') return left(seq, o.user);
          return o.kind === 'join' ? joined(seq, member(o.user, { selfMute: o.mute })) : updated(seq, member(o.user, { selfMute: o.mute }));
        });
        const clean = apply(live(0), ...events);
        // Replay earlier events at random points: each is already applied, so it is ignored.
        const noisy: RoomEvent[] = [];
        events.forEach((e, i) => {
          noisy.push(e);
          for (const r of replays) if (r % (events.length + 1) === i) noisy.push(events[r % (i + 1)]!);
        });
        const dirty = apply(live(0), ...noisy);
        expect(dirty.resubscribes).toBe(0);
        expect(dirty.channel.view).toEqual(clean.channel.view);
        // And the outcome is "who is in voice": each user at most once, with their last flags.
        const ids = clean.channel.view!.voice.map((m) => m.userId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
    );
  });
});
