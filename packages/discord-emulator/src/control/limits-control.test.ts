import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawGatewayClient } from '../gateway/gateway-harness.ts';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { botApi, controlApi, type ApiCall } from '../test-helpers.ts';
import { FakeClock } from '@repo/platform/testing';

/** The control API's handles on the identify budget and the gateway outage. */

let emu: EmulatorHandle;
let control: ApiCall;
const clock = new FakeClock();
beforeEach(async () => {
  emu = await startEmulator({ port: 0, now: () => clock.now(), sessionStartLimit: { total: 5 } });
  control = controlApi(emu);
});
afterEach(async () => {
  await emu.close();
});

const sessionStartLimit = async () => ((await botApi(emu)('GET', '/gateway/bot')).body as { session_start_limit: unknown }).session_start_limit;

describe('POST /_emulator/session-start-limit', () => {
  it('sets remaining and reset_after, as GET /gateway/bot then reports', async () => {
    const res = await control('POST', 'session-start-limit', { remaining: 0, resetAfterMs: 5_000 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sessionStartLimit: { total: 5, remaining: 0, reset_after: 5_000, max_concurrency: 1 } });
    expect(await sessionStartLimit()).toEqual({ total: 5, remaining: 0, reset_after: 5_000, max_concurrency: 1 });
  });

  it('refuses a bad body with 400 and changes nothing', async () => {
    for (const body of [{ remaining: 6 }, { remaining: -1 }, {}, { remaining: 1, extra: true }, { resetAfterMs: 'soon' }]) {
      const res = await control('POST', 'session-start-limit', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(/^invalid request/);
    }
    expect(await sessionStartLimit()).toMatchObject({ remaining: 5 });
  });

  it('the in-process handle does the same, and a reset restores the start options', async () => {
    emu.gateway.sessionStartLimit.set({ remaining: 1 });
    expect(await sessionStartLimit()).toMatchObject({ remaining: 1 });
    await control('POST', 'reset');
    expect(await sessionStartLimit()).toMatchObject({ remaining: 5 });
    expect((await control('GET', 'state')).body.gateway.sessionStartLimit).toMatchObject({ total: 5, remaining: 5 });
  });
});

describe('POST /_emulator/faults/gateway-outage', () => {
  it('cuts the bot off for durationMs on the emulator’s clock', async () => {
    const c = await RawGatewayClient.connect(`${emu.gatewayUrl}?v=10&encoding=json`);
    await c.next();
    c.identify(emu.botToken);
    await c.nextDispatch('READY');

    const res = await control('POST', 'faults/gateway-outage', { durationMs: 30_000 });
    expect(res.body).toEqual({ ok: true, affected: 1 });
    expect((await c.closed).code).toBe(1006);
    await expect(RawGatewayClient.connect(`${emu.gatewayUrl}?v=10&encoding=json`)).rejects.toThrow('503');
    expect((await control('GET', 'state')).body.gateway.outageRemainingMs).toBe(30_000);

    await clock.advance(30_000);
    const after = await RawGatewayClient.connect(`${emu.gatewayUrl}?v=10&encoding=json`);
    expect((await after.next()).op).toBe(GatewayOpcodes.Hello);
    after.terminate();
  });

  it('refuses a bad body with 400 and starts nothing; a reset ends an outage', async () => {
    for (const body of [{}, { durationMs: -1 }, { durationMs: 1.5 }, { durationMs: 86_400_001 }, { durationMs: 10, kind: 'x' }]) {
      expect((await control('POST', 'faults/gateway-outage', body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(emu.gateway.stats().outageRemainingMs).toBe(0);
    emu.gateway.startOutage(60_000);
    await control('POST', 'reset');
    expect(emu.gateway.stats().outageRemainingMs).toBe(0);
  });
});
