import { parseArgs } from 'node:util';
import { DISCORD_LIMITS } from '@repo/discord-emulator';
import { z } from 'zod';

export const SCENARIOS = ['rooms', 'lobby', 'connect', 'idle', 'slow', 'shards', 'all'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const REFERENCES = ['wire', 'floor', 'peer'] as const;
export type Reference = (typeof REFERENCES)[number];

/**
 * What the app keeps free in every guild for the server's own admins. The bench starts the app with
 * these (DISCORD_CAPACITY_RESERVE_CHANNELS / _ROLES, the app's defaults), so the capacity it
 * computes below is the one the app plans with.
 */
export const APP_RESERVE = { channels: 5, roles: 5 } as const;
/** Roles a seeded guild holds before any room: @everyone and the bot's; guilds 2…N also "Admin". */
const SEEDED_ROLES = { first: 2, other: 3 } as const;
/** Channels a seeded guild holds before any room: the "Game Rooms" category, #general, Lounge. */
const SEEDED_CHANNELS = 3;

/**
 * How many rooms (one role and one voice channel each, plus a category per 50) the app can place in
 * one of the emulator's guilds with Discord's limits on: guild 1 (index 0) holds 243, the others
 * one fewer (their "Admin" role).
 */
export function roomsPerGuild(guildIndex: number): number {
  const byRoles = DISCORD_LIMITS.rolesPerGuild - APP_RESERVE.roles - (guildIndex === 0 ? SEEDED_ROLES.first : SEEDED_ROLES.other);
  const channels = DISCORD_LIMITS.channelsPerGuild - APP_RESERVE.channels - SEEDED_CHANNELS;
  let byChannels = 0;
  while (byChannels + 1 + Math.ceil((byChannels + 1) / DISCORD_LIMITS.channelsPerCategory) <= channels) byChannels++;
  return Math.min(byRoles, byChannels);
}
/** Guild 1's capacity: what one guild holds (243 rooms, 972 connections in rooms of 4). */
export const MAX_ROOMS_PER_GUILD = roomsPerGuild(0);
/** What the README suggests for runs within one guild: the "about 240 rooms" of issue 14. */
const ROOMS_THAT_FIT = 240;

/** Every knob with its default and unit; `pnpm bench --help` prints this table. */
export const BenchDefaults = {
  scenario: 'rooms' as Scenario,
  /**
   * Authenticated WebSocket clients (one per generated user), in rooms of 4: 960 is 240 rooms,
   * what one guild holds within Discord's limits and the app's admin reserve, so a plain
   * `pnpm bench` runs with the limits on.
   */
  connections: ROOMS_THAT_FIT * 4,
  /**
   * Guilds in the bench's emulator. Generated user i goes to guild ((i − 1) mod N) + 1, and rooms of
   * 4 are made of one guild's users, in that guild: with N guilds the limits hold N times the rooms.
   * The shards scenario defaults to 4.
   */
  guilds: 1,
  /** Driven events per second (voice changes for rooms/slow, invite redemptions for lobby). */
  rate: 200,
  /** Seconds of driven load per measured phase. */
  duration: 10,
  /** Client worker processes (on the bench's core). */
  workers: 2,
  /** Requests in flight per worker during sign-in and room setup. */
  setupConcurrency: 64,
  /** Connection attempts in flight per worker during the connect storm. */
  stormConcurrency: 100,
  /** After `rooms`, search the highest sustainable rate for the app and the reference. */
  max: false,
  /** Seconds per step of the max-rate search. */
  stepDuration: 5,
  /** A step is sustainable when p99 stays under this many ms with no loss. */
  maxP99Ms: 50,
  /** Spectator joins per second in the lobby scenario (each is an HTTP request plus a fan-out). */
  lobbyRate: 50,
  /** Extra voice changes per second into the slow consumer's room (scenario slow). */
  slowRate: 1_000,
  /**
   * The emulator's Discord resource limits (50 channels per category, 500 per guild, 250 roles).
   * 'discord' holds the bench to what one real guild can hold (~240 rooms); runs with more rooms
   * need 'off', and their results say so.
   */
  emulatorLimits: 'discord' as 'discord' | 'off',
  /** Compare against the references (all of them; --no-reference for none). */
  reference: true,
  /**
   * Which references: `wire` (bare `ws` fed pre-digested events on a control socket), `floor`
   * (the same job by hand on the Gateway), `peer` (discord.js + ws). The last two run in rooms/all.
   */
  refs: [...REFERENCES] as Reference[],
  /** The Node binary for the app and the references (the bench itself runs on pnpm's Node). */
  node: process.execPath,
  /** Pin the bench to CPU 0 and the servers to CPU 1 (taskset). */
  pin: true,
  cpuProf: false,
  /** Extra Node flags for the app (diagnostics, e.g. --heapsnapshot-signal=SIGUSR2). */
  appNodeArgs: '',
  /** The app's entry, relative to apps/web: the bundle `pnpm start` runs; a .ts entry runs with tsx. */
  appEntry: 'dist/prod.mjs',
  /** Copy the app's stdout/stderr to this file. */
  appLog: '',
  /** Seconds to keep everything running after the scenario (to inspect the app). */
  hold: 0,
  logLevel: 'warn',
  out: '',
};

export type BenchOptions = typeof BenchDefaults;

const HELP = `pnpm bench [flags]

  --scenario <name>     rooms | lobby | connect | idle | slow | shards | all (default ${BenchDefaults.scenario})
  --connections <n>     authenticated WebSocket clients                    (default ${BenchDefaults.connections})
  --guilds <n>          guilds in the emulator; users and their rooms spread round robin (default ${BenchDefaults.guilds}; shards: 4)
  --rate <n>            driven events per second                           (default ${BenchDefaults.rate})
  --duration <s>        seconds of load per measured phase                 (default ${BenchDefaults.duration})
  --max                 rooms: also search the max sustainable rate (app and reference)
  --step-duration <s>   seconds per max-search step                        (default ${BenchDefaults.stepDuration})
  --max-p99 <ms>        max search: a step passes with p99 under this      (default ${BenchDefaults.maxP99Ms})
  --lobby-rate <n>      lobby: spectator joins per second                  (default ${BenchDefaults.lobbyRate})
  --slow-rate <n>       slow: extra events/s into the slow client's room   (default ${BenchDefaults.slowRate})
  --workers <n>         client worker processes                            (default ${BenchDefaults.workers})
  --setup-concurrency <n>  sign-in/room requests in flight per worker      (default ${BenchDefaults.setupConcurrency})
  --storm-concurrency <n>  connect: connection attempts in flight per worker (default ${BenchDefaults.stormConcurrency})
  --emulator-limits <discord|off>  Discord's channel/role limits in the emulator (default ${BenchDefaults.emulatorLimits});
                        guild 1 holds at most ${MAX_ROOMS_PER_GUILD} rooms, guilds 2…N ${roomsPerGuild(1)} (the app's reserve kept free);
                        more need --guilds or "off"
  --refs <list>         references, comma-separated: wire (bare ws), floor (same job on the Gateway,
                        by hand), peer (discord.js + ws)                   (default ${BenchDefaults.refs.join(',')})
  --no-reference        skip every reference
  --node <path>         the Node binary for the app and the references     (default: pnpm's, ${process.version})
  --no-pin              do not pin processes to CPUs
  --cpu-prof            run the app with --cpu-prof (profile in apps/bench/results/profiles/)
  --app-node-args="<flags>"  extra Node flags for the app (e.g. --app-node-args=--heapsnapshot-signal=SIGUSR2)
  --app-entry <file>    the app's entry in apps/web (default dist/prod.mjs; a .ts runs with tsx)
  --app-log <file>      copy the app's output (JSON logs, --trace-gc, …) to a file
  --hold <s>            keep everything running this long after the scenario (inspection)
  --log-level <level>   the app's LOG_LEVEL                                (default ${BenchDefaults.logLevel})
  --out <file>          results JSON (default apps/bench/results/<date>.json)
`;

const positiveInt = z.coerce.number().int().positive();

/** A flag's value through its schema, or an error that names the flag and what it got. */
function flag<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(`--${name} ${String(value)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
}


/** Users of each guild: user i (1-based) is in guild ((i − 1) mod N) + 1, as the emulator deals them. */
export function usersPerGuild(connections: number, guilds: number): number[] {
  return Array.from({ length: guilds }, (_, k) => Math.floor(connections / guilds) + (k < connections % guilds ? 1 : 0));
}

/** Why these options cannot run (rooms a real guild could not hold), or null. */
export function emulatorLimitsProblem(o: Pick<BenchOptions, 'connections' | 'emulatorLimits' | 'guilds'>, roomSize: number): string | null {
  if (o.emulatorLimits === 'off') return null;
  const overflow = (guilds: number) =>
    usersPerGuild(o.connections, guilds)
      .map((users, k) => ({ guild: k + 1, rooms: Math.ceil(users / roomSize), capacity: roomsPerGuild(k) }))
      .filter((g) => g.rooms > g.capacity);
  const over = overflow(o.guilds);
  if (over.length === 0) return null;
  const first = over[0]!;
  let enough = o.guilds + 1;
  while (overflow(enough).length > 0) enough++;
  return (
    `${o.connections} connections over ${o.guilds} guild(s) make ${first.rooms} rooms in guild ${first.guild} (${over.length} guild(s) over), ` +
    `more than it can hold with Discord's limits on: ${first.capacity} rooms (${DISCORD_LIMITS.rolesPerGuild} roles, ${DISCORD_LIMITS.channelsPerGuild} channels per guild, ` +
    `${APP_RESERVE.roles} roles and ${APP_RESERVE.channels} channels kept free for the server's admins; guild 1 holds ${MAX_ROOMS_PER_GUILD}, the others ${roomsPerGuild(1)}). ` +
    `Spread them over more guilds (--guilds ${enough} or more), use fewer connections, ` +
    "or run with --emulator-limits off to lift Discord's limits in the emulator (the results then say so)."
  );
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      scenario: { type: 'string' },
      connections: { type: 'string' },
      guilds: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      max: { type: 'boolean' },
      'step-duration': { type: 'string' },
      'max-p99': { type: 'string' },
      'slow-rate': { type: 'string' },
      'lobby-rate': { type: 'string' },
      workers: { type: 'string' },
      'setup-concurrency': { type: 'string' },
      'storm-concurrency': { type: 'string' },
      'emulator-limits': { type: 'string' },
      'no-reference': { type: 'boolean' },
      refs: { type: 'string' },
      node: { type: 'string' },
      'no-pin': { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      'log-level': { type: 'string' },
      'app-node-args': { type: 'string' },
      hold: { type: 'string' },
      'app-entry': { type: 'string' },
      'app-log': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const d = BenchDefaults;
  return {
    scenario: z.enum(SCENARIOS).parse(values.scenario ?? d.scenario),
    connections: flag('connections', positiveInt.max(20_000), values.connections ?? d.connections),
    guilds: flag('guilds', positiveInt.max(100), values.guilds ?? (values.scenario === 'shards' ? 4 : d.guilds)),
    rate: z.coerce.number().positive().max(200_000).parse(values.rate ?? d.rate),
    duration: z.coerce.number().positive().max(600).parse(values.duration ?? d.duration),
    workers: positiveInt.max(16).parse(values.workers ?? d.workers),
    setupConcurrency: positiveInt.parse(values['setup-concurrency'] ?? d.setupConcurrency),
    stormConcurrency: positiveInt.parse(values['storm-concurrency'] ?? d.stormConcurrency),
    max: values.max ?? d.max,
    stepDuration: z.coerce.number().positive().max(60).parse(values['step-duration'] ?? d.stepDuration),
    maxP99Ms: z.coerce.number().positive().parse(values['max-p99'] ?? d.maxP99Ms),
    lobbyRate: z.coerce.number().positive().max(10_000).parse(values['lobby-rate'] ?? d.lobbyRate),
    slowRate: z.coerce.number().positive().max(100_000).parse(values['slow-rate'] ?? d.slowRate),
    emulatorLimits: z.enum(['discord', 'off']).parse(values['emulator-limits'] ?? d.emulatorLimits),
    reference: !values['no-reference'],
    refs: z
      .array(z.enum(REFERENCES))
      .min(1)
      .parse(values.refs === undefined ? d.refs : [...new Set(values.refs.split(',').map((r) => r.trim()))]),
    node: z.string().min(1).parse(values.node ?? d.node),
    pin: !values['no-pin'],
    cpuProf: values['cpu-prof'] ?? d.cpuProf,
    appNodeArgs: values['app-node-args'] ?? d.appNodeArgs,
    appEntry: values['app-entry'] ?? d.appEntry,
    appLog: values['app-log'] ?? d.appLog,
    hold: z.coerce.number().min(0).max(3600).parse(values.hold ?? d.hold),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).parse(values['log-level'] ?? d.logLevel),
    out: values.out ?? d.out,
  };
}

export { HELP };
