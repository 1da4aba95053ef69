// `npm run demo`: installs what is missing (packages, then dist/ and the renderer built from the sources), then runs
// the product's main job on embedded defaults with the compiled CLI (bin/clinic-backup.js), as it ships.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, ensureNpmPackages } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureNpmPackages();
ensureBuilt();
const r = spawnSync(process.execPath, ['--experimental-websocket', path.join(root, 'bin', 'clinic-backup.js'), 'demo', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
