import { afterEach, describe, expect, it } from 'vitest';
import { GatewayState } from './gateway-state.ts';
import { Testbed } from './testing/emulator-testbed.ts';
import { FakeClock, flushMicrotasks } from '@repo/platform/testing';
import { waitFor } from './testing/wait-for.ts';

/**
 * Discord's limits as the Gateway client sees them, against the emulator: the identify budget
 * (session_start_limit) and the guild inventory that room placement counts on.
 */

let bed: Testbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const identifies = async (b: Testbed) => (await b.snapshot()).gateway.identifies;

describe('identify budget (session_start_limit)', () => {
  it('at remaining 0 waits reset_after on its clock instead of identifying, shows it, then identifies', async () => {
    bed = await Testbed.start({ sessionStartLimit: { remaining: 0, resetAfterMs: 60_000 } });
    const clock = new FakeClock();
    const client = bed.createClient({ clock });
    let started = false;
    void client.start().then(() => (started = true));

    await waitFor(() => clock.pending().length === 1, 'the wait for the identify budget');
    // The emulator's reset_after runs on real time: a few ms may have passed since it was set.
    const waitMs = clock.nextDueInMs()!;
    expect(waitMs).toBeGreaterThan(59_000);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect(client.status()).toMatchObject({
      state: GatewayState.Connecting,
      identifyBlockedUntil: clock.now() + waitMs,
      sessionStartLimit: { total: 1000, remaining: 0 },
    });
    const alert = bed.logger.lines.find((l) => l.level === 'error' && l.msg.startsWith('[Gateway] Discord allows no more IDENTIFYs'));
    expect(alert?.obj).toMatchObject({ module: 'Gateway', sessionStartLimit: { remaining: 0 } });
    expect(await identifies(bed)).toBe(0);

    // Discord's period rolls over; one tick before the wait ends nothing happens.
    await bed.control('session-start-limit', { remaining: 1000 });
    await clock.advance(waitMs - 1);
    expect(clock.pending()).toHaveLength(1);
    expect(await identifies(bed)).toBe(0);
    await clock.advance(1);
    await waitFor(() => started, 'READY after the budget reset');
    expect(client.status()).toMatchObject({ state: GatewayState.Connected, identifyBlockedUntil: null, sessionStartLimit: { remaining: 999 } });
    expect(await identifies(bed)).toBe(1);
  });

  it('a session Discord ends while no start is left waits too, without burning IDENTIFYs; a RESUME needs none', async () => {
    bed = await Testbed.start({ sessionStartLimit: { total: 5, remaining: 1, resetAfterMs: 120_000 } });
    const clock = new FakeClock();
    const client = await bed.connect({ clock });
    expect(await identifies(bed)).toBe(1);

    // A dropped connection resumes: no session start is spent, nothing waits.
    const resumesBefore = (await bed.snapshot()).gateway.resumes;
    await bed.fault({ kind: 'gateway.drop' });
    await waitFor(() => client.status().state === GatewayState.Reconnecting, 'the drop');
    await waitFor(() => client.status().state === GatewayState.Connected, 'the resume');
    expect((await bed.snapshot()).gateway.resumes).toBe(resumesBefore + 1);
    expect(client.status().identifyBlockedUntil).toBeNull();

    // Not resumable: a fresh IDENTIFY is due, and Discord has none left.
    await bed.fault({ kind: 'gateway.invalidSession', resumable: false });
    await waitFor(() => client.status().identifyBlockedUntil !== null, 'the identify budget to block');
    expect(client.status().state).toBe(GatewayState.Reconnecting);
    await flushMicrotasks();
    expect(await identifies(bed)).toBe(1);

    await bed.control('session-start-limit', { remaining: 5 });
    await clock.advance(120_000);
    await waitFor(() => client.status().state === GatewayState.Connected, 'READY after the reset');
    expect(await identifies(bed)).toBe(2);
    expect(client.status().identifyBlockedUntil).toBeNull();
  });

  it('stop() during the wait ends it: no socket, no identify', async () => {
    bed = await Testbed.start({ sessionStartLimit: { remaining: 0, resetAfterMs: 60_000 } });
    const clock = new FakeClock();
    const client = bed.createClient({ clock });
    const started = client.start();
    await waitFor(() => clock.pending().length === 1, 'the wait');
    await client.stop();
    await started;
    expect(client.status().state).toBe(GatewayState.Disconnected);
    expect(clock.pending()).toHaveLength(0);
    expect((await bed.snapshot()).gateway.connections).toBe(0);
  });
});

describe('guild inventory (what room placement counts)', () => {
  it('matches the emulator after GUILD_CREATE and follows channel and role changes made through REST', async () => {
    bed = await Testbed.start();
    const client = await bed.connect();
    const g = bed.guildId;
    const truth = async () => {
      const guild = (await bed!.snapshot()).guilds.find((x) => x.id === g)!;
      return { channels: guild.channels.length, roles: guild.roles.length };
    };
    const counts = () => ({ channels: client.inventory.channelCount(g), roles: client.inventory.roleCount(g) });
    expect(client.inventory.inventoryReady(g)).toBe(true);
    expect(counts()).toEqual(await truth());

    const category = (await bed.rest('POST', `/guilds/${g}/channels`, { name: 'Spell Rooms', type: 4 })) as { id: string };
    const voice = (await bed.rest('POST', `/guilds/${g}/channels`, { name: 'Room', type: 2, parent_id: category.id })) as { id: string };
    const role = (await bed.rest('POST', `/guilds/${g}/roles`, { name: 'room-x' })) as { id: string };
    await waitFor(() => client.inventory.hasRole(g, role.id) && client.inventory.channelsUnder(g, category.id) === 1, 'CHANNEL_CREATE and GUILD_ROLE_CREATE');
    expect(counts()).toEqual(await truth());
    expect(client.inventory.categories(g).map((c) => c.name)).toContain('Spell Rooms');

    // Deleting the category moves its channel to the top level (CHANNEL_UPDATE parent_id null).
    await bed.rest('DELETE', `/channels/${category.id}`);
    await bed.rest('DELETE', `/guilds/${g}/roles/${role.id}`);
    await waitFor(() => !client.inventory.hasRole(g, role.id) && client.inventory.channel(g, voice.id)?.parentId === null, 'the deletes');
    expect(client.inventory.channelsUnder(g, category.id)).toBe(0);
    expect(counts()).toEqual(await truth());

    // Stopped, nothing keeps the counts current: they no longer claim to be the whole truth.
    await client.stop();
    expect(client.inventory.inventoryReady(g)).toBe(false);
  });
});
