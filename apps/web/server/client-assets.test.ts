import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerRequest } from 'srvx';
import { afterAll, describe, expect, it } from 'vitest';
import { clientAssets } from './client-assets.ts';

describe('clientAssets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-assets-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app-123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.ico'), 'icon');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const middleware = clientAssets(dir);
  const fromApp = () => new Response('from the app', { status: 200 });
  const get = async (path: string) => (await middleware(new Request(`http://localhost${path}`) as ServerRequest, fromApp)).text();

  it('serves files of the client build', async () => {
    expect(await get('/assets/app-123.js')).toBe('console.log(1)');
    expect(await get('/favicon.ico')).toBe('icon');
  });

  it('hands everything else to the app, including a missing file under a client folder', async () => {
    expect(await get('/api/ws-token')).toBe('from the app');
    expect(await get('/auth/discord/login?returnTo=/')).toBe('from the app');
    expect(await get('/')).toBe('from the app');
    expect(await get('/rooms/abc')).toBe('from the app');
    expect(await get('/assets/missing.js')).toBe('from the app');
    expect(await get('/%E0%A4%A')).toBe('from the app');
  });
});
