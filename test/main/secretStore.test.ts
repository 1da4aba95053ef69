import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SafeStorageSecretStore, type SafeStorageLike } from '../../main/secretStore.js';
import { createEngine } from '../../src/index.js';
import { EngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';

/** A fake safeStorage: "encrypts" by XOR so the file never holds the plain value. */
function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => xor(Buffer.from(`enc:${s}`, 'utf8')),
    decryptString: (b) => xor(b).toString('utf8').replace(/^enc:/, ''),
    getSelectedStorageBackend: () => backend,
  };
}

describe('SafeStorageSecretStore', () => {
  it('stores values encrypted in a 0600 file; lists names only', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'secrets.json');
    const store = new SafeStorageSecretStore(fakeSafeStorage('gnome_libsecret'), file, 'linux');
    await store.set('source-password', 'hunter2-very-secret');
    await store.set('s3-secret', 'another');
    assert.equal(await store.get('source-password'), 'hunter2-very-secret');
    assert.equal(await store.get('missing'), null);
    assert.deepEqual(await store.list(), ['s3-secret', 'source-password']);
    const text = await readFile(file, 'utf8');
    assert.equal(text.includes('hunter2-very-secret'), false);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await store.delete('s3-secret'), true);
    assert.equal(await store.delete('s3-secret'), false);
    assert.deepEqual(await store.list(), ['source-password']);
  });

  for (const backend of ['basic_text', 'unknown']) {
    it(`refuses Linux "${backend}" (no real keyring): KEYCHAIN_UNAVAILABLE, nothing written`, async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'secrets.json');
      const store = new SafeStorageSecretStore(fakeSafeStorage(backend), file, 'linux', () => 'en');
      await assert.rejects(store.set('source-password', 'x'), (err: unknown) => err instanceof EngineError && err.code === 'KEYCHAIN_UNAVAILABLE' && /basic_text/.test(String(err.details['reason'])));
      await assert.rejects(store.get('source-password'), (err: unknown) => err instanceof EngineError && err.code === 'KEYCHAIN_UNAVAILABLE');
      await assert.rejects(stat(file));
    });
  }

  it('refuses when the OS offers no encryption at all; other platforms need no Linux backend', async () => {
    const dir = await tempDir();
    const off = new SafeStorageSecretStore(fakeSafeStorage('gnome_libsecret', false), path.join(dir, 'a.json'), 'linux');
    await assert.rejects(off.set('a', 'b'), (err: unknown) => err instanceof EngineError && err.code === 'KEYCHAIN_UNAVAILABLE');
    const win = new SafeStorageSecretStore(fakeSafeStorage('unknown'), path.join(dir, 'b.json'), 'win32');
    await win.set('a', 'b');
    assert.equal(await win.get('a'), 'b');
  });

  it('is the key store of the engine: a desktop repository opens with it', async () => {
    const dir = await tempDir();
    const store = new SafeStorageSecretStore(fakeSafeStorage('kwallet5'), path.join(dir, 'secrets.json'), 'linux');
    const engine = createEngine({ repo: path.join(dir, 'repo'), secretStore: store, stateDir: path.join(dir, 'state') });
    const init = await engine.init({ useKeychain: true, recoveryLanguage: 'en' });
    await engine.close();
    const again = createEngine({ repo: path.join(dir, 'repo'), secretStore: store, stateDir: path.join(dir, 'state') });
    assert.equal((await again.status()).repoId, init.repoId);
    await again.close();
  });
});
