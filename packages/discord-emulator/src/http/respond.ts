import type { IncomingMessage, ServerResponse } from 'node:http';

/** Response and request-body helpers shared by the REST, OAuth and control surfaces. */

export type HeaderMap = Record<string, string>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: HeaderMap = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Discord's 204s carry neither a body nor a Content-Type; clients branch on that. */
export function sendNoContent(res: ServerResponse, headers: HeaderMap = {}): void {
  res.writeHead(204, headers);
  res.end();
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: HeaderMap = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

/** 1 MiB is far above anything the routes accept; larger bodies are cut off rather than buffered. */
const MAX_BODY_BYTES = 1 << 20;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
