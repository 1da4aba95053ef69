// The formatter (Prettier, settings in .prettierrc.json): `npm run format` rewrites, `--check` (run by lint and by
// npm test) fails on any file that is not formatted. One list of what is formatted, here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FORMATTED = ['src/**/*.ts', 'test/**/*.ts', 'main/**/*.ts', 'renderer/src/**/*.{ts,tsx}', 'scripts/**/*.{js,mjs,ts}', 'bench/**/*.{ts,mjs}'];

const check = process.argv.includes('--check');
// Files named on the command line (e.g. the ones a change touched) are formatted alone; otherwise every file above.
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const r = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), check ? '--check' : '--write', '--log-level', check ? 'warn' : 'log', ...(files.length > 0 ? files : FORMATTED)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (r.status !== 0 && check) process.stderr.write('Not formatted: run "npm run format".\n');
process.exit(r.status ?? 1);
