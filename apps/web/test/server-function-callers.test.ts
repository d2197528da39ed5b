import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** `export const name = createServerFn(` in a module's text: the server functions it offers. */
function serverFunctions(source: string): string[] {
  return [...source.matchAll(/^export const (\w+) = createServerFn\(/gm)].map((m) => m[1]!);
}

/**
 * A server function is a public write (or read) door of its own, reachable by POST /_serverFn/<id>:
 * one that no page calls is surface to keep checked for auth and CSRF with nothing gained (the
 * host controls go through the JSON API, client/api.ts). Every one must be called outside its module.
 */
describe('server functions', () => {
  const sources = new Map(files(SRC).map((file) => [relative(SRC, file), readFileSync(file, 'utf8')]));
  const modules = [...sources].filter(([file]) => file.endsWith('.functions.ts'));

  it('are found the way they are written (the rule below is not vacuous)', () => {
    expect(serverFunctions("export const getX = createServerFn({ method: 'GET' })\nconst hidden = createServerFn()")).toEqual(['getX']);
    expect(modules.map(([file]) => file)).toContain('server/rooms.functions.ts');
    expect(modules.flatMap(([, text]) => serverFunctions(text))).toContain('getRoomPage');
  });

  it('each have a caller outside their own module', () => {
    const uncalled = modules.flatMap(([file, text]) =>
      serverFunctions(text)
        .filter((name) => ![...sources].some(([other, body]) => other !== file && new RegExp(`\\b${name}\\b`).test(body)))
        .map((name) => `${file}: ${name}`),
    );
    expect(uncalled).toEqual([]);
  });
});
