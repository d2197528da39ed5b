import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiscordChannel } from './discord-payloads.ts';
import { VoiceStateCache } from './voice-state-cache.ts';

const G = 'guild-1';
const ch = (id: string, type: number, parent: string | null = null): DiscordChannel => ({ id, type, name: id, parent_id: parent });

function seeded(): VoiceStateCache {
  const cache = new VoiceStateCache();
  cache.replaceGuild({
    id: G,
    name: 'Guild',
    owner_id: null,
    channels: [ch('cat-a', 4), ch('cat-b', 4), ch('v1', 2, 'cat-a'), ch('v2', 2, 'cat-a'), ch('t1', 0)],
    roles: [{ id: G }, { id: 'bot-role' }],
    members: [],
    voice_states: [],
  });
  return cache;
}

describe('guild inventory (channels and roles counted for Discord’s limits)', () => {
  it('counts what GUILD_CREATE lists: every channel (categories too), every role (@everyone too), children per category', () => {
    const cache = seeded();
    expect(cache.inventoryReady(G)).toBe(true);
    expect(cache.channelCount(G)).toBe(5);
    expect(cache.roleCount(G)).toBe(2);
    expect(cache.channelsUnder(G, 'cat-a')).toBe(2);
    expect(cache.channelsUnder(G, 'cat-b')).toBe(0);
    expect(cache.categories(G).map((c) => c.id).sort()).toEqual(['cat-a', 'cat-b']);
    expect(cache.hasRole(G, 'bot-role')).toBe(true);
    expect(cache.hasRole(G, 'other')).toBe(false);
  });

  it('follows CHANNEL_CREATE, a move between categories, an update that keeps the parent, and CHANNEL_DELETE', () => {
    const cache = seeded();
    cache.upsertChannel(G, ch('v3', 2, 'cat-b'));
    expect([cache.channelCount(G), cache.channelsUnder(G, 'cat-b')]).toEqual([6, 1]);
    // The same CHANNEL_CREATE twice (a replay) counts once.
    cache.upsertChannel(G, ch('v3', 2, 'cat-b'));
    expect([cache.channelCount(G), cache.channelsUnder(G, 'cat-b')]).toEqual([6, 1]);
    cache.upsertChannel(G, { ...ch('v1', 2, 'cat-a'), name: 'renamed' });
    expect(cache.channelsUnder(G, 'cat-a')).toBe(2);
    cache.upsertChannel(G, ch('v1', 2, 'cat-b'));
    expect([cache.channelsUnder(G, 'cat-a'), cache.channelsUnder(G, 'cat-b')]).toEqual([1, 2]);
    cache.upsertChannel(G, ch('v1', 2, null));
    expect([cache.channelsUnder(G, 'cat-a'), cache.channelsUnder(G, 'cat-b'), cache.channelCount(G)]).toEqual([1, 1, 6]);
    cache.deleteChannel(G, ch('v2', 2, 'cat-a'));
    expect([cache.channelsUnder(G, 'cat-a'), cache.channelCount(G)]).toEqual([0, 5]);
    // A delete of a channel never seen changes no count.
    cache.deleteChannel(G, ch('ghost', 2, 'cat-b'));
    expect([cache.channelsUnder(G, 'cat-b'), cache.channelCount(G)]).toEqual([1, 5]);
  });

  it('follows GUILD_ROLE_CREATE / UPDATE / DELETE', () => {
    const cache = seeded();
    cache.upsertRole(G, 'r1');
    cache.upsertRole(G, 'r1');
    expect(cache.roleCount(G)).toBe(3);
    cache.deleteRole(G, 'r1');
    cache.deleteRole(G, 'never-seen');
    expect(cache.roleCount(G)).toBe(2);
  });

  it('is not ready before a GUILD_CREATE, after a voice-only seed, or once marked stale', () => {
    const cache = new VoiceStateCache();
    cache.upsertChannel(G, ch('v1', 2));
    expect(cache.inventoryReady(G)).toBe(false);
    const ready = seeded();
    ready.markInventoryStale(G);
    expect([ready.inventoryReady(G), ready.isReady(G)]).toEqual([false, true]);
    ready.markStale(G);
    expect(ready.inventoryReady(G)).toBe(false);
    ready.seedGuild(G, []);
    expect(ready.isReady(G)).toBe(true);
    expect(ready.inventoryReady(G)).toBe(false);
  });

  it('agrees with a recount after any sequence of channel creates, moves and deletes (property)', () => {
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const parents = [null, 'cat-a', 'cat-b'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), id: fc.constantFrom(...ids), parent: fc.constantFrom(...parents) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids), parent: fc.constantFrom(...parents) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const cache = seeded();
        const model = new Map<string, string | null>([['cat-a', null], ['cat-b', null], ['v1', 'cat-a'], ['v2', 'cat-a'], ['t1', null]]);
        for (const o of ops) {
          if (o.kind === 'upsert') {
            cache.upsertChannel(G, ch(o.id, 2, o.parent));
            model.set(o.id, o.parent);
          } else {
            cache.deleteChannel(G, ch(o.id, 2, o.parent));
            model.delete(o.id);
          }
        }
        expect(cache.channelCount(G)).toBe(model.size);
        for (const cat of ['cat-a', 'cat-b']) {
          expect(cache.channelsUnder(G, cat)).toBe([...model.values()].filter((p) => p === cat).length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
