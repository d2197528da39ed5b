import { describe, expect, it } from 'vitest';
import { RequestLimits, SERVER_FN_BASE, guardRequest } from './request-guard.ts';

const APP = 'http://localhost:3000';
const KNOWN_FN = 'e22147372c1062620a58aeb27869490216ed1a8091a958d6a4cda2f1539eaa4b';
// What Start's client sends for `redeem({ data: { token: 'abc' } })` (see server-fn-payload.test.ts).
const PAYLOAD = '{"t":{"t":10,"i":0,"p":{"k":["data"],"v":[{"t":10,"i":1,"p":{"k":["token"],"v":[{"t":1,"s":"abc"}]},"o":0}]},"o":0},"f":127,"m":[]}';

const asked: string[] = [];
const options = {
  appOrigin: APP,
  // Start's resolver knows one function here; the process-level tests ask the real one.
  serverFnExists: async (id: string) => {
    asked.push(id);
    return id === KNOWN_FN;
  },
};

async function status(request: Request): Promise<number> {
  const result = await guardRequest(request, options);
  return result.ok ? 0 : result.error.status;
}

const get = (path: string, headers: Record<string, string> = {}) => new Request(`${APP}${path}`, { headers });
const call = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(`${APP}${SERVER_FN_BASE}${KNOWN_FN}`, {
    method: 'POST',
    body,
    headers: { origin: APP, 'content-type': 'application/json', ...headers },
    duplex: 'half',
  } as RequestInit);

describe('path limits', () => {
  it('lets an invite token of exactly the limit through and refuses one character more with 404', async () => {
    expect(await status(get(`/invite/${'a'.repeat(RequestLimits.inviteTokenMaxLength)}`))).toBe(0);
    expect(await status(get(`/invite/${'a'.repeat(RequestLimits.inviteTokenMaxLength + 1)}`))).toBe(404);
    expect(await status(get(`/invite/${'a'.repeat(5_000)}`))).toBe(404);
  });

  it('lets a room id of 64 characters through and refuses 65 on the page and the API', async () => {
    for (const prefix of ['/rooms/', '/api/rooms/']) {
      expect(await status(get(`${prefix}${'a'.repeat(64)}`)), prefix).toBe(0);
      expect(await status(get(`${prefix}${'a'.repeat(65)}`)), prefix).toBe(404);
    }
    expect(await status(get(`/api/rooms/${'a'.repeat(64)}/voice`))).toBe(0);
    expect(await status(get(`/api/rooms/${'a'.repeat(65)}/voice`))).toBe(404);
  });

  it('measures the path as sent: percent-encoding counts', async () => {
    expect(await status(get(`/rooms/${'%41'.repeat(21)}a`))).toBe(0); // 64 characters
    expect(await status(get(`/rooms/${'%41'.repeat(21)}ab`))).toBe(404);
  });

  it('refuses any path longer than the longest route', async () => {
    expect(await status(get(`/${'a'.repeat(RequestLimits.pathMaxLength - 1)}`))).toBe(0);
    expect(await status(get(`/${'a'.repeat(RequestLimits.pathMaxLength)}`))).toBe(404);
  });
});

describe('the CSRF rule on every write', () => {
  it('refuses a foreign or missing Origin on any write, and lets reads through', async () => {
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH']) {
      expect(await status(new Request(`${APP}/api/rooms`, { method, headers: { origin: 'http://localhost:3000.evil.com' } })), method).toBe(403);
      expect(await status(new Request(`${APP}/auth/logout`, { method })), method).toBe(403);
      expect(await status(new Request(`${APP}/api/rooms`, { method, headers: { origin: APP } })), method).toBe(0);
    }
    expect(await status(get('/api/rooms', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }))).toBe(0);
    expect(await status(new Request(`${APP}/`, { method: 'HEAD' }))).toBe(0);
  });

  it('refuses cross-site server-function calls before looking the function up', async () => {
    asked.length = 0;
    expect(await status(call(PAYLOAD, { origin: 'http://localhost:30000' }))).toBe(403);
    expect(await status(call(PAYLOAD, { origin: '' }))).toBe(403);
    expect(asked).toEqual([]);
  });
});

describe('server functions', () => {
  it('lets a well-formed call through with its body intact', async () => {
    const result = await guardRequest(call(PAYLOAD), options);
    expect(result.ok).toBe(true);
    if (result.ok) expect(await result.request.text()).toBe(PAYLOAD);
    expect(await status(call(''))).toBe(0); // a function without input
  });

  it('answers 404 for an unknown id, and for ids that cannot be one without asking Start', async () => {
    asked.length = 0;
    expect(await status(call(PAYLOAD, {}))).toBe(0);
    const unknown = new Request(`${APP}${SERVER_FN_BASE}${'f'.repeat(64)}`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(await status(unknown)).toBe(404);
    expect(asked).toEqual([KNOWN_FN, 'f'.repeat(64)]);
    for (const id of ['', 'a.b', '..%2F..', 'x'.repeat(RequestLimits.serverFnIdMaxLength + 1)]) {
      expect(await status(get(`${SERVER_FN_BASE}${id}`)), id).toBe(404);
    }
    expect(asked).toHaveLength(2);
  });

  it('answers 400 for garbage bodies and 415 for a body that is not JSON', async () => {
    expect(await status(call('{nope'))).toBe(400);
    expect(await status(call('{"data":{"token":"abc"}}'))).toBe(400); // JSON, but not what Start's client sends
    expect(await status(call('"\\ud800"'))).toBe(400);
    expect(await status(call(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe(400); // invalid UTF-8
    expect(await status(call(PAYLOAD, { 'content-type': 'text/plain' }))).toBe(415);
    expect(await status(call(PAYLOAD, { 'content-type': 'multipart/form-data; boundary=x' }))).toBe(415);
    expect(await status(call(PAYLOAD, { 'content-type': 'application/jsonx' }))).toBe(415);
    expect(await status(call(PAYLOAD, { 'content-type': 'application/json; charset=utf-8' }))).toBe(0);
  });

  it('takes a body of exactly the limit and answers 413 one byte past it', async () => {
    const padded = (bytes: number) => PAYLOAD + ' '.repeat(bytes - PAYLOAD.length);
    expect(await status(call(padded(RequestLimits.serverFnBodyMaxBytes)))).toBe(0);
    expect(await status(call(padded(RequestLimits.serverFnBodyMaxBytes + 1)))).toBe(413);
    expect(await status(call('x'.repeat(3_000_000)))).toBe(413);
  });

  it('checks a GET call’s payload parameter the same way', async () => {
    const fn = (query: string) => get(`${SERVER_FN_BASE}${KNOWN_FN}${query}`);
    expect(await status(fn(''))).toBe(0);
    expect(await status(fn(`?payload=${encodeURIComponent(PAYLOAD)}`))).toBe(0);
    expect(await status(fn(`?payload=${encodeURIComponent('{nope')}`))).toBe(400);
    expect(await status(fn('?payload=%7B%22t%22%3A%C3%28%7D'))).toBe(400); // %C3%28 is not UTF-8
    expect(await status(fn(`?payload=${'a'.repeat(RequestLimits.serverFnBodyMaxBytes + 1)}`))).toBe(413);
  });
});
