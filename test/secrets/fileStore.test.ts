import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSecretStore, REPOSITORY_PASSWORD_SECRET, openSecretStore } from '../../src/secrets/index.js';
import { type EngineError, isEngineError } from '../../src/shared/errors.js';
import { toErrorInfo } from '../../src/i18n/index.js';
import { tempDir } from '../support/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PASSWORD = 'correct horse battery staple ção';

async function passwordFile(content: string | Buffer = `${PASSWORD}\n`, mode = 0o600): Promise<string> {
  const dir = await tempDir('cb-pwfile-');
  const file = path.join(dir, 'password');
  await writeFile(file, content);
  await chmod(file, mode);
  return file;
}

/** Everything of an error that a log, a front end or a crash report could show. */
function visible(err: EngineError): string {
  return JSON.stringify({ message: err.message, details: err.details, stack: err.stack, info: toErrorInfo(err, 'en'), json: JSON.stringify(err) });
}

async function unreadable(run: () => Promise<unknown>, reasonCode: string, secret?: string): Promise<EngineError> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  assert.ok(isEngineError(caught, 'PASSWORD_FILE_UNREADABLE'), `expected PASSWORD_FILE_UNREADABLE, got ${String(caught)}`);
  assert.equal(caught.details['reasonCode'], reasonCode);
  assert.equal(typeof caught.details['path'], 'string');
  if (secret) assert.ok(!visible(caught).includes(secret), 'the error shows the secret');
  return caught;
}

describe('FileSecretStore: the password file', () => {
  it('reads the password, trimming trailing line breaks only', async () => {
    for (const [content, expected] of [
      [`${PASSWORD}\n`, PASSWORD],
      [`${PASSWORD}\r\n`, PASSWORD],
      [`${PASSWORD}\n\n`, PASSWORD],
      [PASSWORD, PASSWORD],
      [`  spaced  \n`, '  spaced  '],
    ] as const) {
      const store = new FileSecretStore({ passwordFile: await passwordFile(content) });
      assert.equal(await store.get(REPOSITORY_PASSWORD_SECRET), expected);
    }
  });

  it('refuses a password file other users can read, without showing its content', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o602]) {
      const store = new FileSecretStore({ passwordFile: await passwordFile(`${PASSWORD}\n`, mode) });
      const err = await unreadable(() => store.get(REPOSITORY_PASSWORD_SECRET), 'too-open', PASSWORD);
      assert.match(toErrorInfo(err, 'en').message, /Could not read the password file .*password/);
      await unreadable(() => openSecretStore({ passwordFile: store.passwordFile, env: {} }), 'too-open', PASSWORD);
    }
  });

  it('reports a missing file, a folder, an empty file, a huge file and non-text', async () => {
    const dir = await tempDir('cb-pwbad-');
    await unreadable(() => new FileSecretStore({ passwordFile: path.join(dir, 'nope') }).get(REPOSITORY_PASSWORD_SECRET), 'missing');
    await unreadable(() => new FileSecretStore({ passwordFile: path.join(dir, 'nope', 'deeper') }).check(), 'missing');
    await unreadable(() => new FileSecretStore({ passwordFile: dir }).check(), 'not-a-file');
    assert.throws(
      () => new FileSecretStore({ passwordFile: '' }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    for (const [content, reason] of [
      ['', 'empty'],
      ['\n\r\n', 'empty'],
      [Buffer.alloc(100_000, 0x61), 'too-large'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'not-text'],
    ] as const) {
      await unreadable(async () => new FileSecretStore({ passwordFile: await passwordFile(content) }).check(), reason);
    }
  });

  it('reports a file this user may not read (EACCES)', async () => {
    const file = await passwordFile();
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      await chmod(file, 0o000);
      await unreadable(() => new FileSecretStore({ passwordFile: file }).check(), 'permission', PASSWORD);
      return;
    }
    // root reads anything: check from a child running as "nobody", with a path it can traverse.
    await chmod(path.dirname(file), 0o755);
    const script = `
      import { FileSecretStore } from ${JSON.stringify(path.join(root, 'src', 'secrets', 'index.ts'))};
      try { await new FileSecretStore({ passwordFile: ${JSON.stringify(file)} }).check(); console.log('read'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, details: e.details, message: e.message })); }`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'), '--input-type=module', '-e', script],
        { cwd: '/', uid: 65534, gid: 65534, env: { PATH: process.env['PATH'] ?? '' } },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const result = JSON.parse(out.trim()) as { code: string; details: Record<string, unknown>; message: string };
    assert.equal(result.code, 'PASSWORD_FILE_UNREADABLE');
    assert.equal(result.details['reasonCode'], 'permission');
    assert.ok(!out.includes(PASSWORD));
  });

  it('never rewrites or deletes the user’s password file', async () => {
    const file = await passwordFile();
    const store = new FileSecretStore({ passwordFile: file });
    await store.set(REPOSITORY_PASSWORD_SECRET, PASSWORD); // same value: nothing to do
    await assert.rejects(store.set(REPOSITORY_PASSWORD_SECRET, 'another'), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT') && !visible(e).includes('another'));
    await assert.rejects(store.delete(REPOSITORY_PASSWORD_SECRET), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'));
    assert.equal(await store.get(REPOSITORY_PASSWORD_SECRET), PASSWORD);
  });

  it('answers to a configured name', async () => {
    const store = new FileSecretStore({ passwordFile: await passwordFile(), passwordName: 'repo:abc:password' });
    assert.equal(await store.get('repo:abc:password'), PASSWORD);
    assert.equal(await store.get(REPOSITORY_PASSWORD_SECRET), null);
  });
});

describe('FileSecretStore: other secrets', () => {
  it('without a secrets folder: other secrets are absent and cannot be stored (no silent weaker store)', async () => {
    const file = await passwordFile();
    const store = new FileSecretStore({ passwordFile: file });
    assert.equal(await store.get('s3-secret-key'), null);
    await assert.rejects(store.set('s3-secret-key', 'AKIA-secret'), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT') && !visible(e).includes('AKIA-secret'));
    assert.equal(await store.delete('s3-secret-key'), false);
    assert.deepEqual(await store.list(), [REPOSITORY_PASSWORD_SECRET]);
    assert.deepEqual(await readdir(path.dirname(file)), ['password']);
  });

  it('with a secrets folder: one 0600 file per secret, in a 0700 folder', async () => {
    const base = await tempDir('cb-secrets-');
    const secretsDir = path.join(base, 'secrets');
    const store = new FileSecretStore({ passwordFile: await passwordFile(), secretsDir });
    await store.set('s3-secret-key', 'wJalr/XUtn');
    await store.set('repo/4f2a:key@s3', 'second');
    await store.set('s3-secret-key', 'rotated\nvalue');
    assert.equal(await store.get('s3-secret-key'), 'rotated\nvalue');
    assert.equal(await store.get('repo/4f2a:key@s3'), 'second');
    assert.equal(await store.get('missing'), null);
    assert.deepEqual(await store.list(), ['repo/4f2a:key@s3', REPOSITORY_PASSWORD_SECRET, 's3-secret-key']);
    const files = (await readdir(secretsDir)).sort();
    assert.deepEqual(files, ['repo%2F4f2a%3Akey%40s3', 's3-secret-key']);
    for (const f of files) assert.equal((await stat(path.join(secretsDir, f))).mode & 0o777, 0o600);
    assert.equal((await stat(secretsDir)).mode & 0o777, 0o700);
    assert.equal(await store.delete('s3-secret-key'), true);
    assert.equal(await store.delete('s3-secret-key'), false);
    assert.deepEqual(await store.list(), ['repo/4f2a:key@s3', REPOSITORY_PASSWORD_SECRET]);
  });

  it('refuses a secret file other users can read', async () => {
    const secretsDir = await tempDir('cb-secrets-');
    const store = new FileSecretStore({ passwordFile: await passwordFile(), secretsDir });
    await writeFile(path.join(secretsDir, 's3-secret-key'), 'AKIA-readable-by-all\n', { mode: 0o644 });
    await chmod(path.join(secretsDir, 's3-secret-key'), 0o644);
    await unreadable(() => store.get('s3-secret-key'), 'too-open', 'AKIA-readable-by-all');
    await chmod(path.join(secretsDir, 's3-secret-key'), 0o600);
    assert.equal(await store.get('s3-secret-key'), 'AKIA-readable-by-all');
  });

  it('reports a secrets folder it cannot write', async () => {
    const base = await tempDir('cb-secrets-');
    const notADir = path.join(base, 'file');
    await writeFile(notADir, 'x');
    const store = new FileSecretStore({ passwordFile: await passwordFile(), secretsDir: notADir });
    await assert.rejects(store.set('name', 'value-xyz'), (e: unknown) => isEngineError(e, 'DEST_NOT_WRITABLE') && !visible(e).includes('value-xyz'));
  });
});
