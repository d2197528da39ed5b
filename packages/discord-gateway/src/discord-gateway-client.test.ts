import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayDomainEvent } from './events.ts';
import { GatewayState } from './gateway-state.ts';
import { Testbed } from './testing/emulator-testbed.ts';
import { waitFor } from './testing/wait-for.ts';

let bed: Testbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

/** A compact, order-preserving description of events for assertions. */
const describeEvents = (events: GatewayDomainEvent[]): string[] =>
  events.map((e) => {
    switch (e.type) {
      case 'voice.joined':
        return `joined ${e.username} ${e.channelId}`;
      case 'voice.left':
        return `left ${e.userId} ${e.previousChannelId}`;
      case 'voice.updated':
        return `updated ${e.username} ${e.changed.join(',')}`;
      case 'channel.deleted':
        return `channel.deleted ${e.channelId}`;
      case 'member.removed':
        return `member.removed ${e.userId}`;
      case 'guild.listed':
        return `guild.listed ${e.guildIds.join(',')}`;
      default:
        return `${e.type} ${e.guildId}`;
    }
  });

describe('DiscordGatewayClient against the emulator', () => {
  it('connects, seeds the cache from GUILD_CREATE and reports its state', async () => {
    bed = await Testbed.start();
    const lounge = await bed.channelId('Lounge');
    await bed.voice({ userId: 'carol', channelId: lounge, selfDeaf: true });
    const client = await bed.connect();

    expect(bed.events).toEqual([]); // the first snapshot seeds silently
    expect(client.cache.channelOf(bed.guildId, bed.userId('carol'))).toBe(lounge);
    expect(client.cache.membersIn(bed.guildId, lounge).get(bed.userId('carol'))).toMatchObject({
      username: 'carol',
      globalName: 'Carol',
      displayName: 'Carol',
      selfDeaf: true,
    });
    const status = client.status();
    expect(status).toMatchObject({
      state: GatewayState.Connected,
      reconnectCount: 0,
      consecutiveFailures: 0,
      readyGuildIds: [bed.guildId],
      fatalError: null,
    });
    expect(status.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(status.sequence).toBeGreaterThanOrEqual(2);
    expect(bed.states.map((s) => s.state)).toEqual([GatewayState.Connecting, GatewayState.Identifying, GatewayState.Connected]);
    await waitFor(() => client.status().heartbeatLatencyMs !== null, 'a heartbeat ACK');
    expect(JSON.stringify(bed.logger.lines)).not.toContain(bed.emulator.botToken);
  });

  it('turns a join, a second join, a mute, a move, a server deafen and a leave into events, in order', async () => {
    bed = await Testbed.start();
    const lounge = await bed.channelId('Lounge');
    const client = await bed.connect();
    const room = await bed.createVoiceChannel('Room 2');
    const alice = bed.userId('alice');

    await bed.voice({ userId: 'alice', channelId: lounge });
    await bed.voice({ userId: 'bob', channelId: lounge });
    await bed.voice({ userId: 'alice', selfMute: true });
    await bed.voice({ userId: 'alice', channelId: room });
    await bed.voice({ userId: 'bob', deaf: true });
    await bed.voice({ userId: 'alice', channelId: null });
    await bed.caughtUp();

    expect(describeEvents(bed.events)).toEqual([
      `joined alice ${lounge}`,
      `joined bob ${lounge}`,
      'updated alice selfMute',
      `left ${alice} ${lounge}`,
      `joined alice ${room}`,
      'updated bob deaf',
      `left ${alice} ${room}`,
    ]);
    const joined = bed.events[0];
    if (joined?.type !== 'voice.joined') throw new Error('expected voice.joined first');
    expect(joined).toMatchObject({
      type: 'voice.joined',
      guildId: bed.guildId,
      channelId: lounge,
      userId: alice,
      username: 'alice',
      globalName: 'Alice',
      selfMute: false,
      selfDeaf: false,
      mute: false,
      deaf: false,
      source: 'dispatch',
    });
    expect(typeof joined.avatar).toBe('string');
    const sequences = bed.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // A move is left then joined from the same dispatch.
    expect(bed.events[3]?.sequence).toBe(bed.events[4]?.sequence);
    for (const e of bed.events) expect(e.receivedAt).toBeGreaterThan(0);

    expect(client.cache.membersIn(bed.guildId, lounge).get(bed.userId('bob'))?.deaf).toBe(true);
    expect(client.cache.channelOf(bed.guildId, alice)).toBeNull();
    expect(bed.cached()).toEqual(await bed.truth());
  });

  it('reports a channel deleted with people in it, and a member removed from the guild', async () => {
    bed = await Testbed.start();
    await bed.connect();
    const room = await bed.createVoiceChannel('Doomed');
    const bob = bed.userId('bob');
    const dave = bed.userId('dave');
    await bed.voice({ userId: 'bob', channelId: room });
    await bed.voice({ userId: 'dave', channelId: room });
    await bed.caughtUp();
    bed.events.length = 0;

    await bed.deleteChannel(room);
    await bed.caughtUp();
    expect(describeEvents(bed.events).sort()).toEqual([`channel.deleted ${room}`, `left ${bob} ${room}`, `left ${dave} ${room}`].sort());
    expect(bed.events.at(-1)?.type).toBe('channel.deleted');
    expect(bed.events.filter((e) => e.type === 'voice.left')).toHaveLength(2); // no duplicate from Discord's own updates
    expect(bed.client.cache.channel(bed.guildId, room)).toBeNull();

    bed.events.length = 0;
    const lounge = await bed.channelId('Lounge');
    await bed.voice({ userId: 'bob', channelId: lounge });
    await bed.caughtUp();
    bed.removeMember(bob);
    await bed.caughtUp();
    expect(describeEvents(bed.events)).toEqual([`joined bob ${lounge}`, `left ${bob} ${lounge}`, `member.removed ${bob}`]);
    expect(bed.cached()).toEqual(await bed.truth());
  });

  it('a listener that throws does not stop the others or the cache', async () => {
    bed = await Testbed.start();
    const client = await bed.connect();
    const lounge = await bed.channelId('Lounge');
    const seen: string[] = [];
    client.on('voice.joined', () => {
      throw new Error('buggy subscriber');
    });
    const off = client.on('voice.joined', (e) => seen.push(e.username ?? '?'));
    await bed.voice({ userId: 'erin', channelId: lounge });
    await bed.caughtUp();
    off();
    await bed.voice({ userId: 'frank', channelId: lounge });
    await bed.caughtUp();
    expect(seen).toEqual(['erin']);
    expect(client.cache.membersIn(bed.guildId, lounge).size).toBe(2);
    expect(bed.logger.lines.some((l) => l.level === 'error' && l.msg.includes('listener'))).toBe(true);
  });

  it('stop() at any moment of the first connect returns and leaves no socket or session behind', async () => {
    bed = await Testbed.start();
    const moments: Array<[string, (client: ReturnType<Testbed['createClient']>) => Promise<void>]> = [
      ['immediately', async () => undefined],
      ['after 3 ms', () => new Promise((resolve) => setTimeout(resolve, 3))],
      ['after 10 ms', () => new Promise((resolve) => setTimeout(resolve, 10))],
      ['on IDENTIFYING', (client) => waitForState(client, GatewayState.Identifying)],
      ['on CONNECTED', (client) => waitForState(client, GatewayState.Connected)],
    ];
    for (const [moment, reach] of moments) {
      const client = bed.createClient();
      void client.start();
      await reach(client);
      await client.stop();
      await new Promise((resolve) => setTimeout(resolve, 700)); // past the library's 500 ms reconnect pause
      const { gateway } = await bed.snapshot();
      expect(gateway.connections, `stopped ${moment}`).toBe(0);
      expect(gateway.sessions.filter((s) => s.connected), `stopped ${moment}`).toEqual([]);
      expect(client.status().state).toBe(GatewayState.Disconnected);
    }
  });
});

/** Resolves in the same tick the client enters `state` (polling would miss IDENTIFYING). */
function waitForState(client: ReturnType<Testbed['createClient']>, state: GatewayState): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('gateway.state', (e) => {
      if (e.state === state) {
        off();
        resolve();
      }
    });
  });
}
