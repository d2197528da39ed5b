import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const importFrom = /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module specifier reachable from `entry` through relative imports, with the file it is named in. */
function reachableImports(entry: string): Array<{ file: string; specifier: string }> {
  const seen = new Set<string>();
  const found: Array<{ file: string; specifier: string }> = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(importFrom)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (!specifier) continue;
      found.push({ file, specifier });
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
    }
  };
  visit(entry);
  return found;
}

const isNodeOnly = (specifier: string): boolean => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');

describe('@repo/platform entry', () => {
  it('reaches no Node-only module, so the browser bundle may import it', () => {
    const imports = reachableImports(resolve(here, 'index.ts'));
    expect(imports.map((i) => i.specifier)).toContain('./backoff.ts');
    expect(imports.filter((i) => isNodeOnly(i.specifier))).toEqual([]);
  });

  it('the check sees a Node import where there is one (the free-port subpath)', () => {
    expect(reachableImports(resolve(here, 'free-port.ts')).filter((i) => isNodeOnly(i.specifier)).map((i) => i.specifier)).toEqual(['node:net']);
  });

  it('keeps the test helpers off the entry', () => {
    expect(reachableImports(resolve(here, 'index.ts')).filter((i) => i.specifier.includes('testing'))).toEqual([]);
  });
});
