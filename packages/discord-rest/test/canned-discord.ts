import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a status with a JSON body, a hang (never answers) or a connection reset. */
export type CannedReply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { hang: true }
  | { reset: true };

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/**
 * A tiny HTTP server answering `METHOD /api/v10/path` from per-route scripts; the last reply of a script
 * repeats. Unit tests use it where the emulator is too smart (exact malformed replies, resets).
 */
export class CannedDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly #scripts = new Map<string, CannedReply[]>();
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<CannedDiscord> {
    const canned = new CannedDiscord();
    await new Promise<void>((resolve) => canned.#server.listen(0, '127.0.0.1', resolve));
    return canned;
  }

  get apiBaseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api`;
  }

  /** Script the replies for `METHOD /path` (path without /api/v10). */
  on(method: string, path: string, ...replies: CannedReply[]): this {
    this.#scripts.set(`${method} ${path}`, replies);
    return this;
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').replace(/^\/api\/v10/, '');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
    const script = this.#scripts.get(`${method} ${path}`);
    const reply = script && script.length > 1 ? script.shift() : script?.[0];
    if (!reply) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '404: Not Found', code: 0 }));
    } else if ('hang' in reply) {
      this.#hanging.add(res);
    } else if ('reset' in reply) {
      req.socket.destroy();
    } else {
      const hasBody = reply.body !== undefined;
      res.writeHead(reply.status, { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...reply.headers });
      res.end(hasBody ? JSON.stringify(reply.body) : undefined);
    }
  }
}

/** Discord's JSON error body. */
export function discordError(status: number, code: number, message: string, errors?: unknown): CannedReply {
  return { status, body: errors === undefined ? { code, message } : { code, message, errors } };
}

export function tooManyRequests(retryAfterS: number, options: { global?: boolean; scope?: 'user' | 'shared' | 'global'; bucket?: string } = {}): CannedReply {
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: retryAfterS, global: options.global ?? false },
    headers: {
      'retry-after': String(Math.ceil(retryAfterS)),
      'x-ratelimit-scope': options.scope ?? (options.global ? 'global' : 'user'),
      ...(options.global ? { 'x-ratelimit-global': 'true' } : {}),
      ...(options.bucket ? { 'x-ratelimit-bucket': options.bucket } : {}),
    },
  };
}
