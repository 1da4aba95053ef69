import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../support/cli.js';

// main/ may not import src/serve (layers), so the API table and the engine host exist twice until they move to
// src/: the copies must stay identical apart from import paths.
it('main/api and src/serve hold the same API schema and engine host', async () => {
  const read = (p: string): Promise<string> => readFile(path.join(ROOT, p), 'utf8');
  assert.equal(await read('main/api/apiSchema.ts'), await read('src/serve/apiSchema.ts'));
  const normalise = (s: string): string => s.replace(/'\.\.\/\.\.\/src\//g, "'../");
  assert.equal(normalise(await read('main/api/engineHost.ts')), await read('src/serve/host.ts'));
});
