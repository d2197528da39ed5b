import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * A tiny load balancer for `pnpm dev:cluster`: one port in front of several instances, each HTTP
 * request and each WebSocket to the next instance in turn, nothing sticky. Exactly what the
 * scale-out design promises to survive (any instance serves any request), and an instance that
 * is down is skipped, so killing one shows the failover from a browser. Not for production: use
 * a real load balancer there.
 */
export interface RoundRobinProxy {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(options: { port: number; host?: string; targets: () => Array<{ host: string; port: number }> }): Promise<RoundRobinProxy> {
  let next = 0;
  /** Targets in the order to try them for one request: the next one first, then the others. */
  const rotation = () => {
    const targets = options.targets();
    const start = next++ % Math.max(1, targets.length);
    return [...targets.slice(start), ...targets.slice(0, start)];
  };

  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const tryTarget = (candidates: Array<{ host: string; port: number }>) => {
        const target = candidates[0];
        if (!target) {
          res.writeHead(502, { 'content-type': 'text/plain' }).end('No instance is up.\n');
          return;
        }
        // No connection reuse: a pooled socket to an instance that just died would fail the request.
        const upstream = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers: forwarded(req), agent: false }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.rawHeaders);
          up.pipe(res);
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          // Refused: that instance is down; the request never reached it, so the next may take it.
          if (error.code === 'ECONNREFUSED' && !res.headersSent) tryTarget(candidates.slice(1));
          else if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`Upstream error: ${error.message}\n`);
          else res.destroy();
        });
        upstream.end(Buffer.concat(body));
      };
      tryTarget(rotation());
    });
  });

  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => client.destroy());
    const tryTarget = (candidates: Array<{ host: string; port: number }>) => {
      const target = candidates[0];
      if (!target) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = connect(target.port, target.host, () => {
        // Replay the upgrade request as received, then splice the two sockets together.
        const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
        const headers = forwarded(req);
        for (const [name, value] of Object.entries(headers)) {
          for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${v}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.on('error', () => upstream.destroy());
      });
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && !upstream.readyState.startsWith('open')) tryTarget(candidates.slice(1));
        else client.destroy();
      });
    };
    tryTarget(rotation());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forwarded(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  const peer = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${String(headers['x-forwarded-for'])}, ${peer}` : peer;
  headers['x-forwarded-host'] = req.headers.host;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}
