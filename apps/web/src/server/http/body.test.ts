import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { decodeUtf8, parseJsonText, readBodyBytes, readJsonBody } from './body.ts';

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('http://localhost:3000/api/rooms', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe('readBodyBytes', () => {
  it('reads a body of exactly the limit and refuses one byte more with 413', async () => {
    expect((await readBodyBytes(post(new Uint8Array(100)), 100)).byteLength).toBe(100);
    expect((await failure(readBodyBytes(post(new Uint8Array(101)), 100))).status).toBe(413);
  });

  it('refuses a declared Content-Length past the limit without reading', async () => {
    const request = post(streamOf([new Uint8Array(10)]), { 'content-length': '101' });
    expect((await failure(readBodyBytes(request, 100))).status).toBe(413);
    expect(request.bodyUsed).toBe(false);
  });

  it('stops reading a chunked body that grows past the limit', async () => {
    const chunks = [new Uint8Array(60), new Uint8Array(60), new Uint8Array(1_000_000)];
    expect((await failure(readBodyBytes(post(streamOf(chunks)), 100))).status).toBe(413);
    expect((await readBodyBytes(post(streamOf([new Uint8Array(60), new Uint8Array(40)])), 100)).byteLength).toBe(100);
  });
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8, emoji included', () => {
    expect(decodeUtf8(new TextEncoder().encode('Friday 🃏 é'))).toBe('Friday 🃏 é');
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded as UTF-8', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a byte that never appears in UTF-8', [0xff]],
    ['Latin-1 é', [0x63, 0x61, 0x66, 0xe9]],
  ])('refuses %s with 400 instead of storing U+FFFD', async (_what, bytes) => {
    const error = await failure(() => decodeUtf8(new Uint8Array(bytes)));
    expect(error.status).toBe(400);
    expect(error.options.reason).toBe('invalid_utf8');
  });
});

describe('parseJsonText and readJsonBody', () => {
  it('parses JSON, and treats an empty body as no body', async () => {
    expect(parseJsonText('{"name":"x"}')).toEqual({ name: 'x' });
    expect(parseJsonText('  ')).toBeUndefined();
    expect(await readJsonBody(post('{"name":"🃏"}'), 100)).toEqual({ name: '🃏' });
  });

  it('refuses bad JSON with 400', async () => {
    expect((await failure(() => parseJsonText('{nope'))).options.reason).toBe('invalid_json');
  });

  it('refuses a lone surrogate escape (valid JSON, no UTF-8 form) in values and keys', async () => {
    expect((await failure(() => parseJsonText('{"name":"a\\ud800b"}'))).options.reason).toBe('invalid_utf8');
    expect((await failure(() => parseJsonText('{"name":"\\udc00"}'))).options.reason).toBe('invalid_utf8');
    expect((await failure(() => parseJsonText('{"\\ud800":"x"}'))).options.reason).toBe('invalid_utf8');
    expect((await failure(() => parseJsonText('["ok",["\\ud83c"]]'))).options.reason).toBe('invalid_utf8');
    // A proper pair (🃏) is fine.
    expect(parseJsonText('{"name":"\\ud83c\\udccf"}')).toEqual({ name: '🃏' });
  });

  it('refuses raw invalid bytes in a JSON body with 400', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"name":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')]);
    expect((await failure(readJsonBody(post(bytes), 100))).options.reason).toBe('invalid_utf8');
  });
});
