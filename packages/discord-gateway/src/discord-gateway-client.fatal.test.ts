import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayFatalError } from './errors.ts';
import { GatewayState } from './gateway-state.ts';
import { Testbed } from './testing/emulator-testbed.ts';

let bed: Testbed | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await bed?.close();
  bed = undefined;
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const connectionAttempts = (bed: Testbed): number => bed.logger.lines.filter((l) => l.msg.includes('Connecting to ws')).length;

/** Answers GET /gateway/bot without checking the token, so the bad token reaches the Gateway's IDENTIFY. */
async function lenientGatewayBot(gatewayUrl: string): Promise<string> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v10/gateway/bot') {
      res.end(
        JSON.stringify({
          url: gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

describe('fatal close codes', () => {
  it('Gateway close 4004 (bad token at IDENTIFY): stops with an error, no further attempt', async () => {
    bed = await Testbed.start();
    const restBaseUrl = await lenientGatewayBot(bed.emulator.gatewayUrl);
    const client = bed.createClient({ token: 'not-the-bot-token', restBaseUrl });

    const error = await client.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayFatalError);
    expect(error).toMatchObject({ code: 4004 });
    expect((error as GatewayFatalError).reason).toMatch(/token/);

    await settle(1_500); // three times the library's own reconnect pause
    expect(connectionAttempts(bed)).toBe(1);
    expect((await bed.snapshot()).gateway).toMatchObject({ connections: 0, identifies: 0 });
    expect(client.status()).toMatchObject({
      state: GatewayState.Disconnected,
      fatalError: { code: 4004 },
    });
    expect(bed.states.at(-1)).toMatchObject({ state: GatewayState.Disconnected, error: expect.any(GatewayFatalError) });
    const alert = bed.logger.lines.find((l) => l.level === 'error');
    expect(alert?.msg).toContain('[Gateway]');
    expect(JSON.stringify(bed.logger.lines)).not.toContain('not-the-bot-token');
  });

  it('a token the REST API refuses (401 on /gateway/bot) is the same fatal error, before any socket', async () => {
    bed = await Testbed.start();
    const client = bed.createClient({ token: 'not-the-bot-token' });
    await expect(client.start()).rejects.toMatchObject({ name: 'GatewayFatalError', code: 4004 });
    await settle(1_500);
    expect(connectionAttempts(bed)).toBe(0);
    const snap = await bed.snapshot();
    expect(snap.gateway.identifies).toBe(0);
    expect(client.status().state).toBe(GatewayState.Disconnected);
  });
});
