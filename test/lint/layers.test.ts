import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { ROOT } from '../support/cli.js';

async function layerErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/layers').map((m) => m.message);
}

test('imports that point up the stack or into a front end fail lint', async () => {
  assert.equal((await layerErrors('src/crypto/x.ts', "import { Repository } from '../repository/repository.js';\nexport const r = Repository;\n")).length, 1);
  assert.equal((await layerErrors('src/shared/x.ts', "import { t } from '../i18n/index.js';\nexport const f = t;\n")).length, 1);
  assert.equal((await layerErrors('src/repository/x.ts', "import { main } from '../cli/main.js';\nexport const m = main;\n")).length, 1);
  assert.equal((await layerErrors('src/backend/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).length, 1);
  assert.equal((await layerErrors('src/cli/x.ts', "import { Repository } from '../repository/repository.js';\nexport const r = Repository;\n")).length, 1);
  assert.equal((await layerErrors('main/x.ts', "import { Repository } from '../src/repository/repository.js';\nexport const r = Repository;\n")).length, 1);
  assert.equal((await layerErrors('renderer/src/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).length, 1);
  assert.equal((await layerErrors('renderer/src/x.ts', "import { exitCodeFor } from '../../src/shared/errors.js';\nexport const e = exitCodeFor;\n")).length, 1);
});

test('imports that point down the stack pass', async () => {
  assert.deepEqual(await layerErrors('src/repository/x.ts', "import { sha256 } from '../crypto/index.js';\nexport const s = sha256;\n"), []);
  assert.deepEqual(await layerErrors('src/cli/x.ts', "import { createEngine } from '../index.js';\nexport const c = createEngine;\n"), []);
  assert.deepEqual(await layerErrors('renderer/src/x.ts', "import type { ErrorInfo } from '../../src/shared/errors.js';\nexport type E = ErrorInfo;\n"), []);
  assert.deepEqual(await layerErrors('main/x.ts', "import { createEngine } from '../src/index.js';\nexport const c = createEngine;\n"), []);
});

test('front ends may read the i18n catalogue through src/i18n/index.ts only, not its inner files', async () => {
  assert.deepEqual(await layerErrors('src/cli/x.ts', "import { t } from '../i18n/index.js';\nexport const f = t;\n"), []);
  assert.deepEqual(await layerErrors('src/serve/x.ts', "import { t } from '../i18n/index.js';\nexport const f = t;\n"), []);
  assert.equal((await layerErrors('src/cli/x.ts', "import { cliMessages } from '../i18n/messages/cli.js';\nexport const m = cliMessages;\n")).length, 1);
  assert.equal((await layerErrors('src/cli/x.ts', "import { Catalog } from '../catalog/catalog.js';\nexport const c = Catalog;\n")).length, 1);
});

test('another module is imported through its public surface (index.ts) only; a lazy import() may reach inside', async () => {
  const deep = await layerErrors('src/repository/x.ts', "import { sha256 } from '../crypto/primitives.js';\nexport const s = sha256;\n");
  assert.equal(deep.length, 1);
  assert.match(deep[0] as string, /public surface src\/crypto\/index\.ts/);
  assert.equal((await layerErrors('src/cli/x.ts', "import { exitCodeFor } from '../shared/errors.js';\nexport const e = exitCodeFor;\n")).length, 1);
  assert.deepEqual(await layerErrors('src/cli/x.ts', "import { exitCodeFor } from '../shared/index.js';\nexport const e = exitCodeFor;\n"), []);
  assert.deepEqual(await layerErrors('src/engine/x.ts', "export const load = () => import('../reports/pdf.js');\n"), []);
  // Inside a module, files import each other directly.
  assert.deepEqual(await layerErrors('src/repository/x.ts', "import { Repository } from './repository.js';\nexport const r = Repository;\n"), []);
});

test('the renderer may run src/shared/portable (pure code, one copy for engine and screens), whose files import only each other', async () => {
  assert.deepEqual(await layerErrors('renderer/src/x.ts', "import { formatMessage } from '../../src/shared/portable/messageFormat';\nexport const f = formatMessage;\n"), []);
  assert.equal((await layerErrors('renderer/src/x.ts', "import { API } from '../../src/shared/api';\nexport const a = API;\n")).length, 1);
  assert.deepEqual(await layerErrors('src/shared/portable/x.ts', "import type { Locale } from './locale.js';\nexport type L = Locale;\n"), []);
  assert.equal((await layerErrors('src/shared/portable/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).length, 1);
  assert.equal((await layerErrors('src/shared/portable/x.ts', "import { API } from '../api.js';\nexport const a = API;\n")).length, 1);
});
