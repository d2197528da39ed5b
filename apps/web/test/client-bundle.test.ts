import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Builds the app with sentinel secrets in the environment (as a careless CI might) and scans what
 * browsers download: neither the values nor server-only code may be in it.
 */
const appDir = fileURLToPath(new URL('..', import.meta.url));
const SECRETS = {
  DISCORD_BOT_TOKEN: 'SENTINEL-bot-token-5f0c2a',
  DISCORD_CLIENT_SECRET: 'SENTINEL-client-secret-9b1e44',
  SESSION_SECRET: 'SENTINEL-session-secret-0123456789abcdef0123',
};

let outDir: string | undefined;
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('client bundle', () => {
  it('contains no secret and no server-only module', { timeout: 180_000 }, async () => {
    outDir = await mkdtemp(join(tmpdir(), 'spell-rooms-build-'));
    await promisify(execFile)(process.execPath, [join(appDir, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir], {
      cwd: appDir,
      env: { ...process.env, ...SECRETS, DISCORD_CLIENT_ID: '123456789012345678', DISCORD_GUILD_ID: '123456789012345679' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = await filesUnder(join(outDir, 'client'));
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [name, value] of Object.entries(SECRETS)) {
        expect(text.includes(value), `${name}'s value in ${file}`).toBe(false);
      }
      // Markers of server code: the config reader, the logger, the OAuth client secret handling.
      for (const marker of ['DISCORD_BOT_TOKEN', 'SESSION_SECRET', 'clientSecret', 'pino-pretty', 'hkdfSync']) {
        expect(text.includes(marker), `"${marker}" in ${file}`).toBe(false);
      }
    }
  });
});
