import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, moduleLogger } from './log.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ log: { level: 'info', pretty: false } }, stream) };
}

describe('logger', () => {
  it('tags lines with their module', () => {
    const { lines, log } = capture();
    moduleLogger(log, 'Gateway').info({ seq: 4 }, 'dispatch');
    expect(lines[0]).toMatchObject({ module: 'Gateway', seq: 4, msg: 'dispatch' });
  });

  it('redacts credentials wherever our log calls put them', () => {
    const { lines, log } = capture();
    log.info(
      {
        token: 'Bot abc.def',
        session: { accessToken: 'at', refreshToken: 'rt', userId: '1' },
        request: { headers: { authorization: 'Bearer xyz', cookie: 'session=1' } },
        app: { clientSecret: 'shh' },
      },
      'hello',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['abc.def', '"at"', '"rt"', 'xyz', 'session=1', 'shh']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: '[redacted]', session: { userId: '1', accessToken: '[redacted]' } });
  });
});
