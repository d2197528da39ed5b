import { afterEach, describe, expect, it } from 'vitest';
import { DiscordGatewayClient } from './discord-gateway-client.ts';
import type { GatewayDomainEvent } from './events.ts';
import { GatewayState } from './gateway-state.ts';
import { MemorySessionInfoStore } from './session-info-store.ts';
import { Testbed } from './testing/emulator-testbed.ts';
import { waitFor } from './testing/wait-for.ts';

/**
 * R-SCALE2: the session state lives in a shared store (Redis in production; a shared in-memory
 * store stands in for it), so the instance that takes over the Gateway RESUMEs where the previous
 * one stopped.
 */

let current: Testbed | undefined;
const extra: DiscordGatewayClient[] = [];
afterEach(async () => {
  for (const c of extra.splice(0)) await c.stop();
  await current?.close();
  current = undefined;
});

/** A Testbed whose first client keeps its session in a store that another instance can read. */
async function holderWithSharedStore(): Promise<{ bed: Testbed; shared: MemorySessionInfoStore; first: DiscordGatewayClient; lounge: string }> {
  const bed = (current = await Testbed.start());
  const shared = new MemorySessionInfoStore();
  const first = await bed.connect({ sessionStore: shared });
  return { bed, shared, first, lounge: await bed.channelId('Lounge') };
}

/** Another instance's client: same emulator, same session store; stopped after the test. */
function anotherInstance(sessionStore: MemorySessionInfoStore): DiscordGatewayClient {
  const bed = current!;
  const client = new DiscordGatewayClient({ token: bed.emulator.botToken, guildIds: [bed.guildId], restBaseUrl: bed.emulator.apiUrl, sessionStore });
  extra.push(client);
  return client;
}

/** Every voice/channel/member event the client emits from now on, as [type, user id, source]. */
function recordEvents(client: DiscordGatewayClient): () => Array<[string, string, string]> {
  const events: GatewayDomainEvent[] = [];
  client.on('*', (e) => {
    if (!e.type.startsWith('guild.')) events.push(e);
  });
  return () => events.map((e) => [e.type, 'userId' in e ? e.userId : '', e.source]);
}

describe('handing the Gateway session to another instance', () => {
  it('stop({ keepSession }) lets the next holder resume; it then loads the guild snapshot', async () => {
    const { bed, shared, first, lounge } = await holderWithSharedStore();
    await bed.voice({ userId: 'alice', channelId: lounge });
    await bed.caughtUp();
    const sessionId = first.status().sessionId;
    await first.stop({ keepSession: true });
    expect(await shared.get(0)).toMatchObject({ sessionId, sequence: first.status().sequence });

    await bed.voice({ userId: 'bob', channelId: lounge }); // while nobody holds the Gateway

    const second = anotherInstance(shared);
    const events = recordEvents(second);
    await second.start();
    await waitFor(() => second.cache.isReady(bed.guildId), 'the snapshot after the takeover');
    await waitFor(() => second.status().state === GatewayState.Connected, 'connected');

    const stats = (await bed.snapshot()).gateway;
    expect(stats.resumes).toBe(1); // the takeover resumed the first instance's session...
    expect(stats.identifies).toBe(2); // ...then identified once for the guild snapshot
    // Bob's join (made while nobody held the Gateway) arrives from the replay; Alice, already in
    // voice before the takeover, from the snapshot diff.
    expect(events()).toEqual([
      ['voice.joined', bed.userId('bob'), 'dispatch'],
      ['voice.joined', bed.userId('alice'), 'resync'],
    ]);
    const truth = await bed.truth();
    expect([...second.cache.voiceStates(bed.guildId).keys()].sort()).toEqual([...truth.keys()].sort());
  });

  it('a takeover seeded with what the previous holder published resumes and never identifies', async () => {
    const { bed, shared, first, lounge } = await holderWithSharedStore();
    await bed.voice({ userId: 'alice', channelId: lounge });
    await bed.voice({ userId: 'carol', channelId: lounge });
    await bed.caughtUp();
    // What every instance was last told: the previous holder's cache at the moment it stopped.
    const published = new Map([[bed.guildId, [...first.cache.voiceStates(bed.guildId).values()]]]);
    const sessionId = first.status().sessionId;
    await first.stop({ keepSession: true });

    await bed.voice({ userId: 'bob', channelId: lounge }); // while nobody holds the Gateway
    await bed.voice({ userId: 'carol', channelId: null });

    const second = anotherInstance(shared);
    const events = recordEvents(second);
    await second.start({ takeover: { voice: published } });
    await waitFor(() => second.status().state === GatewayState.Connected, 'connected');
    await bed.voice({ userId: 'dave', channelId: lounge }); // after the takeover: a plain dispatch
    await waitFor(() => events().length === 3, 'three events');

    expect((await bed.snapshot()).gateway).toMatchObject({ resumes: 1, identifies: 1 });
    expect(second.status().sessionId).toBe(sessionId);
    // The gap arrives as ordinary, ordered events from the replay; nothing as a snapshot diff.
    expect(events()).toEqual([
      ['voice.joined', bed.userId('bob'), 'dispatch'],
      ['voice.left', bed.userId('carol'), 'dispatch'],
      ['voice.joined', bed.userId('dave'), 'dispatch'],
    ]);
    const truth = await bed.truth();
    expect([...second.cache.voiceStates(bed.guildId).keys()].sort()).toEqual([...truth.keys()].sort());
    expect(second.cache.voiceStateOf(bed.guildId, bed.userId('alice'))?.displayName).toBe(published.get(bed.guildId)![0]!.displayName);
  });

  it('a holder that gets the Gateway back reads the session its successor left, not its own', async () => {
    const { bed, shared, first, lounge } = await holderWithSharedStore();
    await first.stop({ keepSession: true });
    // The successor's session ends and it identifies afresh: its new session is the stored one.
    const second = anotherInstance(shared);
    await second.start({ takeover: { voice: null } });
    await waitFor(() => second.cache.isReady(bed.guildId), 'the successor has a snapshot');
    await second.stop();
    await second.start({ takeover: { voice: null } });
    await waitFor(() => second.cache.isReady(bed.guildId), 'the successor identified again');
    await bed.voice({ userId: 'alice', channelId: lounge });
    await waitFor(() => second.cache.channelOf(bed.guildId, bed.userId('alice')) === lounge, 'alice seen by the successor');
    const successorSession = second.status().sessionId;
    await second.stop({ keepSession: true });
    await bed.voice({ userId: 'bob', channelId: lounge });

    const resumesBefore = (await bed.snapshot()).gateway.resumes;
    const events = recordEvents(first);
    await first.start({ takeover: { voice: null } });
    await waitFor(() => first.cache.isReady(bed.guildId), 'the snapshot after getting the Gateway back');
    await waitFor(() => first.status().state === GatewayState.Connected, 'connected');
    // It resumed the successor's session (the replay brought Bob), not its own dead one, and its
    // own out-of-date cache was not trusted: Alice came from the fresh snapshot's difference.
    expect((await bed.snapshot()).gateway.resumes).toBe(resumesBefore + 1);
    expect(events()).toEqual([
      ['voice.joined', bed.userId('bob'), 'dispatch'],
      ['voice.joined', bed.userId('alice'), 'resync'],
    ]);
    expect(first.status().sessionId).not.toBe(successorSession); // the snapshot came from a fresh identify
    const truth = await bed.truth();
    expect([...first.cache.voiceStates(bed.guildId).keys()].sort()).toEqual([...truth.keys()].sort());
  });

  it('a plain stop() ends the session: the next start identifies', async () => {
    const { bed, shared, first } = await holderWithSharedStore();
    await first.stop();
    expect(await shared.get(0)).toBeNull();
    await first.start();
    await waitFor(() => first.cache.isReady(bed.guildId), 'the snapshot');
    const stats = (await bed.snapshot()).gateway;
    expect(stats).toMatchObject({ identifies: 2, resumes: 0, connections: 1 });
  });
});
