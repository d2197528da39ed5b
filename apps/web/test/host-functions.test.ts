import type { AsyncLocalStorage } from 'node:async_hooks';
import { createServerFn } from '@tanstack/react-start';
import { createClientRpc } from '@tanstack/react-start/client-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * The host controls' server functions (src/server/rooms.functions.ts) through Start's own door, as
 * a page's call reaches them: the development server (its embedded emulator), Start's client RPC
 * (serialising the input, POST /_serverFn/<id> with the session cookie and the app's Origin,
 * reading the answer back), then the request guard, Start's handler, the validator and the
 * function. Each answers a value: `{ok:false, error}` for someone who may not, `{ok:true, …}` for
 * the host (or, leaving, a seated member).
 */
let stack: Stack;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ mode: 'development' });
  for (const user of ['alice', 'bob', 'carol', 'dave']) cookies[user] = (await signInAs(stack.baseUrl, user)).cookie;
  // The ids the page's bundle calls, from the client build of the module (the dev server's transform).
  const module = await (await fetch(`${stack.baseUrl}/src/server/rooms.functions.ts`)).text();
  for (const [, id] of module.matchAll(/createClientRpc\(\s*"([^"]+)"/g)) {
    const { export: name } = JSON.parse(Buffer.from(id!, 'base64url').toString('utf8')) as { export: string };
    ids[name.replace(/_createServerFn_handler$/, '')] = id!;
  }
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

interface PageError {
  status: number;
  kind: string;
  message: string;
  reason?: string;
  loginUrl?: string;
}
type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: PageError };

/** One server-function call as `user` (null: signed out), the way Start's client in a page makes it. */
async function call(name: string, user: string | null, data: Record<string, unknown>): Promise<Answer> {
  const id = ids[name];
  if (!id) throw new Error(`no server function ${name} in the client module (found: ${Object.keys(ids).join(', ')})`);
  process.env.TSS_SERVER_FN_BASE ??= '/_serverFn/';
  // What the page's bundle holds: the function's client half, createServerFn(…).handler(createClientRpc(id)).
  const fn = createServerFn({ method: 'POST' }).handler(createClientRpc(id) as never) as unknown as (opts: { data: unknown; fetch: typeof pageFetch }) => Promise<Answer>;
  const pageFetch = (url: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('origin', stack.baseUrl);
    if (user) headers.set('cookie', cookies[user]!);
    return fetch(new URL(url, stack.baseUrl), { ...init, headers });
  };
  // In a browser Start reads its options from the page; in Node from its request context, which a
  // test has none of: an empty one (no custom fetch), as Start's own storage keeps it.
  const storage = (globalThis as Record<symbol, unknown>)[Symbol.for('tanstack-start:start-storage-context')] as AsyncLocalStorage<object>;
  return storage.run({ startOptions: {} }, () => fn({ data, fetch: pageFetch }));
}

async function api(user: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { cookie: cookies[user]!, origin: stack.baseUrl, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function userId(user: string): Promise<string> {
  return ((await (await api(user, 'GET', '/api/me')).json()) as { user: { id: string } }).user.id;
}

/** alice hosts; bob plays; carol watches. */
async function table(name: string): Promise<{ roomId: string }> {
  const created = await api('alice', 'POST', '/api/rooms', { name });
  expect(created.status).toBe(201);
  const { room, inviteUrl, spectatorUrl } = (await created.json()) as { room: { id: string }; inviteUrl: string; spectatorUrl: string };
  for (const [user, url] of [['bob', inviteUrl], ['carol', spectatorUrl]] as const) {
    expect((await api(user, 'POST', '/api/invites/redeem', { token: url.split('/invite/')[1] })).status).toBe(200);
  }
  return { roomId: room.id };
}

const notHost = { ok: false, error: { status: 403, kind: 'forbidden', reason: 'not_host', message: 'Only the room’s host can do this.' } };

describe('host control server functions', () => {
  it('rename, lock, new links: {ok:false, not_host} for a player and a spectator; {ok:true} with the result for the host', async () => {
    const { roomId } = await table('Functions room');
    for (const who of ['bob', 'carol']) {
      expect(await call('renameRoomFn', who, { roomId, name: 'Taken over' }), who).toMatchObject(notHost);
      expect(await call('setRoomLockedFn', who, { roomId, locked: true }), who).toMatchObject(notHost);
      expect(await call('rotateLinksFn', who, { roomId }), who).toMatchObject(notHost);
    }
    expect(((await (await api('alice', 'GET', `/api/rooms/${roomId}`)).json()) as { room: { name: string; locked: boolean } }).room).toMatchObject({ name: 'Functions room', locked: false });

    expect(await call('renameRoomFn', 'alice', { roomId, name: 'Renamed by function' })).toMatchObject({ ok: true, room: { id: roomId, name: 'Renamed by function' } });
    expect(await call('setRoomLockedFn', 'alice', { roomId, locked: true })).toMatchObject({ ok: true, room: { locked: true } });
    const links = await call('rotateLinksFn', 'alice', { roomId });
    expect(links).toEqual({ ok: true, inviteUrl: expect.stringContaining('/invite/'), spectatorUrl: expect.stringContaining('/invite/') });
    // The room's name goes through the same rule as the JSON API: an empty name is a validation error, as a value.
    expect(await call('renameRoomFn', 'alice', { roomId, name: '' })).toMatchObject({ ok: false, error: { status: 400, kind: 'validation' } });
  });

  it('remove, hand over: {ok:false, not_host} for a non-host; {ok:true} for the host', async () => {
    const { roomId } = await table('People room');
    const [bob, carol] = [await userId('bob'), await userId('carol')];
    expect(await call('removePersonFn', 'bob', { roomId, userId: carol })).toMatchObject(notHost);
    expect(await call('handOverFn', 'bob', { roomId, userId: bob })).toMatchObject(notHost);
    expect(await call('handOverFn', 'carol', { roomId, userId: carol })).toMatchObject(notHost);

    // Input the validator refuses never reaches the function: Start carries the 400 back, and the page's call throws it.
    await expect(call('removePersonFn', 'alice', { roomId, userId: '1'.repeat(33) })).rejects.toThrow('The input is not valid.');
    await expect(call('handOverFn', 'alice', { roomId })).rejects.toThrow('The input is not valid.');
    expect(await call('removePersonFn', 'alice', { roomId, userId: carol })).toEqual({ ok: true });
    expect((await api('carol', 'GET', `/api/rooms/${roomId}`)).status).toBe(403);
    expect(await call('handOverFn', 'alice', { roomId, userId: bob })).toMatchObject({ ok: true, room: { creatorId: bob } });
    // alice is a player now: the controls refuse her.
    expect(await call('rotateLinksFn', 'alice', { roomId })).toMatchObject(notHost);
  });

  it('leave: {ok:true} for a seated member; {ok:false} for someone not in the room, and 401 with the way back when signed out', async () => {
    const { roomId } = await table('Leaving room');
    expect(await call('leaveRoomFn', 'dave', { roomId })).toMatchObject({ ok: false, error: { status: 403, kind: 'forbidden' } });
    const signedOut = await call('leaveRoomFn', null, { roomId });
    expect(signedOut).toMatchObject({ ok: false, error: { status: 401, kind: 'unauthenticated' } });
    expect(signedOut.ok === false && signedOut.error.loginUrl).toContain(encodeURIComponent(`/rooms/${roomId}`));
    expect(await call('leaveRoomFn', 'bob', { roomId })).toEqual({ ok: true });
    expect((await api('bob', 'GET', `/api/rooms/${roomId}`)).status).toBe(403);
    expect(await call('leaveRoomFn', 'bob', { roomId })).toMatchObject({ ok: false, error: { status: 403 } });
  });
});
