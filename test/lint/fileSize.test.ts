import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli.js';

/** The most lines a source file may have (issue #15): past it, split the file along its sections. */
const MAX_LINES = 600;
/** The i18n catalogue (word lists per area) is exempt: it grows with the product's text, not its logic. */
const EXEMPT = /^src\/i18n\/messages\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.isFile() && e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Files under <root>/src over MAX_LINES lines (counted as `wc -l` does), as "src/…: N lines". */
function oversized(root: string): string[] {
  return sourceFiles(path.join(root, 'src'))
    .map((file) => ({ rel: path.relative(root, file).split(path.sep).join('/'), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => !EXEMPT.test(f.rel) && f.lines > MAX_LINES)
    .map((f) => `${f.rel}: ${f.lines} lines`)
    .sort();
}

test(`no file in src/ is over ${MAX_LINES} lines (the i18n catalogue excepted)`, () => {
  const over = oversized(ROOT);
  assert.deepEqual(over, [], `split these along their sections into sibling files of the same module:\n${over.join('\n')}`);
});

test('the size guard names an oversized file and skips the i18n catalogue', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'filesize-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, lines: number): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), 'export const x = 1;\n'.repeat(lines));
  };
  write('src/catalog/big.ts', MAX_LINES + 1);
  write('src/catalog/fits.ts', MAX_LINES);
  write('src/i18n/messages/words.ts', MAX_LINES * 2);
  assert.deepEqual(oversized(root), [`src/catalog/big.ts: ${MAX_LINES + 1} lines`]);
});
