import { discordResourceLimits, discordRestDefaults } from '@repo/discord-rest';
import { z } from 'zod';

/**
 * The only reader of `process.env`. Everything else receives a typed `Config`.
 * Each variable is documented in `.env.example` at the repository root.
 */

const booleanish = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const snowflake = (name: string) =>
  z
    .string()
    .regex(/^\d{17,20}$/, `${name} must be a Discord id (a 17–20 digit snowflake)`);


/** One of Discord's per-guild limits: a whole number from 1 up to Discord's own (lower it, never raise it). */
function discordLimit(name: string, discordMax: number) {
  return z.coerce.number().int().min(1).max(discordMax, `${name} cannot exceed Discord's limit of ${discordMax}`).default(discordMax);
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: optionalString,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HTTP_LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
  V8_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1_000).default(50),
  PUBLIC_URL: optionalString.pipe(z.url({ message: 'PUBLIC_URL must be an absolute URL such as https://rooms.example.com' }).optional()),
  WS_ALLOWED_ORIGINS: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  SESSION_SECRET: optionalString.pipe(
    z.string().min(32, 'SESSION_SECRET must be at least 32 characters (try: openssl rand -base64 48)').optional(),
  ),
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_CLIENT_ID: optionalString.pipe(snowflake('DISCORD_CLIENT_ID').optional()),
  DISCORD_CLIENT_SECRET: optionalString,
  DISCORD_GUILD_ID: optionalString.pipe(snowflake('DISCORD_GUILD_ID').optional()),
  DISCORD_ROOMS_CATEGORY_ID: optionalString.pipe(snowflake('DISCORD_ROOMS_CATEGORY_ID').optional()),
  DISCORD_API_URL: optionalString.pipe(z.url({ message: 'DISCORD_API_URL must be a URL such as https://discord.com/api' }).optional()),
  // `auto` (default): GET /gateway/bot's recommendation; a number: exactly that many shards.
  DISCORD_SHARD_COUNT: z
    .string()
    .default('auto')
    .refine((v) => v === 'auto' || (/^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 4_096), 'DISCORD_SHARD_COUNT must be auto or a whole number from 1 to 4096')
    .transform((v) => (v === 'auto' ? ('auto' as const) : Number(v))),
  DISCORD_REST_GLOBAL_RPS: z.coerce.number().int().min(1).max(100_000).default(discordRestDefaults.globalRequestsPerSecond),
  // Discord's own limits: lower them (a test guild, an emulator with lowered limits), never raise them.
  DISCORD_MAX_CHANNELS_PER_CATEGORY: discordLimit('DISCORD_MAX_CHANNELS_PER_CATEGORY', discordResourceLimits.channelsPerCategory),
  DISCORD_MAX_GUILD_CHANNELS: discordLimit('DISCORD_MAX_GUILD_CHANNELS', discordResourceLimits.channelsPerGuild),
  DISCORD_MAX_GUILD_ROLES: discordLimit('DISCORD_MAX_GUILD_ROLES', discordResourceLimits.rolesPerGuild),
  // `off`: plan with no limit at all, for an emulator whose resource limits are off (the bench).
  DISCORD_RESOURCE_LIMITS: z.enum(['discord', 'off'], { message: 'DISCORD_RESOURCE_LIMITS must be discord or off' }).default('discord'),
  DISCORD_CAPACITY_RESERVE_CHANNELS: z.coerce.number().int().min(0).default(5),
  DISCORD_CAPACITY_RESERVE_ROLES: z.coerce.number().int().min(0).default(5),
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(4100),
  REDIS_URL: optionalString.pipe(z.url({ message: 'REDIS_URL must look like redis://127.0.0.1:6379' }).optional()),
  REDIS_KEY_PREFIX: optionalString.pipe(
    z.string().regex(/^[\w.:-]{1,64}$/, 'REDIS_KEY_PREFIX may hold letters, digits, _ . : - (at most 64)').optional(),
  ),
  METRICS_TOKEN: optionalString,
  TRUST_PROXY: booleanish,
});

export type Env = z.input<typeof EnvSchema>;

/** Where Discord lives for this process. */
export type DiscordTarget =
  | {
      /** discord.com, or an emulator started elsewhere (DISCORD_API_URL). */
      kind: 'remote';
      apiUrl: string;
      botToken: string;
      clientId: string;
      clientSecret: string;
      guildId: string;
      roomsCategoryId: string | undefined;
    }
  | {
      /** No bot token in development: start the bundled emulator inside this process. */
      kind: 'embedded-emulator';
      emulatorPort: number;
      roomsCategoryId: string | undefined;
    };

export interface Config {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    /** The app's own origin: OAuth redirect URIs, cookie security, WebSocket Origin checks. */
    publicUrl: URL;
    allowedOrigins: readonly string[];
    trustProxy: boolean;
    /**
     * Pending-connection queue of the listening socket: a storm of simultaneous connects beyond it
     * is dropped by the kernel. Linux caps it at net.core.somaxconn.
     */
    listenBacklog: number;
    /**
     * Production server: the old generation may grow to (1 + this/100) × what survived the last
     * full GC before the next one (V8's --heap-growing-percent). 50, the default, keeps idle RSS
     * near the live heap (10k idle connections: ~232 MB instead of ~346 MB) at the cost of more
     * frequent full GCs under bursts (a 10k connect storm: 21.3 s instead of 18.5 s); 0 leaves V8's
     * own factor, up to 4× (apps/bench/README.md). Its longer GC pauses once let the cluster
     * failover test lose a voice change; the takeover's voice undo fixed that (specs/scale-out.md).
     */
    heapGrowingPercent: number;
  };
  log: { level: string; pretty: boolean };
  /** Secret for the session cookie and the keys derived from it (WS tokens, invites). Never logged. */
  sessionSecret: string;
  discord: DiscordTarget;
  /**
   * Bot REST requests per second across all routes (Discord's global limit: 50). Only raise it for
   * the emulator or a bot Discord granted a higher limit.
   */
  discordRestGlobalRps: number;
  /** Gateway shards (specs/sharding.md): `auto` takes GET /gateway/bot's `shards`. */
  discordShardCount: number | 'auto';
  /**
   * Discord's per-guild limits the rooms are placed within (defaults: Discord's 50 channels per
   * category, 500 per guild, 250 roles), and the free channels and roles left to the server's own
   * admins (5 each by default). With DISCORD_RESOURCE_LIMITS=off the three limits are 1e9.
   */
  /** DISCORD_RESOURCE_LIMITS: 'off' only against an emulator whose limits are off too (the bench). */
  discordResourceLimits: 'discord' | 'off';
  discordLimits: {
    channelsPerCategory: number;
    channelsPerGuild: number;
    rolesPerGuild: number;
    reserveChannels: number;
    reserveRoles: number;
  };
  redisUrl: string | undefined;
  /** Prepended to every Redis key and channel, so deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every variable.`);
    this.name = 'ConfigError';
  }
}

/** The "limit" with DISCORD_RESOURCE_LIMITS=off: finite, so capacity arithmetic stays exact. */
const UNLIMITED = 1_000_000_000;

// A fixed secret is fine for a developer's machine talking to the emulator, never for production.
const DEV_SESSION_SECRET = 'dev-only-session-secret-do-not-use-in-production-0123456789';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';

  const host = e.HOST ?? (production ? '0.0.0.0' : 'localhost');
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  const allowedOrigins = [
    publicUrl.origin,
    ...(e.WS_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? []),
  ];

  let sessionSecret = e.SESSION_SECRET;
  if (!sessionSecret) {
    if (production) problems.push('SESSION_SECRET: required in production (at least 32 characters).');
    sessionSecret = DEV_SESSION_SECRET;
  }

  let discord: DiscordTarget;
  if (e.DISCORD_BOT_TOKEN) {
    // DISCORD_GUILD_ID (the home server) is optional: without it, the oldest server the bot is in (guilds/home-server.ts).
    const missing = (['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'] as const).filter((k) => !e[k]);
    for (const k of missing) problems.push(`${k}: required when DISCORD_BOT_TOKEN is set.`);
    discord = {
      kind: 'remote',
      apiUrl: (e.DISCORD_API_URL ?? 'https://discord.com/api').replace(/\/+$/, ''),
      botToken: e.DISCORD_BOT_TOKEN,
      clientId: e.DISCORD_CLIENT_ID ?? '',
      clientSecret: e.DISCORD_CLIENT_SECRET ?? '',
      guildId: e.DISCORD_GUILD_ID ?? '',
      roomsCategoryId: e.DISCORD_ROOMS_CATEGORY_ID,
    };
  } else if (production) {
    problems.push(
      'DISCORD_BOT_TOKEN: required in production. To run the production build against the emulator, start it (`pnpm emulator`) and set DISCORD_API_URL and the credentials it prints.',
    );
    discord = { kind: 'embedded-emulator', emulatorPort: e.EMULATOR_PORT, roomsCategoryId: undefined };
  } else {
    discord = { kind: 'embedded-emulator', emulatorPort: e.EMULATOR_PORT, roomsCategoryId: e.DISCORD_ROOMS_CATEGORY_ID };
  }

  // A reserve that leaves not even one room (a channel, plus one for a category, and a role) is a typo.
  if (e.DISCORD_CAPACITY_RESERVE_CHANNELS + 2 > e.DISCORD_MAX_GUILD_CHANNELS) {
    problems.push(`DISCORD_CAPACITY_RESERVE_CHANNELS: ${e.DISCORD_CAPACITY_RESERVE_CHANNELS} leaves no room for rooms under DISCORD_MAX_GUILD_CHANNELS ${e.DISCORD_MAX_GUILD_CHANNELS}.`);
  }
  if (e.DISCORD_CAPACITY_RESERVE_ROLES + 1 > e.DISCORD_MAX_GUILD_ROLES) {
    problems.push(`DISCORD_CAPACITY_RESERVE_ROLES: ${e.DISCORD_CAPACITY_RESERVE_ROLES} leaves no room for rooms under DISCORD_MAX_GUILD_ROLES ${e.DISCORD_MAX_GUILD_ROLES}.`);
  }

  if (e.DISCORD_RESOURCE_LIMITS === 'off' && discord.kind === 'remote' && new URL(discord.apiUrl).hostname === 'discord.com') {
    problems.push('DISCORD_RESOURCE_LIMITS: off is for an emulator with its limits off; discord.com enforces its limits whatever we plan.');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    http: { host, port: e.PORT, publicUrl, allowedOrigins, trustProxy: e.TRUST_PROXY, listenBacklog: e.HTTP_LISTEN_BACKLOG, heapGrowingPercent: e.V8_HEAP_GROWING_PERCENT },
    log: { level: e.LOG_LEVEL, pretty: (e.LOG_FORMAT ?? (production ? 'json' : 'pretty')) === 'pretty' },
    sessionSecret,
    discord,
    discordRestGlobalRps: e.DISCORD_REST_GLOBAL_RPS,
    discordShardCount: e.DISCORD_SHARD_COUNT,
    discordResourceLimits: e.DISCORD_RESOURCE_LIMITS,
    discordLimits: {
      channelsPerCategory: e.DISCORD_RESOURCE_LIMITS === 'off' ? UNLIMITED : e.DISCORD_MAX_CHANNELS_PER_CATEGORY,
      channelsPerGuild: e.DISCORD_RESOURCE_LIMITS === 'off' ? UNLIMITED : e.DISCORD_MAX_GUILD_CHANNELS,
      rolesPerGuild: e.DISCORD_RESOURCE_LIMITS === 'off' ? UNLIMITED : e.DISCORD_MAX_GUILD_ROLES,
      reserveChannels: e.DISCORD_CAPACITY_RESERVE_CHANNELS,
      reserveRoles: e.DISCORD_CAPACITY_RESERVE_ROLES,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX ?? 'sr:',
    metricsToken: e.METRICS_TOKEN,
  };
}
