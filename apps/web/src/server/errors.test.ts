import { DiscordAbortedError, DiscordApiError, DiscordRateLimitedError, DiscordUnavailableError } from '@repo/discord-rest';
import { recordingLogger } from '@repo/platform/testing';
import pino, { type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, errorBody, logAppError, toAppError, toErrorResponse, validationError } from './errors.ts';

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

/** Every line logAppError writes (it calls only `info` and `error`, which the recording logger has). */
function recording() {
  const rec = recordingLogger();
  return { lines: rec.lines, log: rec as unknown as Logger };
}

const context = { operation: 'createRole', method: 'POST' as const, route: '/guilds/:guildId/roles', path: '/guilds/123/roles' };

describe('every kind, its status, its body and its headers', () => {
  it.each([
    ['validation', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['gone', 410],
    ['too_large', 413],
    ['unsupported_media_type', 415],
    ['rate_limited', 429],
    ['upstream', 502],
    ['unavailable', 503],
    ['internal', 500],
  ] as const)('%s → %i, JSON, never cached, no Retry-After unless given', async (kind, status) => {
    const error = new AppError(kind, 'msg');
    expect(error.status).toBe(status);
    expect(error.name).toBe('AppError');
    const res = toErrorResponse(error, log);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toEqual({ error: { kind, message: 'msg' } });
  });

  it('carries every option in the body, falsy values included where they mean something', async () => {
    const full = new AppError('gone', 'expired', { fields: { a: ['x'] }, loginUrl: '/l', retryAfterSeconds: 0, retryable: false, reason: 'invite_expired' });
    expect(errorBody(full)).toEqual({ error: { kind: 'gone', message: 'expired', fields: { a: ['x'] }, loginUrl: '/l', retryAfterSeconds: 0, retryable: false, reason: 'invite_expired' } });
    expect(errorBody(new AppError('gone', 'x', { reason: '' }))).toEqual({ error: { kind: 'gone', message: 'x', reason: '' } });
    // Retry-After 0 is still a header: retry at once.
    expect(toErrorResponse(full, log).headers.get('retry-after')).toBe('0');
    expect(toErrorResponse(new AppError('rate_limited', 'x', { retryAfterSeconds: 4 }), log).headers.get('retry-after')).toBe('4');
  });

  it('keeps the cause on the error, never in the body', async () => {
    const cause = new Error('token=abc');
    const error = new AppError('internal', 'x', { cause });
    expect(error.cause).toBe(cause);
    expect(await toErrorResponse(error, log).text()).not.toContain('token=abc');
  });
});

describe('validationError', () => {
  it('groups issue messages by dotted path; a root issue goes under "_"', () => {
    const schema = z.object({ room: z.object({ name: z.string().min(2, 'short').max(1, 'long') }) });
    const fromNested = validationError(schema.safeParse({ room: { name: 'a' } }).error!);
    expect(fromNested.options.fields).toEqual({ 'room.name': ['short'] });
    const both = validationError(z.string().min(3, 'min').regex(/^\d+$/, 'digits').safeParse('ab').error!, 'Custom.');
    expect(both.message).toBe('Custom.');
    expect(both.kind).toBe('validation');
    expect(both.options.fields).toEqual({ _: ['min', 'digits'] });
    expect(validationError(z.object({ a: z.string() }).safeParse({}).error!).message).toBe('Some fields are not valid.');
  });
});

describe('toAppError', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('conflict', 'x');
    expect(toAppError(error)).toBe(error);
  });

  it('Discord rate limited → 429 with its wait rounded up to whole seconds, retryable', () => {
    const discord = new DiscordRateLimitedError(context, { retryAfterMs: 1_001, global: false, scope: 'user', attempts: 3, reason: 'retries_exhausted' });
    const error = toAppError(discord);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, options: { retryAfterSeconds: 2, retryable: true, cause: discord } });
    expect(error.message).toBe('Discord is busy right now. Please try again in a moment.');
    const exact = toAppError(new DiscordRateLimitedError(context, { retryAfterMs: 2_000, global: true, scope: 'global', attempts: 1, reason: 'wait_too_long' }));
    expect(exact.options.retryAfterSeconds).toBe(2);
  });

  it('Discord unavailable → 502, retryable, with its wait; Discord refusing → 502, not retryable, no wait', () => {
    const down = toAppError(new DiscordUnavailableError(context, { reason: 'timeout', detail: 'timed out', retryAfterMs: 5_500, attempts: 4 }));
    expect(down).toMatchObject({ kind: 'upstream', status: 502, message: 'Discord could not be reached. Please try again.', options: { retryAfterSeconds: 6, retryable: true } });
    const refused = toAppError(new DiscordApiError(context, { status: 403, code: 50013, discordMessage: 'Missing Permissions', attempts: 1 }));
    expect(refused).toMatchObject({ kind: 'upstream', status: 502, message: 'Discord refused the request.', options: { retryable: false } });
    expect(refused.options.retryAfterSeconds).toBeUndefined();
  });

  it('a Discord error without a known wait has no Retry-After', () => {
    const aborted = new DiscordAbortedError(context, { attempts: 1 });
    const error = toAppError(aborted);
    expect(error).toMatchObject({ kind: 'upstream', options: { retryable: false } });
    expect(toErrorResponse(aborted, log).headers.get('retry-after')).toBeNull();
  });

  it('anything else → internal 500, retryable, with the thrown value as cause', () => {
    const thrown = 'a string';
    expect(toAppError(thrown)).toMatchObject({ kind: 'internal', status: 500, message: 'Something went wrong on our side. Please try again.', options: { retryable: true, cause: thrown } });
  });
});

describe('what a Discord failure tells the browser', () => {
  it('502 with our words only: not the route, the ids, Discord’s message or code', async () => {
    const discord = new DiscordApiError({ ...context, path: '/guilds/987654321/roles?token=Bot.secret' }, { status: 403, code: 50013, discordMessage: 'Missing Permissions', attempts: 1 });
    const res = toErrorResponse(discord, log);
    expect(res.status).toBe(502);
    const text = await res.text();
    for (const leak of ['987654321', 'secret', 'Missing Permissions', '50013', 'guilds', 'createRole']) expect(text).not.toContain(leak);
    expect(JSON.parse(text)).toEqual({ error: { kind: 'upstream', message: 'Discord refused the request.', retryable: false } });
  });

  it('Discord unavailable: 502 with Retry-After in whole seconds', () => {
    const res = toErrorResponse(new DiscordUnavailableError(context, { reason: 'network', detail: 'ECONNRESET', retryAfterMs: 2_100, attempts: 4 }), log);
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBe('3');
  });
});

describe('logAppError', () => {
  it('logs 5xx at error and 4xx at info, with kind, status and the cause', () => {
    const { lines, log: rec } = recording();
    const cause = new Error('inner');
    logAppError(new AppError('upstream', 'up', { cause }), rec);
    logAppError(new AppError('internal', 'own'), rec);
    logAppError(new AppError('rate_limited', 'slow'), rec);
    logAppError(new AppError('forbidden', 'no'), rec);
    expect(lines.map((l) => [l.level, l.msg, l.obj.kind, l.obj.status])).toEqual([
      ['error', 'up', 'upstream', 502],
      ['error', 'own', 'internal', 500],
      ['info', 'slow', 'rate_limited', 429],
      ['info', 'no', 'forbidden', 403],
    ]);
    expect(lines[0]!.obj.err).toBe(cause);
    // An internal error without a cause logs itself; a 4xx without one logs no err.
    expect(lines[1]!.obj.err).toBeInstanceOf(AppError);
    expect(lines[3]!.obj.err).toBeUndefined();
  });

  it('an unexpected throw is logged whole at error level, the generic message in the line', () => {
    const { lines, log: rec } = recording();
    const thrown = new Error('ECONNREFUSED');
    const error = logAppError(thrown, rec);
    expect(error.kind).toBe('internal');
    expect(lines).toEqual([{ level: 'error', msg: 'Something went wrong on our side. Please try again.', obj: { kind: 'internal', status: 500, err: thrown } }]);
  });

  it('toErrorResponse logs exactly once', () => {
    const { lines, log: rec } = recording();
    toErrorResponse(new AppError('not_found', 'x'), rec);
    expect(lines).toHaveLength(1);
  });
});
