import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIUser } from 'discord-api-types/v10';
import { AvatarRoute } from './avatar-route.ts';
import { handleControl } from './control/control-api.ts';
import { resolveResourceLimits, type ResourceLimitMode, type ResourceLimits } from './discord-limits.ts';
import { RestFaults } from './faults.ts';
import {
  createGatewayServer,
  gatewayUrl as gatewayUrlOf,
  SessionStartLimit,
  type GatewayServer,
  type SessionStartLimitOptions,
} from './gateway/index.ts';
import { BodyTooLargeError, redirect, sendJson } from './http/respond.ts';
import { silentEmulatorLogger, type EmulatorLogger } from './logger.ts';
import { handleAuthorize, handleToken } from './oauth/oauth-endpoints.ts';
import { InvalidRequestLimit, type InvalidRequestLimitOptions } from './rest/invalid-request-limit.ts';
import { RateLimiter, type RateLimitMode, type RouteLimit } from './rest/rate-limiter.ts';
import { RestApi } from './rest/rest-api.ts';
import type { EmulatorSeed, TestUserName } from './seed.ts';
import { EmulatorState } from './state.ts';

/**
 * The composition root: one node:http server carrying REST (`/api[/vN]/…`), OAuth2
 * (`/oauth2/authorize`, `/api/oauth2/token`), the avatar CDN, the control API (`/_emulator/…`) and
 * Gateway upgrades on `/gateway`.
 */

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  seed?: EmulatorSeed;
  /** HELLO's heartbeat_interval (default 41 250 ms, Discord's). */
  heartbeatIntervalMs?: number;
  /** How long a disconnected Gateway session stays resumable (default 120 000 ms). */
  resumeWindowMs?: number;
  /** OAuth access-token lifetime (default 604 800 s = 7 days). */
  tokenTtlSeconds?: number;
  /** Generated users user0001… (for benchmarks), dealt round-robin over the guilds. */
  extraUsers?: number;
  /** How many guilds (default 1). The first is the one there has always been; see specs/discord-emulator.md for the rest. */
  guilds?: number;
  /** GET /gateway/bot's `shards` (default Discord's advice: max(1, ceil(guilds the bot is in / 1000))). */
  recommendedShards?: number;
  /** Guilds one shard may hold before IDENTIFY closes 4011 (default Discord's 2,500; lower it only to reach it in a test). */
  maxGuildsPerShard?: number;
  /** 'discord' (default) applies Discord-like buckets and the global limit; 'off' disables both. */
  rateLimits?: RateLimitMode;
  /** Per-route overrides keyed like `PUT /guilds/:id/members/:id/roles/:id`; apply in both modes. */
  routeLimits?: Record<string, RouteLimit>;
  /** Global requests per second per bot token (default 50; with rateLimits 'off' only when set). */
  globalLimitPerSecond?: number;
  /**
   * Discord's resource limits, lowered for tests: channels per category (50), channels per guild
   * (500, categories included), roles per guild (250, @everyone and managed roles included).
   * They apply with `resourceLimits` 'discord' and 'off' alike.
   */
  limits?: Partial<ResourceLimits>;
  /** 'discord' (default) enforces the three resource limits; 'off' lifts those not set in `limits` (for the bench). */
  resourceLimits?: ResourceLimitMode;
  /** GET /gateway/bot's `session_start_limit` (default 1000 per 24 h, max_concurrency 1); IDENTIFY spends it. */
  sessionStartLimit?: SessionStartLimitOptions;
  /** 401/403/429 answers allowed per credential per window before the Cloudflare-style ban (default 10,000 per 10 min). */
  invalidRequestLimit?: InvalidRequestLimitOptions;
  logger?: EmulatorLogger;
  /** Clock for rate-limit windows, token expiry and timestamps (default Date.now). */
  now?: () => number;
}

export type EmulatorUsers = Record<TestUserName, APIUser> & Record<string, APIUser | undefined>;

export interface EmulatorHandle {
  /** `http://127.0.0.1:PORT`, also the CDN base (`/avatars/…`). */
  url: string;
  /** `${url}/api`: give it to @discordjs/rest as `api`. */
  apiUrl: string;
  /** `ws://127.0.0.1:PORT/gateway`. */
  gatewayUrl: string;
  /** `${url}/_emulator`: the control API and panel. */
  controlUrl: string;
  botToken: string;
  clientId: string;
  clientSecret: string;
  /** The first guild: the one there has always been. */
  guildId: string;
  /** Every seeded guild, the first first (`guilds` of the options). */
  guildIds: string[];
  /** Seeded users by username (alice … heidi with the default seed), as of start. */
  users: EmulatorUsers;
  state: EmulatorState;
  /** Also `gateway.sessionStartLimit` (the identify budget) and `gateway.startOutage(ms)`. */
  gateway: GatewayServer;
  /** The invalid-request counter: `invalidRequests.count(emu.botToken)`. */
  invalidRequests: InvalidRequestLimit;
  close(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  heartbeatIntervalMs: 41_250,
  resumeWindowMs: 120_000,
  tokenTtlSeconds: 604_800,
} as const;

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? DEFAULTS.host;
  const logger = options.logger ?? silentEmulatorLogger;
  const now = options.now ?? Date.now;
  // Bad limit options throw here, before a port is taken.
  const sessionStartLimit = new SessionStartLimit(options.sessionStartLimit ?? {}, now);
  const invalidRequests = new InvalidRequestLimit(options.invalidRequestLimit ?? {}, now);
  const resourceLimits = resolveResourceLimits(options.resourceLimits ?? 'discord', options.limits);
  for (const [name, value] of Object.entries({ guilds: options.guilds, recommendedShards: options.recommendedShards, maxGuildsPerShard: options.maxGuildsPerShard })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new RangeError(`${name} must be a whole number ≥ 1 (got ${value})`);
  }
  const state = new EmulatorState({
    resourceLimits,
    ...(options.seed ? { seed: options.seed } : {}),
    extraUsers: options.extraUsers ?? 0,
    guilds: options.guilds ?? 1,
    tokenTtlSeconds: options.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds,
    now,
    onListenerError: (error) => logger.error(`[emulator] dispatch listener failed: ${String(error)}`),
  });
  const limiter = new RateLimiter({
    mode: options.rateLimits ?? 'discord',
    ...(options.routeLimits ? { routeLimits: options.routeLimits } : {}),
    ...(options.globalLimitPerSecond !== undefined ? { globalLimitPerSecond: options.globalLimitPerSecond } : {}),
    now,
  });
  const faults = new RestFaults();

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}`;
  const publicWsUrl = `ws://${hostInUrl}:${port}`;
  const gatewayUrl = gatewayUrlOf(publicWsUrl);

  const gateway = createGatewayServer({
    state,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
    resumeWindowMs: options.resumeWindowMs ?? DEFAULTS.resumeWindowMs,
    publicUrl: publicWsUrl,
    now,
    sessionStartLimit,
    ...(options.maxGuildsPerShard !== undefined ? { maxGuildsPerShard: options.maxGuildsPerShard } : {}),
  });
  const restApi = new RestApi({
    state,
    limiter,
    faults,
    logger,
    gatewayUrl,
    sessionStartLimit,
    invalidRequests,
    ...(options.recommendedShards !== undefined ? { recommendedShards: options.recommendedShards } : {}),
  });
  const avatars = new AvatarRoute(state);
  const oauthDeps = { state, baseUrl: url };
  const controlDeps = { state, faults, limiter, restApi, gateway, invalidRequests };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? '/', url);
    const path = parsed.pathname;
    const api = /^\/api(?:\/v\d+)?(\/.*)?$/.exec(path);
    if (api) {
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const apiPath = api[1] ?? '/';
      if (apiPath === '/oauth2/token') return handleToken(oauthDeps, req, res);
      if (apiPath === '/oauth2/authorize') return handleAuthorize(oauthDeps, req, res, parsed.searchParams);
      return restApi.handle(req, res, apiPath, parsed.searchParams);
    }
    if (path === '/oauth2/authorize') return handleAuthorize(oauthDeps, req, res, parsed.searchParams);
    if (avatars.matches(path)) {
      req.resume();
      return avatars.serve(path, res);
    }
    if (path === '/_emulator' || path.startsWith('/_emulator/')) {
      return handleControl(controlDeps, req, res, path.slice('/_emulator'.length));
    }
    req.resume();
    if (path === '/') return redirect(res, '/_emulator/');
    sendJson(res, 404, { message: '404: Not Found', code: 0 });
  };

  server.on('request', (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { message: 'Request entity too large', code: 40005 });
        return;
      }
      logger.error(`[emulator] ${req.method ?? '?'} ${req.url ?? '?'} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/gateway' || path === '/gateway/') gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });

  const creds = state.credentials;
  const users = Object.fromEntries(state.seedUsers().map((u) => [u.username, u])) as EmulatorUsers;
  logger.info(`[emulator] listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/api`,
    gatewayUrl,
    controlUrl: `${url}/_emulator`,
    botToken: creds.botToken,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    guildId: state.defaultGuildId,
    guildIds: state.guildIds(),
    users,
    state,
    gateway,
    invalidRequests,
    close: () => {
      closing ??= (async () => {
        restApi.releaseHung();
        await gateway.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
