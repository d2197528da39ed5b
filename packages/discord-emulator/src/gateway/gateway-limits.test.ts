import { GatewayCloseCodes, GatewayOpcodes, type APIGatewayBotInfo } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, TEST_RESUME_WINDOW_MS, until, type Harness, type RawGatewayClient } from './gateway-harness.ts';
import { INBOUND_FRAMES_PER_WINDOW, INBOUND_WINDOW_MS } from './inbound-rate-limit.ts';

/**
 * Discord's Gateway limits and the outage fault: the 120-commands-per-minute send limit, the
 * identify budget (session_start_limit) and a Gateway that cannot be reached for a while.
 */

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const DAY_MS = 24 * 60 * 60_000;

async function gatewayBot(): Promise<APIGatewayBotInfo> {
  const res = await fetch(`${h.apiUrl}/v10/gateway/bot`);
  return (await res.json()) as APIGatewayBotInfo;
}

async function identified(): Promise<{ c: RawGatewayClient; sessionId: string }> {
  const c = await h.connect();
  const ready = await c.handshake(h.token);
  return { c, sessionId: ready.d.session_id as string };
}

/** For tests that move the clock by minutes: no heartbeat or identify deadline fires meanwhile. */
async function patientHarness(): Promise<void> {
  await h.close();
  h = await startHarness({ heartbeatIntervalMs: 600_000, identifyTimeoutMs: 600_000 });
}

/** Sends `n` heartbeats and waits for their `n` ACKs. */
async function heartbeats(c: RawGatewayClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) c.send(GatewayOpcodes.Heartbeat, null);
  for (let i = 0; i < n; i++) expect((await c.next()).op).toBe(GatewayOpcodes.HeartbeatAck);
}

describe('the send limit: 120 commands per 60 s per connection, then 4008', () => {
  it('uses Discord’s numbers', () => {
    expect([INBOUND_FRAMES_PER_WINDOW, INBOUND_WINDOW_MS]).toEqual([120, 60_000]);
  });

  it('accepts the 120th command and closes 4008 on the 121st', async () => {
    const c = await h.connect();
    await c.next();
    await heartbeats(c, 120);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.send(GatewayOpcodes.Heartbeat, null);
    expect(await c.closed).toEqual({ code: GatewayCloseCodes.RateLimited, reason: 'You are being rate limited' });
  });

  it('counts per connection: another socket has its own 120', async () => {
    const a = await h.connect();
    await a.next();
    await heartbeats(a, 120);
    const b = await h.connect();
    await b.next();
    await heartbeats(b, 120);
    expect([a.ws.readyState, b.ws.readyState]).toEqual([a.ws.OPEN, b.ws.OPEN]);
  });

  it('starts a new window 60 s after the first command, not before', async () => {
    await patientHarness();
    const c = await h.connect();
    await c.next();
    await heartbeats(c, 120);
    await h.clock.advance(INBOUND_WINDOW_MS);
    await heartbeats(c, 120);
    await h.clock.advance(INBOUND_WINDOW_MS - 1);
    c.send(GatewayOpcodes.Heartbeat, null);
    expect((await c.closed).code).toBe(GatewayCloseCodes.RateLimited);
  });

  it('counts IDENTIFY and other commands, not only heartbeats', async () => {
    const { c } = await identified();
    await heartbeats(c, 119);
    c.send(GatewayOpcodes.Heartbeat, null);
    expect((await c.closed).code).toBe(GatewayCloseCodes.RateLimited);
  });
});

describe('session_start_limit: the identify budget', () => {
  it('starts at Discord’s 1000 per 24 h, max_concurrency 1', async () => {
    expect((await gatewayBot()).session_start_limit).toEqual({ total: 1000, remaining: 1000, reset_after: DAY_MS, max_concurrency: 1 });
  });

  it('an accepted IDENTIFY takes one start; a RESUME and a refused IDENTIFY take none', async () => {
    const { c, sessionId } = await identified();
    expect((await gatewayBot()).session_start_limit.remaining).toBe(999);

    c.terminate();
    await until(() => h.gateway.stats().connections === 0);
    const r = await h.connect();
    await r.next();
    r.resume(h.token, sessionId, 2);
    expect((await r.next()).t).toBe('RESUMED');

    const bad = await h.connect();
    await bad.next();
    bad.identify('not-the-token');
    expect((await bad.closed).code).toBe(GatewayCloseCodes.AuthenticationFailed);
    expect((await gatewayBot()).session_start_limit.remaining).toBe(999);
  });

  it('at remaining 0 an IDENTIFY gets INVALID_SESSION d:false and no READY; the socket may try again', async () => {
    h.gateway.sessionStartLimit.set({ remaining: 1 });
    await identified();
    expect((await gatewayBot()).session_start_limit.remaining).toBe(0);

    const c = await h.connect();
    await c.next();
    c.identify(h.token);
    expect(await c.next()).toEqual({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
    c.send(GatewayOpcodes.Heartbeat, null);
    expect((await c.next()).op).toBe(GatewayOpcodes.HeartbeatAck);
    expect(h.gateway.stats().identifies).toBe(1);
    expect((await gatewayBot()).session_start_limit.remaining).toBe(0);
  });

  it('a RESUME is accepted at remaining 0', async () => {
    const { c, sessionId } = await identified();
    h.gateway.sessionStartLimit.set({ remaining: 0 });
    c.terminate();
    await until(() => h.gateway.stats().connections === 0);
    const r = await h.connect();
    await r.next();
    r.resume(h.token, sessionId, 2);
    expect((await r.next()).t).toBe('RESUMED');
    expect(h.gateway.stats().resumes).toBe(1);
  });

  it('reset_after counts down on the clock; at 0 ms the budget is back to total for another 24 h', async () => {
    await patientHarness();
    h.gateway.sessionStartLimit.set({ remaining: 0, resetAfterMs: 5_000 });
    await h.clock.advance(1_000);
    expect((await gatewayBot()).session_start_limit).toMatchObject({ remaining: 0, reset_after: 4_000 });

    const c = await h.connect();
    await c.next();
    await h.clock.advance(3_999);
    expect((await gatewayBot()).session_start_limit).toMatchObject({ remaining: 0, reset_after: 1 });
    c.identify(h.token);
    expect((await c.next()).op).toBe(GatewayOpcodes.InvalidSession);

    await h.clock.advance(1);
    expect((await gatewayBot()).session_start_limit).toMatchObject({ remaining: 1000, reset_after: DAY_MS });
    c.identify(h.token);
    expect((await c.nextDispatch('READY')).s).toBe(1);
    expect((await gatewayBot()).session_start_limit.remaining).toBe(999);
  });
});

describe('gateway outage fault', () => {
  it('cuts off every socket (1006), even one still in HELLO, and refuses upgrades with 503', async () => {
    const { c } = await identified();
    const fresh = await h.connect();
    await fresh.next();
    expect(h.gateway.startOutage(10_000)).toBe(2);
    expect((await c.closed).code).toBe(1006);
    expect((await fresh.closed).code).toBe(1006);
    await expect(h.connect()).rejects.toThrow('Unexpected server response: 503');
    expect(h.gateway.stats()).toMatchObject({ connections: 0, outageRemainingMs: 10_000 });
  });

  it('ends at its duration on the clock (one ms before, still refused)', async () => {
    h.gateway.startOutage(10_000);
    await h.clock.advance(9_999);
    await expect(h.connect()).rejects.toThrow('503');
    await h.clock.advance(1);
    const c = await h.connect();
    expect((await c.next()).op).toBe(GatewayOpcodes.Hello);
    expect(h.gateway.stats().outageRemainingMs).toBe(0);
  });

  it('a session within its resume window when the outage ends RESUMEs and gets what happened meanwhile', async () => {
    const { c, sessionId } = await identified();
    h.gateway.startOutage(TEST_RESUME_WINDOW_MS - 1);
    await c.closed;
    const alice = h.state.findUser('alice')?.id ?? '';
    const lounge = h.state.channels(h.guildId).find((ch) => ch.name === 'Lounge')?.id ?? '';
    h.state.setVoiceState(h.guildId, alice, { channelId: lounge });
    await h.clock.advance(TEST_RESUME_WINDOW_MS - 1);

    const r = await h.connect();
    await r.next();
    r.resume(h.token, sessionId, 2);
    expect(await r.next()).toMatchObject({ t: 'VOICE_STATE_UPDATE', s: 3 });
    expect((await r.next()).t).toBe('RESUMED');
  });

  it('a session whose resume window passed during the outage gets INVALID_SESSION d:false, then IDENTIFY works', async () => {
    const { c, sessionId } = await identified();
    h.gateway.startOutage(TEST_RESUME_WINDOW_MS + 1);
    await c.closed;
    await h.clock.advance(TEST_RESUME_WINDOW_MS + 1);

    const r = await h.connect();
    await r.next();
    r.resume(h.token, sessionId, 2);
    expect(await r.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: false });
    r.identify(h.token);
    expect((await r.nextDispatch('READY')).d.session_id).not.toBe(sessionId);
  });

  it('startOutage(0) ends an outage now; a bad duration is refused and changes nothing', async () => {
    h.gateway.startOutage(60_000);
    expect(() => h.gateway.startOutage(-1)).toThrow(RangeError);
    expect(() => h.gateway.startOutage(1.5)).toThrow(RangeError);
    expect(h.gateway.stats().outageRemainingMs).toBe(60_000);
    expect(h.gateway.startOutage(0)).toBe(0);
    expect((await (await h.connect()).next()).op).toBe(GatewayOpcodes.Hello);
  });
});
