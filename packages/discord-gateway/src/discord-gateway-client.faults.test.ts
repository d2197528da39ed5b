import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GatewayDomainEvent } from './events.ts';
import { GatewayState } from './gateway-state.ts';
import { Testbed } from './testing/emulator-testbed.ts';
import { waitFor } from './testing/wait-for.ts';

/**
 * One test per Gateway fault. Each: a baseline in voice, the fault, four voice changes made while
 * the client is cut off, then recovery. Every change must arrive exactly once — from the replay
 * when the session resumes, from the GUILD_CREATE diff when it cannot — and the cache must equal
 * the emulator's state.
 */

let bed: Testbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const recoveries: Array<{ fault: string; recovery: string; reconnectedMs: number | null; deliveredMs: number }> = [];
afterAll(() => {
  console.table(recoveries);
});

const key = (e: GatewayDomainEvent): string => {
  switch (e.type) {
    case 'voice.joined':
      return `joined ${e.userId} ${e.channelId}`;
    case 'voice.left':
      return `left ${e.userId} ${e.previousChannelId}`;
    case 'voice.updated':
      return `updated ${e.userId} ${e.changed.join(',')}`;
    case 'channel.deleted':
      return `channel.deleted ${e.channelId}`;
    case 'member.removed':
      return `member.removed ${e.userId}`;
    case 'guild.listed':
      return `guild.listed ${e.guildIds.join(',')}`;
    default:
      return `${e.type} ${e.guildId}`;
  }
};

async function outage(
  name: string,
  inject: (bed: Testbed) => Promise<void>,
  recovery: 'resume' | 'identify',
  expectedReconnects: number,
): Promise<void> {
  bed = await Testbed.start({ heartbeatIntervalMs: 300 });
  const client = await bed.connect();
  const lounge = await bed.channelId('Lounge');
  const room = await bed.createVoiceChannel('Room 2');
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => bed!.userId(n)) as [string, string, string, string];

  await bed.voice({ userId: 'alice', channelId: lounge });
  await bed.voice({ userId: 'carol', channelId: lounge });
  await bed.voice({ userId: 'dave', channelId: room });
  await bed.caughtUp();
  const before = bed.events.length;
  const statsBefore = (await bed.snapshot()).gateway;
  const sessionBefore = client.status().sessionId;

  const t0 = Date.now();
  await inject(bed);
  // Made while the client is cut off: the fault already closed, froze or invalidated its session.
  await bed.voice({ userId: 'bob', channelId: lounge });
  await bed.voice({ userId: 'alice', channelId: room });
  await bed.voice({ userId: 'carol', selfMute: true });
  await bed.voice({ userId: 'dave', channelId: null });

  const expected = [
    `joined ${bob} ${lounge}`,
    `left ${alice} ${lounge}`,
    `joined ${alice} ${room}`,
    `updated ${carol} selfMute`,
    `left ${dave} ${room}`,
  ];
  await waitFor(() => bed!.events.length - before >= expected.length, `${expected.length} events after ${name}`, 20_000);
  const deliveredMs = Date.now() - t0;
  await waitFor(() => client.status().state === GatewayState.Connected, 'CONNECTED again', 20_000);
  const back = bed.states.findLast((s) => s.state === GatewayState.Connected && s.realAt >= t0);
  const reconnectedMs = back ? back.realAt - t0 : null; // null: the session never left the socket
  await bed.caughtUp();
  await new Promise((resolve) => setTimeout(resolve, 400)); // room for a duplicate to show up

  const after = bed.events.slice(before);
  if (recovery === 'resume') {
    expect(after.map(key)).toEqual(expected); // the replay, in order
    expect(after.every((e) => e.source === 'dispatch')).toBe(true);
    expect(client.status().sessionId).toBe(sessionBefore);
  } else {
    expect(after.map(key).sort()).toEqual([...expected].sort()); // the diff: same facts, cache order
    expect(after.every((e) => e.source === 'resync')).toBe(true);
    expect(client.status().sessionId).not.toBe(sessionBefore);
  }
  expect(bed.cached()).toEqual(await bed.truth());

  const stats = (await bed.snapshot()).gateway;
  if (recovery === 'resume') {
    expect(stats.resumes).toBeGreaterThan(statsBefore.resumes);
    expect(stats.identifies).toBe(statsBefore.identifies);
  } else {
    expect(stats.identifies).toBe(statsBefore.identifies + 1);
  }
  expect(stats.connections).toBe(1);
  expect(client.status().reconnectCount).toBe(expectedReconnects);
  expect(client.status().consecutiveFailures).toBe(0);
  recoveries.push({ fault: name, recovery, reconnectedMs, deliveredMs });
}

describe('recovery from Gateway faults (emulator)', () => {
  it('connection dropped (1006): resumes and replays what was missed', async () => {
    await outage('drop 1006', async (b) => void (await b.fault({ kind: 'gateway.drop' })), 'resume', 1);
  });

  it('server RECONNECT (op 7): resumes and replays', async () => {
    await outage('op 7 reconnect', async (b) => void (await b.fault({ kind: 'gateway.reconnect' })), 'resume', 1);
  });

  it('zombie connection (no heartbeat ACKs): detected, resumed, replayed', async () => {
    await outage('zombie', async (b) => void (await b.fault({ kind: 'gateway.zombie' })), 'resume', 1);
  });

  it('INVALID_SESSION resumable (op 9 true): resumes and replays', async () => {
    await outage(
      'op 9 resumable',
      async (b) => void (await b.fault({ kind: 'gateway.invalidSession', resumable: true })),
      'resume',
      0, // answered with a RESUME on the same socket: no new connection
    );
  });

  it('INVALID_SESSION not resumable (op 9 false): re-identifies and emits the differences', async () => {
    await outage(
      'op 9 not resumable',
      async (b) => void (await b.fault({ kind: 'gateway.invalidSession', resumable: false })),
      'identify',
      1,
    );
  });

  it('a RESUME after the emulator forgot the session: refused, re-identifies, emits the differences', async () => {
    await outage(
      'resume after forget',
      async (b) => {
        await b.fault({ kind: 'gateway.forgetSessions' });
        await b.fault({ kind: 'gateway.drop' });
      },
      'identify',
      2, // the refused RESUME, then the IDENTIFY (after a 1 s backoff: the resume attempt failed)
    );
  });
});
