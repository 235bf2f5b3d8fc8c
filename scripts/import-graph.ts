// Folder-level import graph of the runtime code: which folder imports which, and the cycles among them.
// `npm run deps` prints it; `--check` also exits 1 when there is a cycle. The lint rule in
// eslint.config.js enforces the allowed directions; this is the overview a reviewer reads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const SCANNED = ['src', 'infra', 'lambdas', 'bin', 'scripts', 'bench'];

/** The folder a file belongs to: `src/<name>` for the layers of src, otherwise the top folder. */
export function folderOf(file: string): string {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === 'src' && parts.length > 2) return `src/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : '.';
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** folder → folder → the files of the first folder that import the second. */
export function folderGraph(): Map<string, Map<string, Set<string>>> {
  const graph = new Map<string, Map<string, Set<string>>>();
  for (const top of SCANNED) {
    let files: string[];
    try {
      files = sourceFiles(join(ROOT, top));
    } catch {
      continue;
    }
    for (const file of files) {
      const from = folderOf(file);
      const edges = graph.get(from) ?? new Map<string, Set<string>>();
      graph.set(from, edges);
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const to = folderOf(resolve(dirname(file), fileName));
        if (to === from || !SCANNED.includes(to.split('/')[0]!)) continue;
        const importers = edges.get(to) ?? new Set<string>();
        importers.add(relative(ROOT, file));
        edges.set(to, importers);
      }
    }
  }
  return graph;
}

/** Pairs of folders that import each other, directly or through others (Tarjan's strongly connected components). */
export function cycles(graph: Map<string, Map<string, Set<string>>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  return components;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const graph = folderGraph();
  for (const from of [...graph.keys()].sort()) {
    const targets = [...(graph.get(from)?.keys() ?? [])].sort();
    console.log(`${from.padEnd(14)} → ${targets.join(', ') || '(nothing)'}`);
  }
  const mutual: string[] = [];
  for (const [from, edges] of graph)
    for (const to of edges.keys()) if (from < to && graph.get(to)?.has(from)) mutual.push(`${from} ↔ ${to}`);
  const found = cycles(graph);
  console.log(`\nmutual imports: ${mutual.sort().join('; ') || 'none'}`);
  console.log(`cycles: ${found.map((c) => c.join(' → ')).join('; ') || 'none'}`);
  if (process.argv.includes('--check') && found.length > 0) process.exit(1);
}
