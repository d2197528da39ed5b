import { parseArgs } from 'node:util';
import { DISCORD_LIMITS } from '@repo/discord-emulator';
import { z } from 'zod';

export const SCENARIOS = ['rooms', 'lobby', 'connect', 'idle', 'slow', 'all'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const REFERENCES = ['wire', 'floor', 'peer'] as const;
export type Reference = (typeof REFERENCES)[number];

/**
 * Each room is one role and one voice channel. Discord's 250 roles per guild include @everyone
 * and the bot's own role, so no guild holds more than 248 rooms, whatever the app does.
 */
export const MAX_ROOMS_PER_GUILD = DISCORD_LIMITS.rolesPerGuild - 2;
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

  --scenario <name>     rooms | lobby | connect | idle | slow | all        (default ${BenchDefaults.scenario})
  --connections <n>     authenticated WebSocket clients                    (default ${BenchDefaults.connections})
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
                        one guild holds at most ${MAX_ROOMS_PER_GUILD} rooms (${MAX_ROOMS_PER_GUILD * 4} connections in rooms of 4); more need "off"
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


/** Why these options cannot run (a scenario a real guild could not hold), or null. */
export function emulatorLimitsProblem(o: Pick<BenchOptions, 'connections' | 'emulatorLimits'>, roomSize: number): string | null {
  const rooms = Math.ceil(o.connections / roomSize);
  if (o.emulatorLimits === 'off' || rooms <= MAX_ROOMS_PER_GUILD) return null;
  return (
    `${o.connections} connections make ${rooms} rooms, more than one Discord guild can hold ` +
    `(${DISCORD_LIMITS.rolesPerGuild} roles, ${DISCORD_LIMITS.channelsPerGuild} channels: at most ${MAX_ROOMS_PER_GUILD} rooms). ` +
    'Run with --emulator-limits off to lift Discord\'s limits in the emulator (the results then say so), ' +
    `or with fewer connections (${ROOMS_THAT_FIT * roomSize} make ${ROOMS_THAT_FIT} rooms, which fit beside the app's reserve for the server's admins).`
  );
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      scenario: { type: 'string' },
      connections: { type: 'string' },
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
    connections: positiveInt.max(20_000).parse(values.connections ?? d.connections),
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
