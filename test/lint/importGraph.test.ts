import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ROOT } from '../support/cli.js';
// @ts-expect-error -- a plain ES module without types: the layer order the ESLint rule enforces
import { ENGINE_ORDER } from '../../scripts/eslint-layers.js';

/** The front ends of src/: above the engine, outside its order (they import the façade). */
const FRONT_ENDS = ['cli', 'serve'];

/** An edge of the module graph, with one file that makes it (for the message). */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** src/<module>/… → module; src/<name>.ts → name (src/index.ts is the module "index"). */
function moduleOf(src: string, file: string): string | null {
  const rel = path.relative(src, file).split(path.sep);
  if (rel[0] === '..' || rel.length === 0) return null;
  return rel.length === 1 ? (rel[0] as string).replace(/\.[cm]?[jt]sx?$/, '') : (rel[0] as string);
}

/** The static import graph between the modules of <root>/src: import and export-from statements, type-only ones included. */
function moduleGraph(root: string): Edge[] {
  const src = path.join(root, 'src');
  const edges = new Map<string, Edge>();
  for (const file of sourceFiles(src)) {
    const from = moduleOf(src, file) as string;
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    for (const st of sf.statements) {
      const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
      if (!spec?.startsWith('.')) continue;
      const to = moduleOf(src, path.resolve(path.dirname(file), spec));
      if (to === null || to === from) continue;
      const key = `${from}→${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, file: path.relative(root, file).split(path.sep).join('/') });
    }
  }
  return [...edges.values()];
}

/** Every cycle between modules (one per strongly connected component), as "a → b → a (a/x.ts, b/y.ts)". */
function cycles(edges: readonly Edge[]): string[] {
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const e of out.get(v) ?? []) {
      if (!index.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v) as number, low.get(e.to) as number));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v) as number, index.get(e.to) as number));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) components.push(c);
    }
  };
  for (const v of [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()) if (!index.has(v)) visit(v);
  // Name each component by one cycle through it: a shortest path back to its first module.
  return components.map((c) => {
    const members = new Set(c);
    const start = [...c].sort()[0] as string;
    const prev = new Map<string, Edge>();
    const queue = [start];
    let back: Edge | undefined;
    while (queue.length > 0 && !back) {
      const v = queue.shift() as string;
      for (const e of out.get(v) ?? []) {
        if (!members.has(e.to)) continue;
        if (e.to === start) {
          back = e;
          break;
        }
        if (!prev.has(e.to)) {
          prev.set(e.to, e);
          queue.push(e.to);
        }
      }
    }
    const path: Edge[] = [back as Edge];
    for (let v = (back as Edge).from; v !== start; v = (prev.get(v) as Edge).from) path.unshift(prev.get(v) as Edge);
    return `${[start, ...path.map((e) => e.to)].join(' → ')} (${path.map((e) => e.file).join(', ')})`;
  });
}

/** Imports between engine modules that point up the stack (ENGINE_ORDER, bottom-up), and engine imports of a front end. */
function upward(edges: readonly Edge[]): string[] {
  const order = ENGINE_ORDER as readonly string[];
  return edges
    .filter((e) => !FRONT_ENDS.includes(e.from))
    .filter((e) => FRONT_ENDS.includes(e.to) || order.indexOf(e.to) < 0 || order.indexOf(e.from) < 0 || order.indexOf(e.to) >= order.indexOf(e.from))
    .map((e) => `src/${e.from} → src/${e.to} (${e.file})`)
    .sort();
}

test('the modules of src/ import each other without a cycle', () => {
  const edges = moduleGraph(ROOT);
  assert.ok(edges.length > 50, `the graph was not read (${edges.length} edges)`);
  assert.deepEqual(cycles(edges), []);
});

test('every import between modules of src/ points down the stack (ARCHITECTURE.md §3), none into a front end', () => {
  assert.deepEqual(upward(moduleGraph(ROOT)), []);
});

test('the graph check names a cycle and an upward import', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'graph-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('src/crypto/index.ts', "export { r } from '../repository/index.js';\n");
  write('src/repository/index.ts', "import type { X } from '../catalog/x.js';\nexport const r = 1;\nexport type Y = X;\n");
  write('src/catalog/x.ts', "import { r } from '../crypto/index.js';\nexport type X = typeof r;\n");
  write('src/shared/index.ts', 'export const s = 1;\n');
  write('src/index.ts', "export { s } from './shared/index.js';\n");
  const edges = moduleGraph(root);
  assert.deepEqual(cycles(edges), ['catalog → crypto → repository → catalog (src/catalog/x.ts, src/crypto/index.ts, src/repository/index.ts)']);
  assert.deepEqual(upward(edges), ['src/crypto → src/repository (src/crypto/index.ts)', 'src/repository → src/catalog (src/repository/index.ts)']);
});
