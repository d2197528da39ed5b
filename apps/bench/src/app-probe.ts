/**
 * What the bench reads from the app from outside: Prometheus metrics (event-loop lag, slow-consumer
 * closes) and `/api/health` (open connections). Either may be missing on an older build; callers
 * get null then, never an exception.
 */
import { WebSocket } from 'ws';
import { monoMs, sleep } from './clock.ts';
import { type LatencySummary, summarize } from './stats.ts';

export async function scrapeMetrics(baseUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${baseUrl}/api/metrics`);
    const text = await res.text();
    return res.ok ? text : null;
  } catch {
    return null;
  }
}

/** A metric's value by name suffix (the app prefixes its metrics), summed over label sets. */
export function metricValue(text: string | null, suffix: string): number | null {
  if (!text) return null;
  let total: number | null = null;
  const re = new RegExp(`^\\w*${suffix}(?:\\{[^}]*\\})?\\s+([-+\\d.eE]+|NaN)\\s*$`, 'gm');
  for (const m of text.matchAll(re)) total = (total ?? 0) + Number(m[1]);
  return total;
}

export interface EventLoopLag {
  /** prom-client's monitorEventLoopDelay percentiles since the previous scrape, in ms. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function eventLoopLag(text: string | null): EventLoopLag {
  const ms = (v: number | null) => (v === null ? null : v * 1000);
  return {
    p50Ms: ms(metricValue(text, 'nodejs_eventloop_lag_p50_seconds')),
    p99Ms: ms(metricValue(text, 'nodejs_eventloop_lag_p99_seconds')),
    maxMs: ms(metricValue(text, 'nodejs_eventloop_lag_max_seconds')),
  };
}

export async function healthConnections(baseUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${baseUrl}/api/health`);
    const body = (await res.json()) as { connections?: unknown; hub?: { connections?: unknown } };
    const n = body.connections ?? body.hub?.connections;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}

/**
 * Round trips of WebSocket ping → pong on `/api/ws` every `everyMs` while running: the pong is
 * written by the app's JS (ws answers pings on the event loop), so this is an outside view of how
 * long the app's event loop keeps a frame waiting, at almost no cost to the app (unlike an HTTP
 * probe: /api/health does real work). The connection never authenticates, so it is renewed before
 * the hub's 5 s auth deadline.
 */
export function startPingProbe(wsUrl: string, everyMs = 100): { stop(): Promise<LatencySummary> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      ws.on('error', () => undefined);
      const opened = await new Promise<boolean>((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('close', () => resolve(false));
      });
      if (!opened) {
        await sleep(everyMs);
        continue;
      }
      let sentAt = 0;
      ws.on('pong', () => {
        if (sentAt) samples.push(monoMs() - sentAt);
        sentAt = 0;
      });
      const until = monoMs() + 4_000;
      while (running && monoMs() < until && ws.readyState === WebSocket.OPEN) {
        if (sentAt === 0) {
          sentAt = monoMs();
          ws.ping();
        }
        await sleep(everyMs);
      }
      ws.terminate();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return summarize(samples);
    },
  };
}
