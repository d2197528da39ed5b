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
  EMULATOR_GUILDS: intFrom(1, 50_000).optional(),
  EMULATOR_RECOMMENDED_SHARDS: intFrom(1, 1_000).optional(),
  EMULATOR_RATE_LIMITS: z.enum(['discord', 'off']).default('discord'),
  // Discord's limits (specs/discord-limits.md); lower them to reach them in a manual test.
  EMULATOR_MAX_CHANNELS_PER_CATEGORY: intFrom(0, 1_000_000).optional(),
  EMULATOR_MAX_GUILD_CHANNELS: intFrom(0, 1_000_000).optional(),
  EMULATOR_MAX_GUILD_ROLES: intFrom(0, 1_000_000).optional(),
  EMULATOR_RESOURCE_LIMITS: z.enum(['discord', 'off']).default('discord'),
  EMULATOR_SESSION_START_TOTAL: intFrom(0, 1_000_000).optional(),
  EMULATOR_INVALID_REQUEST_LIMIT: intFrom(1, 1_000_000_000).optional(),
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
  const resourceOverrides = limits(e);
  return {
    ok: true,
    options: {
      port: e.EMULATOR_PORT,
      host: e.EMULATOR_HOST,
      rateLimits: e.EMULATOR_RATE_LIMITS,
      resourceLimits: e.EMULATOR_RESOURCE_LIMITS,
      ...(e.EMULATOR_HEARTBEAT_MS !== undefined ? { heartbeatIntervalMs: e.EMULATOR_HEARTBEAT_MS } : {}),
      ...(e.EMULATOR_RESUME_WINDOW_MS !== undefined ? { resumeWindowMs: e.EMULATOR_RESUME_WINDOW_MS } : {}),
      ...(e.EMULATOR_TOKEN_TTL_S !== undefined ? { tokenTtlSeconds: e.EMULATOR_TOKEN_TTL_S } : {}),
      ...(e.EMULATOR_USERS !== undefined ? { extraUsers: e.EMULATOR_USERS } : {}),
      ...(e.EMULATOR_GUILDS !== undefined ? { guilds: e.EMULATOR_GUILDS } : {}),
      ...(e.EMULATOR_RECOMMENDED_SHARDS !== undefined ? { recommendedShards: e.EMULATOR_RECOMMENDED_SHARDS } : {}),
      ...(resourceOverrides ? { limits: resourceOverrides } : {}),
      ...(e.EMULATOR_SESSION_START_TOTAL !== undefined ? { sessionStartLimit: { total: e.EMULATOR_SESSION_START_TOTAL } } : {}),
      ...(e.EMULATOR_INVALID_REQUEST_LIMIT !== undefined ? { invalidRequestLimit: { limit: e.EMULATOR_INVALID_REQUEST_LIMIT } } : {}),
    },
  };
}

function limits(e: z.output<typeof envSchema>): EmulatorOptions['limits'] | undefined {
  const out: NonNullable<EmulatorOptions['limits']> = {};
  if (e.EMULATOR_MAX_CHANNELS_PER_CATEGORY !== undefined) out.channelsPerCategory = e.EMULATOR_MAX_CHANNELS_PER_CATEGORY;
  if (e.EMULATOR_MAX_GUILD_CHANNELS !== undefined) out.channelsPerGuild = e.EMULATOR_MAX_GUILD_CHANNELS;
  if (e.EMULATOR_MAX_GUILD_ROLES !== undefined) out.rolesPerGuild = e.EMULATOR_MAX_GUILD_ROLES;
  return Object.keys(out).length > 0 ? out : undefined;
}
