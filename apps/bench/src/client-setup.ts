/**
 * A client worker's setup: each simulated browser signs in for real through the emulator's OAuth2,
 * the first of each group of 4 creates the room in the group's guild (`POST /api/rooms {name,
 * guildId}`), the others redeem its invite.
 */
import { monoMs, sleep } from './clock.ts';
import type { ClientSpec, FromWorker, RoomCreated } from './worker-protocol.ts';

export interface SetupClient {
  readonly spec: ClientSpec;
  cookie: string | null;
  roomId: string | null;
}

export async function setupClients(clients: SetupClient[], baseUrl: string, concurrency: number): Promise<Extract<FromWorker, { type: 'setup-done' }>> {
  const groups = new Map<number, SetupClient[]>();
  for (const c of clients) {
    const g = groups.get(c.spec.group) ?? [];
    g.push(c);
    groups.set(c.spec.group, g);
  }
  const rooms: RoomCreated[] = [];
  const errors: string[] = [];
  let failed = 0;
  const note = (group: number, error: unknown) => {
    if (errors.length < 5) errors.push(`group ${group}: ${String(error)}`);
  };
  const t0 = monoMs();
  await pool(clients, concurrency, async (c) => {
    try {
      c.cookie = await retry(() => signIn(baseUrl, c.spec.username));
    } catch (error) {
      note(c.spec.group, error);
    }
  });
  const t1 = monoMs();
  const created = new Map<number, { room: { id: string; channelId: string }; inviteUrl: string; spectatorUrl: string }>();
  await pool([...groups.entries()], concurrency, async ([group, members]) => {
    const creator = members.find((m) => m.spec.creator)!;
    if (!creator.cookie) return;
    try {
      created.set(
        group,
        await retry(async () => {
          const res = await post(baseUrl, creator, '/api/rooms', { name: `Bench room ${group}`, guildId: creator.spec.guildId });
          if (res.status !== 201) throw new Error(`POST /api/rooms answered ${res.status}: ${await res.text()}`);
          return (await res.json()) as { room: { id: string; channelId: string }; inviteUrl: string; spectatorUrl: string };
        }),
      );
    } catch (error) {
      note(group, error);
    }
  });
  const t2 = monoMs();
  const joins = [...groups.entries()].flatMap(([group, members]) => members.filter((m) => !m.spec.creator).map((m) => ({ group, m })));
  const joined = new Set<SetupClient>();
  await pool(joins, concurrency, async ({ group, m }) => {
    const room = created.get(group);
    if (!room || !m.cookie) return;
    try {
      await retry(async () => {
        const res = await post(baseUrl, m, '/api/invites/redeem', { token: inviteToken(room.inviteUrl) });
        if (!res.ok) throw new Error(`redeem answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      });
      joined.add(m);
    } catch (error) {
      note(group, error);
    }
  });
  const t3 = monoMs();
  for (const [group, members] of groups) {
    const room = created.get(group);
    if (!room) {
      failed += members.length;
      continue;
    }
    for (const m of members) {
      if (m.spec.creator || joined.has(m)) m.roomId = room.room.id;
      else failed++;
    }
    rooms.push({ group, roomId: room.room.id, channelId: room.room.channelId, spectatorToken: inviteToken(room.spectatorUrl) });
  }
  return { type: 'setup-done', rooms, failed, errors, phasesMs: { signIn: t1 - t0, create: t2 - t1, redeem: t3 - t2 } };
}

function inviteToken(url: string): string {
  return url.slice(url.indexOf('/invite/') + '/invite/'.length);
}

/** The real sign-in: the app's login, the emulator's authorize form ("continue as"), the callback. */
async function signIn(baseUrl: string, username: string): Promise<string> {
  const login = await fetch(`${baseUrl}/auth/discord/login?returnTo=%2F`, { redirect: 'manual' });
  await login.arrayBuffer();
  if (login.status !== 302) throw new Error(`login answered ${login.status}`);
  const loginCookie = cookieOf(login.headers.getSetCookie()[0]);
  const authorize = await fetch(login.headers.get('location') ?? '', { method: 'POST', body: new URLSearchParams({ user: username }), redirect: 'manual' });
  const authorizeBody = await authorize.text();
  if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${authorizeBody.slice(0, 200)}`);
  const callback = await fetch(authorize.headers.get('location') ?? '', { headers: { cookie: loginCookie }, redirect: 'manual' });
  await callback.arrayBuffer();
  const session = callback.headers.getSetCookie().find((c) => c.includes('sr_session=') && !c.includes('Max-Age=0'));
  if (!session) throw new Error(`no session cookie after the callback (${callback.status} → ${callback.headers.get('location')})`);
  return cookieOf(session);
}

function cookieOf(header: string | undefined): string {
  if (!header) throw new Error('expected a Set-Cookie header');
  return header.split(';')[0]!;
}

export function post(baseUrl: string, client: Pick<SetupClient, 'cookie'>, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    // A browser's write carries its Origin; the app refuses writes without one (CSRF rule).
    headers: { cookie: client.cookie ?? '', origin: new URL(baseUrl).origin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(200 * i);
    }
  }
}

export async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

