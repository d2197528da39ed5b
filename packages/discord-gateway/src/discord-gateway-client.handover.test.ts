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

let bed: Testbed | undefined;
const extra: DiscordGatewayClient[] = [];
afterEach(async () => {
  for (const c of extra.splice(0)) await c.stop();
  await bed?.close();
  bed = undefined;
});

describe('handing the Gateway session to another instance', () => {
  it('stop({ keepSession }) lets the next holder resume; it then loads the guild snapshot', async () => {
    bed = await Testbed.start();
    const shared = new MemorySessionInfoStore();
    const first = await bed.connect({ sessionStore: shared });
    const lounge = await bed.channelId('Lounge');
    await bed.voice({ userId: 'alice', channelId: lounge });
    await bed.caughtUp();
    const sessionId = first.status().sessionId;
    await first.stop({ keepSession: true });
    expect(await shared.get(0)).toMatchObject({ sessionId, sequence: first.status().sequence });

    await bed.voice({ userId: 'bob', channelId: lounge }); // while nobody holds the Gateway

    const second = new DiscordGatewayClient({
      token: bed.emulator.botToken,
      guildIds: [bed.guildId],
      restBaseUrl: bed.emulator.apiUrl,
      sessionStore: shared,
    });
    extra.push(second);
    const events: GatewayDomainEvent[] = [];
    second.on('*', (e) => events.push(e));
    await second.start();
    await waitFor(() => second.cache.isReady(bed!.guildId), 'the snapshot after the takeover');
    await waitFor(() => second.status().state === GatewayState.Connected, 'connected');

    const stats = (await bed.snapshot()).gateway;
    expect(stats.resumes).toBe(1); // the takeover resumed the first instance's session...
    expect(stats.identifies).toBe(2); // ...then identified once for the guild snapshot
    // Bob's join (made while nobody held the Gateway) arrives from the replay; Alice, already in
    // voice before the takeover, from the snapshot diff.
    expect(events.map((e) => [e.type, 'userId' in e ? e.userId : '', e.source])).toEqual([
      ['voice.joined', bed.userId('bob'), 'dispatch'],
      ['voice.joined', bed.userId('alice'), 'resync'],
    ]);
    const truth = await bed.truth();
    expect([...second.cache.voiceStates(bed.guildId).keys()].sort()).toEqual([...truth.keys()].sort());
  });

  it('a plain stop() ends the session: the next start identifies', async () => {
    bed = await Testbed.start();
    const shared = new MemorySessionInfoStore();
    const first = await bed.connect({ sessionStore: shared });
    await first.stop();
    expect(await shared.get(0)).toBeNull();
    await first.start();
    await waitFor(() => first.cache.isReady(bed!.guildId), 'the snapshot');
    const stats = (await bed.snapshot()).gateway;
    expect(stats).toMatchObject({ identifies: 2, resumes: 0, connections: 1 });
  });
});
