import { describe, expect, it } from 'vitest';
import { parseCliEnv } from './cli-env.ts';

describe('parseCliEnv', () => {
  it('uses defaults when nothing is set', () => {
    expect(parseCliEnv({})).toEqual({ ok: true, options: { port: 4100, host: '127.0.0.1', rateLimits: 'discord' } });
  });

  it('maps every variable', () => {
    const result = parseCliEnv({
      EMULATOR_PORT: '0',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_HEARTBEAT_MS: '5000',
      EMULATOR_RESUME_WINDOW_MS: '1000',
      EMULATOR_TOKEN_TTL_S: '60',
      EMULATOR_USERS: '10000',
      EMULATOR_RATE_LIMITS: 'off',
      EMULATOR_IGNORED: 'x',
    });
    expect(result).toEqual({
      ok: true,
      options: { port: 0, host: '0.0.0.0', heartbeatIntervalMs: 5000, resumeWindowMs: 1000, tokenTtlSeconds: 60, extraUsers: 10000, rateLimits: 'off' },
    });
  });

  it('names the variable and the bad value', () => {
    const result = parseCliEnv({ EMULATOR_PORT: '70000', EMULATOR_RATE_LIMITS: 'sometimes' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('EMULATOR_PORT');
      expect(result.message).toContain('"70000"');
      expect(result.message).toContain('EMULATOR_RATE_LIMITS');
    }
  });
});
