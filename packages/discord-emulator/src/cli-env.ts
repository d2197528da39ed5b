import { z } from 'zod';
import type { EmulatorOptions } from './server.ts';

/**
 * The CLI's configuration from environment variables (the only place the package reads the
 * environment). Bad values fail with a message naming the variable.
 */

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  EMULATOR_PORT: intFrom(0, 65_535).default(4100),
  EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  EMULATOR_HEARTBEAT_MS: intFrom(100, 600_000).optional(),
  EMULATOR_RESUME_WINDOW_MS: intFrom(0, 86_400_000).optional(),
  EMULATOR_TOKEN_TTL_S: intFrom(1, 31_536_000).optional(),
  EMULATOR_USERS: intFrom(0, 200_000).optional(),
  EMULATOR_RATE_LIMITS: z.enum(['discord', 'off']).default('discord'),
});

export type CliEnvResult = { ok: true; options: EmulatorOptions & { port: number; host: string } } | { ok: false; message: string };

export function parseCliEnv(env: Record<string, string | undefined>): CliEnvResult {
  // Empty strings (VAR= in a .env file) mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    return { ok: false, message: `Invalid emulator configuration:\n${lines.join('\n')}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    options: {
      port: e.EMULATOR_PORT,
      host: e.EMULATOR_HOST,
      rateLimits: e.EMULATOR_RATE_LIMITS,
      ...(e.EMULATOR_HEARTBEAT_MS !== undefined ? { heartbeatIntervalMs: e.EMULATOR_HEARTBEAT_MS } : {}),
      ...(e.EMULATOR_RESUME_WINDOW_MS !== undefined ? { resumeWindowMs: e.EMULATOR_RESUME_WINDOW_MS } : {}),
      ...(e.EMULATOR_TOKEN_TTL_S !== undefined ? { tokenTtlSeconds: e.EMULATOR_TOKEN_TTL_S } : {}),
      ...(e.EMULATOR_USERS !== undefined ? { extraUsers: e.EMULATOR_USERS } : {}),
    },
  };
}
