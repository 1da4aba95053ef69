// KeychainSecretStore against the real Secret Service of scripts/with-keyring.sh (a private gnome-keyring).
// Every test uses its own service name, so runs and parallel test files never see each other's items.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { AsyncEntry } from '@napi-rs/keyring';
import { KeychainSecretStore, openSecretStore, probeKeychain } from '../../src/secrets/index.js';
import { isEngineError } from '../../src/shared/errors.js';

const exec = promisify(execFile);
const created: KeychainSecretStore[] = [];

function newStore(): KeychainSecretStore {
  const store = new KeychainSecretStore({ service: `clinic-backup-test-${randomBytes(5).toString('hex')}`, timeoutMs: 20_000 });
  created.push(store);
  return store;
}

before(() => {
  // Refuse to run against whatever keyring the developer's desktop has.
  assert.equal(process.env['CLINIC_BACKUP_IN_KEYRING'], '1', 'keychain tests need the private Secret Service: run them through `sh scripts/with-keyring.sh …` (npm test does)');
});

after(async () => {
  for (const store of created) {
    for (const name of await store.list().catch(() => [])) await store.delete(name).catch(() => false);
  }
});

describe('KeychainSecretStore on a real Secret Service', () => {
  it('the probe finds a usable keychain and leaves nothing behind', async () => {
    const store = newStore();
    assert.deepEqual(await probeKeychain({ service: store.service }), { available: true });
    assert.deepEqual(await store.list(), []);
    const opened = await openSecretStore({ service: store.service, env: {} });
    assert.equal(opened.kind, 'keychain');
  });

  it('stores, reads, overwrites, lists and deletes secrets', async () => {
    const store = newStore();
    assert.equal(await store.get('s3-secret-key'), null);
    const value = `wJalrXUtnFEMI/K7MDENG/${randomBytes(6).toString('hex')} çãõ 🔑\nsecond line`;
    await store.set('s3-secret-key', value);
    await store.set('repo:4f2a:password', 'first');
    assert.equal(await store.get('s3-secret-key'), value);
    await store.set('repo:4f2a:password', 'second');
    assert.equal(await store.get('repo:4f2a:password'), 'second');
    assert.deepEqual(await store.list(), ['repo:4f2a:password', 's3-secret-key']);
    assert.equal(await store.delete('s3-secret-key'), true);
    assert.equal(await store.delete('s3-secret-key'), false);
    assert.equal(await store.get('s3-secret-key'), null);
    assert.deepEqual(await store.list(), ['repo:4f2a:password']);
  });

  it('keeps services apart', async () => {
    const a = newStore();
    const b = newStore();
    await a.set('shared-name', 'value-a');
    await b.set('shared-name', 'value-b');
    await b.set('only-b', 'x');
    assert.equal(await a.get('shared-name'), 'value-a');
    assert.equal(await b.get('shared-name'), 'value-b');
    assert.deepEqual(await a.list(), ['shared-name']);
    assert.deepEqual(await b.list(), ['only-b', 'shared-name']);
  });

  it('an entry deleted behind our back (secret-tool clear) reads as null and leaves the list', async () => {
    const store = newStore();
    await store.set('repository-key', 'k1');
    await store.set('other', 'k2');
    await exec('secret-tool', ['clear', 'service', store.service, 'username', 'repository-key']);
    assert.equal(await store.get('repository-key'), null);
    assert.deepEqual(await store.list(), ['other']);
    assert.equal(await store.delete('repository-key'), false);
  });

  it('an entry deleted by another keyring client reads as null', async () => {
    const store = newStore();
    await store.set('repository-key', 'k1');
    const other = new AsyncEntry(store.service, 'repository-key', { linux: { store: 'secret-service' } });
    assert.equal(await other.deletePassword(), true);
    assert.equal(await store.get('repository-key'), null);
  });

  it('sees items written by other clients (secret-tool) and reads their values', async () => {
    const store = newStore();
    await exec('sh', ['-c', `printf %s 'from-outside' | secret-tool store --label=x service "${store.service}" username added-outside`]);
    assert.deepEqual(await store.list(), ['added-outside']);
    assert.equal(await store.get('added-outside'), 'from-outside');
  });

  it('refuses bad names and empty values without echoing the value', async () => {
    const store = newStore();
    for (const name of ['', ' lead', '__index__', 'a b', 'x'.repeat(201), 'tab\tname']) {
      await assert.rejects(store.get(name), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'), JSON.stringify(name));
    }
    await assert.rejects(store.set('ok-name', ''), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'));
    assert.throws(
      () => new KeychainSecretStore({ service: ' ' }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
  });
});
