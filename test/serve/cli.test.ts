import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { CLI, ROOT } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { raw } from './helpers.js';

it('`clinic-backup serve` prints the launch URL on 127.0.0.1, serves it, and stops on SIGINT', async () => {
  const dir = await tempDir('cb-serve-cli-');
  await mkdir(path.join(dir, 'repo'));
  const passwordFile = await writePasswordFile(dir);
  const child = spawn(process.execPath, ['--experimental-websocket', CLI, 'serve', '--repo', path.join(dir, 'repo'), '--password-file', passwordFile, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en', CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout} ${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43}/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
  });
  const u = new URL(url);
  const launch = await raw(Number(u.port), { path: `${u.pathname}${u.search}` });
  assert.equal(launch.status, 303);
  assert.match(String(launch.headers['set-cookie']), /HttpOnly/);
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', (c) => resolve(c));
    child.kill('SIGINT');
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /stopped/);
});
