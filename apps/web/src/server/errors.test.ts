import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, toErrorResponse } from './errors.ts';

const log = pino({ level: 'silent' });

describe('toErrorResponse', () => {
  it.each([
    [new AppError('validation', 'bad'), 400],
    [new AppError('unauthenticated', 'sign in', { loginUrl: '/auth/discord/login?returnTo=%2Fx' }), 401],
    [new AppError('forbidden', 'no'), 403],
    [new AppError('not_found', 'gone'), 404],
    [new AppError('conflict', 'Room full'), 409],
    [new AppError('gone', 'expired'), 410],
    [new AppError('rate_limited', 'slow down', { retryAfterSeconds: 2.2 }), 429],
    [new AppError('upstream', 'discord down'), 502],
  ])('maps %s to %i', async (error, status) => {
    const res = toErrorResponse(error, log);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { kind: error.kind, message: error.message } });
  });

  it('sets Retry-After on 429 and carries the login URL on 401', async () => {
    expect(toErrorResponse(new AppError('rate_limited', 'x', { retryAfterSeconds: 2.2 }), log).headers.get('retry-after')).toBe('3');
    const body = await toErrorResponse(new AppError('unauthenticated', 'x', { loginUrl: '/auth/discord/login?returnTo=%2Fr' }), log).json();
    expect(body).toEqual({ error: { kind: 'unauthenticated', message: 'x', loginUrl: '/auth/discord/login?returnTo=%2Fr' } });
  });

  it('turns zod errors into 400 with field errors', async () => {
    const parsed = z.object({ name: z.string().min(1, 'Name is required') }).safeParse({ name: '' });
    const res = toErrorResponse(parsed.error, log);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { kind: 'validation', message: 'Some fields are not valid.', fields: { name: ['Name is required'] } } });
  });

  it('hides the details of unexpected errors', async () => {
    const res = toErrorResponse(new Error('connect ECONNREFUSED 10.0.0.5:6379 password=hunter2'), log);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('hunter2');
  });
});
