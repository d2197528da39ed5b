import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/**
 * The import graph of the server's own modules, read from the source text: enough to hold the
 * architecture rule "no folder-level import cycles" (a folder is a part; parts depend one way).
 *
 * A regex over import lines, not the TypeScript compiler: our sources always import with a literal
 * relative path and its `.ts` extension, so the specifier names the file exactly. Type-only imports
 * count: a cycle through types is still two parts that cannot be understood one without the other.
 */

/** Test-only files never reach the server: they may reach across parts (a contract, a harness). */
const TEST_ONLY_FILE = /\.(test|spec|contract|fuzz)\.[cm]?tsx?$|\.d\.ts$/;

// `import … from '…'`, `export … from '…'` (possibly over several lines), `import '…'` and `import('…')`.
const IMPORT_PATTERNS = [/^\s*(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];

/** Relative import specifiers of one module, in source order. */
export function importSpecifiers(source: string): string[] {
  const found: Array<{ at: number; specifier: string }> = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1];
      if (specifier?.startsWith('.')) found.push({ at: match.index, specifier });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.specifier);
}

/** Every non-test `.ts`/`.tsx` file under `root`, as posix paths relative to it, with its text. */
export function readModules(root: string): Map<string, string> {
  const modules = new Map<string, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.tsx?$/.test(entry.name) && !TEST_ONLY_FILE.test(entry.name)) modules.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  visit(root);
  return modules;
}

/** A file's part: its top folder, or the file itself when it sits at the top (config.ts, services.ts). */
export function partOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file : `${file.slice(0, slash)}/`;
}

export interface ImportEdge {
  from: string;
  to: string;
}

/** File → file imports among `modules` (specifiers that leave the set, packages and tests, are not edges). */
export function fileEdges(modules: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [file, source] of modules) {
    for (const specifier of importSpecifiers(source)) {
      const to = posix.normalize(posix.join(dirname(file), specifier));
      if (modules.has(to) && to !== file) edges.push({ from: file, to });
    }
  }
  return edges;
}

/**
 * Groups of nodes that reach each other (Tarjan's strongly connected components), largest first;
 * each group comes with the edges inside it, so a failure names the imports to cut.
 */
export function cycles(edges: readonly ImportEdge[]): Array<{ nodes: string[]; edges: ImportEdge[] }> {
  const out = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!out.has(from)) out.set(from, new Set());
    if (!out.has(to)) out.set(to, new Set());
    out.get(from)!.add(to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of out.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of [...out.keys()].sort()) if (!index.has(node)) connect(node);
  return groups
    .sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!))
    .map((nodes) => ({ nodes, edges: edges.filter((e) => nodes.includes(e.from) && nodes.includes(e.to)) }));
}

/** Part → part imports, each carrying the file imports that make it (a cycle's explanation). */
export function partEdges(files: readonly ImportEdge[]): Map<string, ImportEdge[]> {
  const byPart = new Map<string, ImportEdge[]>();
  for (const edge of files) {
    const key = `${partOf(edge.from)} -> ${partOf(edge.to)}`;
    if (partOf(edge.from) === partOf(edge.to)) continue;
    const list = byPart.get(key) ?? [];
    list.push(edge);
    byPart.set(key, list);
  }
  return byPart;
}

/** The folder-level cycles, each explained by the file imports along it. */
export function partCycles(files: readonly ImportEdge[]): string[] {
  const byPart = partEdges(files);
  const edges = [...byPart.keys()].map((key) => {
    const [from, to] = key.split(' -> ') as [string, string];
    return { from, to };
  });
  return cycles(edges).map(({ nodes, edges: inside }) => {
    const why = inside.flatMap((e) => byPart.get(`${e.from} -> ${e.to}`)!.map((f) => `    ${f.from} → ${f.to}`));
    return `${nodes.join(' ⇄ ')}\n${why.join('\n')}`;
  });
}

/** The file-level cycles (modules that import each other, directly or around a loop). */
export function fileCycles(files: readonly ImportEdge[]): string[] {
  return cycles(files).map(({ nodes, edges }) => `${nodes.join(' ⇄ ')}\n${edges.map((e) => `    ${e.from} → ${e.to}`).join('\n')}`);
}
