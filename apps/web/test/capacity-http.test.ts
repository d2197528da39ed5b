import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from './sign-in.ts';
import { type Stack, startStack } from './stack.ts';

/**
 * A full server over HTTP, through the whole graph (config → services → /api/rooms → the error
 * door): the development server with its embedded emulator, told that the guild holds 5 roles and
 * 2 stay free for its admins. The emulator starts with 2 roles (@everyone, the bot's): one room fits.
 */
const METRICS_TOKEN = 'capacity-metrics-token';
let stack: Stack;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ mode: 'development', env: { METRICS_TOKEN, DISCORD_MAX_GUILD_ROLES: '5', DISCORD_CAPACITY_RESERVE_ROLES: '2' } });
  for (const user of ['alice', 'bob']) cookies[user] = (await signInAs(stack.baseUrl, user)).cookie;
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const createRoom = (user: string, name: string) =>
  fetch(`${stack.baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { cookie: cookies[user]!, 'content-type': 'application/json', origin: stack.baseUrl },
    body: JSON.stringify({ name }),
  });

const operatorHealth = async () => (await (await fetch(`${stack.baseUrl}/api/health`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).json()) as Record<string, unknown>;

describe('a Discord server with no room left', () => {
  it('shows its capacity to operators, creates the room that fits, then answers 503 + Retry-After with the form’s message', async () => {
    expect(await operatorHealth()).toMatchObject({
      capacity: { source: 'gateway', roles: { used: 2, limit: 5, reserve: 2 }, channels: { limit: 500, reserve: 5 }, roomsAvailable: 1 },
    });
    expect(await (await fetch(`${stack.baseUrl}/api/health`)).json()).not.toHaveProperty('capacity');

    expect((await createRoom('alice', 'The one that fits')).status).toBe(201);
    const refused = await createRoom('bob', 'One too many');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('300');
    expect(await refused.json()).toEqual({
      error: {
        kind: 'unavailable',
        message: 'All rooms on this server are in use right now. Try again in a few minutes.',
        retryAfterSeconds: 300,
        retryable: true,
        reason: 'rooms_full',
      },
    });

    expect(await operatorHealth()).toMatchObject({ capacity: { roles: { used: 3 }, roomsAvailable: 0 } });
    const metrics = await (await fetch(`${stack.baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toContain('spellrooms_rooms_available 0');
    expect(metrics).toContain('spellrooms_discord_resources_used{resource="roles"} 3');
    expect(metrics).toContain('spellrooms_discord_resources_limit{resource="roles"} 5');
    expect(metrics).toMatch(/^spellrooms_rest_invalid_requests \d+$/m);
  });
});
