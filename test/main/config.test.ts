/** The desktop app's settings file is private: written 0600 in a folder tightened to 0700, even when found looser. */
import assert from 'node:assert/strict';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_DESKTOP_CONFIG, loadDesktopConfig, saveDesktopConfig } from '../../main/config.js';
import { tempDir } from '../support/tmp.js';

test('desktop settings: a world-readable data folder and settings file (an older version) are tightened on save; the settings round-trip', async () => {
  const userData = path.join(await tempDir('cb-desktop-config-'), 'Clinic Backup');
  await mkdir(userData, { mode: 0o755 });
  await chmod(userData, 0o755);
  const file = path.join(userData, 'desktop.json');
  await writeFile(file, JSON.stringify(DEFAULT_DESKTOP_CONFIG), { mode: 0o644 });
  await chmod(file, 0o644);
  const next = { repo: '/mnt/nas/clinic-backup', startAtLogin: true, pauseOnBattery: false };
  await saveDesktopConfig(file, next);
  assert.equal((await stat(userData)).mode & 0o777, 0o700);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await loadDesktopConfig(file), next);

  // A first start: the folder does not exist yet.
  const fresh = path.join(path.dirname(userData), 'fresh', 'Clinic Backup', 'desktop.json');
  await saveDesktopConfig(fresh, DEFAULT_DESKTOP_CONFIG);
  assert.equal((await stat(path.dirname(fresh))).mode & 0o777, 0o700);
  assert.equal((await stat(fresh)).mode & 0o777, 0o600);
});
