import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileCycles, fileEdges, importSpecifiers, partCycles, partOf, readModules } from './import-graph.ts';

const SERVER = fileURLToPath(new URL('../src/server', import.meta.url));

/**
 * Each folder of apps/web/src/server is a part of the architecture, and parts depend one way
 * (README, "Architecture"): a folder cycle means neither part can be read, tested or replaced
 * without the other. Files at the top (config.ts, services.ts, …) are each a part of their own.
 */
describe('the server’s parts', () => {
  const modules = readModules(SERVER);
  const edges = fileEdges(modules);

  it('reads the real tree (the rule below is not vacuous)', () => {
    expect(modules.has('services.ts')).toBe(true);
    expect(edges.some((e) => partOf(e.from) === 'composition/' && partOf(e.to) === 'rooms/')).toBe(true);
    expect(edges.some((e) => partOf(e.from) === 'rooms/' && partOf(e.to) === 'realtime/')).toBe(true);
  });

  it('have no folder-level import cycle', () => {
    expect(partCycles(edges)).toEqual([]);
  });

  it('have no file-level import cycle either', () => {
    expect(fileCycles(edges)).toEqual([]);
  });

  it('have no source file over 400 lines (STYLE.md): a longer file is split, not squeezed', () => {
    const lines = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    expect(lines('a\nb\n')).toBe(2);
    expect([...modules].filter(([, text]) => lines(text) > 400).map(([file, text]) => `${file}: ${lines(text)}`)).toEqual([]);
  });
});

describe('import graph', () => {
  it('finds every form of relative import and nothing else', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      'import {',
      '  c,',
      '  d,',
      "} from './cd.ts';",
      "export { e } from './e.ts';",
      "export * from './f.ts';",
      "import './side-effect.ts';",
      "const lazy = await import('./lazy.ts');",
      "import { z } from 'zod';",
      "export const note = 'nothing is imported from here';",
      '// read from the store',
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.ts', '../b/b.ts', './cd.ts', './e.ts', './f.ts', './side-effect.ts', './lazy.ts']);
  });

  it('names a folder cycle with the file imports that make it', () => {
    const modules = new Map([
      ['services.ts', "import { x } from './a/x.ts';"],
      ['a/x.ts', "import type { Y } from '../b/y.ts';"],
      ['b/y.ts', "import { z } from '../a/z.ts';"],
      ['a/z.ts', ''],
    ]);
    const edges = fileEdges(modules);
    // No file cycle (x → y → z), yet a ⇄ b at the folder level.
    expect(fileCycles(edges)).toEqual([]);
    expect(partCycles(edges)).toEqual(['a/ ⇄ b/\n    a/x.ts → b/y.ts\n    b/y.ts → a/z.ts']);
  });

  it('counts a top-level file as its own part, so a door importing the root makes a cycle', () => {
    const modules = new Map([
      ['services.ts', "import { Hub } from './realtime/hub.ts';"],
      ['realtime/hub.ts', ''],
      ['realtime/ws-entry.ts', "import { getServices } from '../services.ts';"],
    ]);
    expect(partCycles(fileEdges(modules))).toEqual(['realtime/ ⇄ services.ts\n    services.ts → realtime/hub.ts\n    realtime/ws-entry.ts → services.ts']);
  });

  it('finds a file cycle inside one folder', () => {
    const modules = new Map([
      ['rooms/room-service.ts', "import { A } from './guild-capacity.ts';"],
      ['rooms/guild-capacity.ts', "import { B } from './cleanup-job.ts';"],
      ['rooms/cleanup-job.ts', "import type { C } from './room-service.ts';"],
    ]);
    const edges = fileEdges(modules);
    expect(partCycles(edges)).toEqual([]);
    expect(fileCycles(edges)).toEqual([
      'rooms/cleanup-job.ts ⇄ rooms/guild-capacity.ts ⇄ rooms/room-service.ts\n    rooms/room-service.ts → rooms/guild-capacity.ts\n    rooms/guild-capacity.ts → rooms/cleanup-job.ts\n    rooms/cleanup-job.ts → rooms/room-service.ts',
    ]);
  });

  it('ignores imports that leave the tree and test-only modules', () => {
    const modules = new Map([
      ['a/x.ts', "import { s } from '../../../server/ws-upgrade.ts';\nimport { y } from '../b/y.ts';"],
      ['b/y.ts', ''],
    ]);
    expect(fileEdges(modules)).toEqual([{ from: 'a/x.ts', to: 'b/y.ts' }]);
  });
});
