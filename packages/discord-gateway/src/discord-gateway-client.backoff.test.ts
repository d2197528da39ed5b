import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordGatewayClient } from './discord-gateway-client.ts';
import { GatewayState } from './gateway-state.ts';
import { FakeClock, recordingLogger } from '@repo/platform/testing';
import { waitFor } from './testing/wait-for.ts';

/**
 * A Discord whose REST answers GET /gateway/bot but whose Gateway accepts TCP connections and
 * drops them at once: every connection attempt fails before HELLO. Only the attempts are counted;
 * the pacing between them is ours and runs on the fake clock.
 */
async function brokenGateway(): Promise<{ apiUrl: string; attempts: () => number; close(): Promise<void> }> {
  let attempts = 0;
  const tcp: TcpServer = createTcpServer((socket) => {
    attempts += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const gatewayPort = (tcp.address() as AddressInfo).port;
  const http: Server = createHttpServer((req, res) => {
    if (req.url === '/api/v10/gateway/bot') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          url: `ws://127.0.0.1:${gatewayPort}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`;
  return {
    apiUrl,
    attempts: () => attempts,
    close: async () => {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('reconnect backoff (fake clock)', () => {
  it('waits 1s, 2s, 4s, 8s, 16s, 16s between failed attempts and alerts after 5 in a row', async () => {
    const server = await brokenGateway();
    cleanups.push(server.close);
    const clock = new FakeClock();
    const logger = recordingLogger();
    const client = new DiscordGatewayClient({ token: 'test-token', guildIds: ['1'], restBaseUrl: server.apiUrl, clock, logger });
    cleanups.push(() => client.stop());
    void client.start();

    await waitFor(() => server.attempts() === 1, 'the first attempt');
    for (const [failures, delayMs] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
      [5, 16_000],
      [6, 16_000],
    ] as const) {
      // The library notices the failure and asks the gate; the gate then sleeps on our clock.
      await waitFor(() => clock.pending().length === 1, `backoff sleep #${failures}`);
      expect(clock.nextDueInMs()).toBe(delayMs);
      expect(client.status()).toMatchObject({ state: GatewayState.Reconnecting, consecutiveFailures: failures });
      const before = server.attempts();
      await clock.advance(delayMs - 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.attempts()).toBe(before); // no attempt before the delay is over
      await clock.advance(1);
      await waitFor(() => server.attempts() === before + 1, `attempt after ${delayMs} ms`);
    }

    const alerts = logger.lines.filter((l) => l.level === 'error' && l.msg.includes('[Gateway]'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.obj).toMatchObject({ module: 'Gateway', consecutiveFailures: 5 });
    expect(client.status().reconnectCount).toBe(6);
    expect(JSON.stringify(logger.lines)).not.toContain('test-token');

    await client.stop();
    const attemptsAtStop = server.attempts();
    await clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.attempts()).toBe(attemptsAtStop); // stop() ends the loop, wherever it was
    expect(client.status().state).toBe(GatewayState.Disconnected);
  });

  it('retries GET /gateway/bot on the same schedule when the REST API is unreachable', async () => {
    const server = await brokenGateway();
    const apiUrl = server.apiUrl;
    await server.close(); // nothing listens there any more
    const clock = new FakeClock();
    const client = new DiscordGatewayClient({ token: 'test-token', guildIds: ['1'], restBaseUrl: apiUrl, clock });
    cleanups.push(() => client.stop());
    void client.start();
    for (const [failures, delayMs] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
    ] as const) {
      await waitFor(() => clock.pending().length === 1, 'a backoff sleep');
      expect(clock.nextDueInMs()).toBe(delayMs);
      expect(client.status().consecutiveFailures).toBe(failures);
      await clock.advance(delayMs);
    }
  });
});
