// Diagnostic: where the app's resident memory goes before any connection. Starts an emulator and
// the production app (the start script's flags, plus any given), waits, then prints /proc's RSS
// split and V8's heap spaces (from the app's /api/metrics). No load: setup only.
//   node --import tsx src/mem-probe.ts [--node <bin>] [--wait <s>] [-- <extra node flags>]
import { startEmulator } from '@repo/discord-emulator';
import { freePort } from '@repo/platform/free-port';
import { scrapeMetrics } from './app-probe.ts';
import { sleep } from './clock.ts';
import { killAllChildren, procStatusKb, startApp } from './processes.ts';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const flag = (name: string) => {
  const i = own.indexOf(name);
  return i >= 0 ? own[i + 1] : undefined;
};
const nodeBin = flag('--node') ?? process.execPath;
const waitS = Number(flag('--wait') ?? '8');

const emulator = await startEmulator({ port: 0, extraUsers: 0, rateLimits: 'off' });
try {
  const app = await startApp({ emulator, nodeBin, port: await freePort(), nodeArgs: extra, logLevel: 'warn', resourceLimits: 'discord' });
  await sleep(waitS * 1000);
  const field = (name: string) => procStatusKb(app.pid, name) / 1024;
  const metrics = await scrapeMetrics(app.baseUrl);
  const lines = (metrics ?? '').split('\n');
  const pick = (re: RegExp) => lines.filter((l) => re.test(l)).map((l) => l.replace(/^spellrooms_nodejs_/, ''));
  console.log(`node ${nodeBin} ${extra.join(' ')}`);
  console.log(`VmRSS ${field('VmRSS').toFixed(1)} MB  RssAnon ${field('RssAnon').toFixed(1)}  RssFile ${field('RssFile').toFixed(1)}  VmData ${field('VmData').toFixed(1)}`);
  for (const l of pick(/^spellrooms_nodejs_(heap_size|heap_space_size_(total|used)|external_memory)/)) console.log('  ' + l);
  for (const l of pick(/^spellrooms_process_(resident|heap)/)) console.log('  ' + l);
  await app.stop();
} finally {
  await emulator.close();
  killAllChildren();
}
