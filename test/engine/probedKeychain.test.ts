/**
 * The keychain as the engine uses it: reading the repository's key is one keychain call (the probe runs only when
 * a read gives nothing or before a write), and a keychain that cannot be used is still the error the user sees.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine } from '../../src/index.js';
import { ProbedKeychain } from '../../src/engine/probedKeychain.js';
import { KeychainSecretStore, MemorySecretStore } from '../../src/secrets/index.js';
import { EngineError, isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';

function counted(fails: boolean): { probe: () => Promise<void>; calls: () => number } {
  let n = 0;
  return {
    probe: async () => {
      n++;
      if (fails) throw new EngineError('KEYCHAIN_LOCKED', { reason: 'the keyring is locked', reasonCode: 'locked' });
    },
    calls: () => n,
  };
}

test('a read that gives the value runs no probe; a read that gives nothing, a write, a delete and a list run it first', async () => {
  const inner = new MemorySecretStore();
  await inner.set('repo-key', 'c2VjcmV0');
  const ok = counted(false);
  const store = new ProbedKeychain(inner, ok.probe);
  assert.equal(await store.get('repo-key'), 'c2VjcmV0');
  assert.equal(ok.calls(), 0, 'the key was read without a probe');
  assert.equal(await store.peek('missing'), null);
  assert.equal(ok.calls(), 0, 'a peek (the caller looks elsewhere when nothing is there) runs no probe');
  assert.equal(await store.get('missing'), null);
  assert.equal(ok.calls(), 1, 'nothing read: the keychain is probed');
  await store.set('other', 'dmFsdWU=');
  await store.delete('other');
  assert.deepEqual(await store.list(), ['repo-key']);
  assert.equal(ok.calls(), 4);

  const locked = counted(true);
  const refusing = new ProbedKeychain(inner, locked.probe);
  assert.equal(await refusing.get('repo-key'), 'c2VjcmV0', 'a value read is a value: the keychain answered');
  await assert.rejects(refusing.get('missing'), (e) => isEngineError(e, 'KEYCHAIN_LOCKED'), 'nothing read from an unusable keychain: its error, not "not found"');
  await assert.rejects(refusing.set('new', 'eA=='), (e) => isEngineError(e, 'KEYCHAIN_LOCKED'));
  assert.equal(await inner.get('new'), null, 'the failed probe stopped the write');
});

const keyring = Boolean(process.env['DBUS_SESSION_BUS_ADDRESS']);

test(
  'the engine opens a repository with its key from the real keychain; without a usable keychain the error says so, not "wrong password"',
  { skip: keyring ? false : 'needs the Secret Service of scripts/with-keyring.sh' },
  async () => {
    const root = await tempDir('cb-probed-keychain-');
    const service = `clinic-backup-test-${randomBytes(4).toString('hex')}`;
    const inKeychain = path.join(root, 'repo-keychain');
    const withPassword = path.join(root, 'repo-password');
    const open = (repo: string) => createEngine({ repo, keychainService: service, stateDir: path.join(root, 'state'), locale: 'en' });
    const busAddress = process.env['DBUS_SESSION_BUS_ADDRESS'];
    try {
      let e = open(inKeychain);
      await e.init({ useKeychain: true });
      await e.close();
      const p = createEngine({ repo: withPassword, stateDir: path.join(root, 'state'), locale: 'en' });
      await p.init({ useKeychain: false, passphrase: 'uma frase longa o bastante' });
      await p.close();

      e = open(inKeychain);
      assert.deepEqual(await e.snapshots(), [], 'opened with the key from the keychain');
      await e.close();
      e = open(withPassword);
      await assert.rejects(e.snapshots(), (err) => isEngineError(err, 'WRONG_PASSWORD'), 'a working keychain without this repository: the key does not open it');
      await e.close();

      process.env['DBUS_SESSION_BUS_ADDRESS'] = `unix:path=${path.join(root, 'no-bus')}`;
      for (const repo of [inKeychain, withPassword]) {
        e = open(repo);
        await assert.rejects(e.snapshots(), (err) => isEngineError(err, 'KEYCHAIN_UNAVAILABLE') && err.details['reasonCode'] === 'no-dbus', repo);
        await e.close();
      }
    } finally {
      process.env['DBUS_SESSION_BUS_ADDRESS'] = busAddress;
      const store = new KeychainSecretStore({ service });
      for (const name of await store.list()) await store.delete(name);
    }
  },
);
