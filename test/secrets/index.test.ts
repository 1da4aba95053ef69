import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MemorySecretStore, REPOSITORY_PASSWORD_SECRET, classifyKeychainFailure, openSecretStore, redact } from '../../src/secrets/index.js';
import { isEngineError } from '../../src/shared/errors.js';
import { LOCALES, hasMessage, t } from '../../src/i18n/index.js';
import { tempDir } from '../support/tmp.js';

async function passwordFile(): Promise<string> {
  const file = path.join(await tempDir('cb-open-'), 'pw');
  await writeFile(file, 'pw-from-file\n');
  await chmod(file, 0o600);
  return file;
}

describe('openSecretStore', () => {
  it('uses the file store when a password file is given, here or in the environment', async () => {
    const file = await passwordFile();
    const direct = await openSecretStore({ passwordFile: file, env: {} });
    assert.equal(direct.kind, 'file');
    assert.equal(await direct.get(REPOSITORY_PASSWORD_SECRET), 'pw-from-file');
    const fromEnv = await openSecretStore({ env: { CLINIC_BACKUP_PASSWORD_FILE: file } });
    assert.equal(fromEnv.kind, 'file');
    assert.equal(await fromEnv.get(REPOSITORY_PASSWORD_SECRET), 'pw-from-file');
  });

  it('reports an unusable password file when opening, not later', async () => {
    await assert.rejects(openSecretStore({ passwordFile: '/nonexistent/pw', env: {} }), (e: unknown) => isEngineError(e, 'PASSWORD_FILE_UNREADABLE'));
  });

  it('refuses contradictory options instead of guessing', async () => {
    const file = await passwordFile();
    const bad = (e: unknown): boolean => isEngineError(e, 'INVALID_ARGUMENT');
    await assert.rejects(openSecretStore({ kind: 'file', env: {} }), bad);
    await assert.rejects(openSecretStore({ kind: 'keychain', passwordFile: file, env: {} }), bad);
    await assert.rejects(openSecretStore({ secretsDir: '/tmp/x', env: {} }), bad);
  });

  it('opens a memory store on request (the environment is ignored)', async () => {
    const store = await openSecretStore({ kind: 'memory', env: { CLINIC_BACKUP_PASSWORD_FILE: '/nonexistent' } });
    assert.equal(store.kind, 'memory');
  });
});

describe('MemorySecretStore', () => {
  it('implements the SecretStore contract', async () => {
    const store = new MemorySecretStore({ b: '2' });
    assert.equal(await store.get('a'), null);
    await store.set('a', '1');
    assert.equal(await store.get('a'), '1');
    assert.deepEqual(await store.list(), ['a', 'b']);
    assert.equal(await store.delete('a'), true);
    assert.equal(await store.delete('a'), false);
    await assert.rejects(store.set('bad name', 'x'), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(store.set('ok', ''), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'));
  });
});

describe('redact', () => {
  it('replaces every known secret, including URL-encoded and JSON-escaped forms', () => {
    const secret = 'p@ss w/"rd"';
    const text = `login ${secret} url https://u:${encodeURIComponent(secret)}@host/ body ${JSON.stringify({ pw: secret })}`;
    const out = redact(text, [secret, '', null, undefined]);
    assert.ok(!out.includes(secret));
    assert.ok(!out.includes(encodeURIComponent(secret)));
    assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)));
    assert.equal(out, 'login *** url https://u:***@host/ body {"pw":"***"}');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    assert.equal(redact('key=abcdef', ['abc', 'abcdef']), 'key=***');
    assert.equal(redact('nothing here', []), 'nothing here');
    assert.equal(redact('a-SECRET-b-SECRET', ['SECRET'], '[hidden]'), 'a-[hidden]-b-[hidden]');
  });
});

describe('keychain failure classification (texts seen from @napi-rs/keyring 2.x on gnome-keyring)', () => {
  const cases: [string, string, string][] = [
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'KEYCHAIN_LOCKED', 'locked'],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', 'KEYCHAIN_LOCKED', 'locked'],
    ['Platform failure: DBus error: Failed to connect to socket /nonexistent/bus: No such file or directory', 'KEYCHAIN_UNAVAILABLE', 'no-dbus'],
    ['zbus error: Failed to connect to address `unix:path=/x`: No such file or directory (os error 2)', 'KEYCHAIN_UNAVAILABLE', 'no-dbus'],
    ['Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead', 'KEYCHAIN_UNAVAILABLE', 'no-dbus'],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'KEYCHAIN_UNAVAILABLE', 'no-provider'],
    ["Couldn't access platform storage: Secret Service: no result found", 'KEYCHAIN_UNAVAILABLE', 'no-default-collection'],
    ['Entry is matched by 2 credentials: Ambiguous', 'KEYCHAIN_UNAVAILABLE', 'ambiguous'],
    ['something new', 'KEYCHAIN_UNAVAILABLE', 'failed'],
  ];
  for (const [message, code, reasonCode] of cases) {
    it(`${reasonCode}: ${message.slice(0, 60)}`, () => assert.deepEqual(classifyKeychainFailure(message), { code, reasonCode }));
  }

  it('every reason code has user text in every language', () => {
    for (const reasonCode of ['no-dbus', 'no-provider', 'no-default-collection', 'locked', 'timeout', 'ambiguous', 'roundtrip-mismatch', 'failed']) {
      assert.ok(hasMessage(`secrets.keychain.reason.${reasonCode}`), reasonCode);
      for (const locale of LOCALES) assert.notEqual(t(`secrets.keychain.reason.${reasonCode}`, {}, locale), '');
    }
    for (const reasonCode of ['missing', 'permission', 'not-a-file', 'too-open', 'empty', 'too-large', 'not-text', 'io']) {
      assert.ok(hasMessage(`secrets.file.reason.${reasonCode}`), reasonCode);
    }
  });
});
