// Installs what a fresh machine lacks so `npm test` and `npm run demo` work from a clean clone:
// npm packages from the lockfile, what ships built from the sources (dist/ and the renderer, when missing or older
// than the sources: scripts/build.mjs), and (for tests) Debian packages when running as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.mjs';

export { ensureBuilt };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the test suite uses, keyed by a binary that proves each is present. */
export const TEST_SYSTEM_PACKAGES = {
  chromium: '/usr/bin/chromium',
  'gnome-keyring': '/usr/bin/gnome-keyring-daemon',
  dbus: '/usr/bin/dbus-run-session',
  'dbus-x11': '/usr/bin/dbus-launch',
  'libsecret-tools': '/usr/bin/secret-tool',
  'poppler-utils': '/usr/bin/pdftotext',
  'fonts-dejavu-core': '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  // Database sources (test/source/db): real servers started in temp folders, and their dump programs.
  'postgresql-15': '/usr/lib/postgresql/15/bin/initdb',
  'mariadb-server': '/usr/sbin/mariadbd',
  'mariadb-client': '/usr/bin/mariadb-dump',
  'firebird3.0-server': '/usr/sbin/firebird',
  'firebird3.0-utils': '/usr/bin/gbak',
  // A real case-insensitive target for restores (test/restorer/caseInsensitive): an exFAT image mounted with FUSE.
  'exfat-fuse': '/usr/sbin/mount.exfat-fuse',
  exfatprogs: '/usr/sbin/mkfs.exfat',
  // The independent reader (tools/reader/, run with /usr/bin/python3 by test/reader/).
  'python3-cryptography': '/usr/lib/python3/dist-packages/cryptography/__init__.py',
  'python3-zstandard': '/usr/lib/python3/dist-packages/zstandard/__init__.py',
};

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

export function ensureNpmPackages() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const fresh = existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh) return;
  log('installing npm packages from package-lock.json (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  if (r.status !== 0) {
    log('npm ci failed');
    process.exit(r.status ?? 1);
  }
}

export function ensureSystemPackages(packages) {
  const missing = Object.entries(packages)
    .filter(([, bin]) => !existsSync(bin))
    .map(([name]) => name);
  if (missing.length === 0) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    log(`missing system packages: ${missing.join(' ')}. Install them (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}).`);
    return false;
  }
  log(`installing system packages: ${missing.join(' ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureNpmPackages();
  ensureBuilt();
  if (process.argv.includes('--system')) ensureSystemPackages(TEST_SYSTEM_PACKAGES);
}
