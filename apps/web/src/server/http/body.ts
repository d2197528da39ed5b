import { AppError } from '../errors.ts';

/**
 * Request bodies as our doors read them: bounded before they are buffered, and text only when it is
 * valid UTF-8. A lossy decode (`request.text()`) turns invalid bytes into U+FFFD, which would then
 * be stored and shown as "���"; the fatal decoder refuses them instead.
 */

/** The body's bytes; 413 as soon as it passes `maxBytes` (declared or actually sent). */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // A chunked body that never declared its size: stop reading here.
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text; 400 when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, what = 'The request body'): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError('validation', `${what} is not valid UTF-8.`, { reason: 'invalid_utf8' });
  }
}

// A UTF-16 surrogate half without its partner: JSON's `\ud800` escape makes one from valid UTF-8,
// and no UTF-8 encoding of it exists (it would be stored as U+FFFD).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** True when every string in a parsed JSON value (keys included) is well-formed Unicode. */
export function isWellFormedJson(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormedText(value);
  if (Array.isArray(value)) return value.every(isWellFormedJson);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(([key, item]) => isWellFormedText(key) && isWellFormedJson(item));
  }
  return true;
}

/** Bounded, strictly decoded JSON: 413 when too large, 400 when not UTF-8, not JSON, or holding broken text. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  return parseJsonText(decodeUtf8(await readBodyBytes(request, maxBytes)));
}

/** JSON text → value; undefined for an empty body; 400 for anything else that is not well-formed JSON. */
export function parseJsonText(text: string, what = 'The request body'): unknown {
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('validation', `${what} is not valid JSON.`, { reason: 'invalid_json' });
  }
  if (!isWellFormedJson(json)) throw new AppError('validation', `${what} holds text that is not valid Unicode.`, { reason: 'invalid_utf8' });
  return json;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('too_large', `The request body is too large (at most ${maxBytes} bytes).`);
}
