// `npm test`: install what is missing (packages, dist/ and the renderer built when older than the sources), then lint
// (layer rules included), type-check and run every test (test/dist/ runs the compiled CLI as it ships).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, ensureNpmPackages, ensureSystemPackages, TEST_SYSTEM_PACKAGES } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function step(name, cmd, args) {
  process.stderr.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  process.stderr.write(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s) ===\n`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

ensureNpmPackages();
if (!ensureSystemPackages(TEST_SYSTEM_PACKAGES)) process.exit(1);
ensureBuilt();
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
step('lint', bin('eslint'), ['--max-warnings', '0', '.']);
step('format', process.execPath, [path.join(root, 'scripts', 'format.mjs'), '--check']);
step('type-check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
if (existsSync(path.join(root, 'renderer', 'tsconfig.json'))) step('type-check renderer', bin('tsc'), ['-p', 'renderer/tsconfig.json', '--noEmit']);
step('tests', 'sh', ['scripts/with-keyring.sh', process.execPath, 'scripts/run-tests.mjs', ...process.argv.slice(2)]);
