/** The passphrase file of a computer without a keychain: owner-only, never short, never silently replaced. */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { saveClinicPassphrase } from '../../src/index.js';
import { isEngineError } from '../../src/shared/errors.js';
import { tempDir } from '../support/tmp.js';

it('keeps the chosen passphrase in an owner-only file and refuses a short one or a different one over it', async () => {
  const root = path.join(await tempDir('cb-passphrase-'), 'state');
  const refused = (field: string) => (err: unknown) => isEngineError(err, 'INVALID_ARGUMENT') && err.details['field'] === field;
  await assert.rejects(saveClinicPassphrase(root, 'curta demais'.slice(0, 11)), refused('passphrase'));
  await assert.rejects(saveClinicPassphrase(root, '            x'), refused('passphrase'), 'spaces do not count');
  const paths = await saveClinicPassphrase(root, 'girassol azul na janela');
  assert.equal(await readFile(paths.passwordFile, 'utf8'), 'girassol azul na janela\n');
  assert.equal((await stat(paths.passwordFile)).mode & 0o777, 0o600);
  assert.equal((await stat(root)).mode & 0o777, 0o700);
  assert.equal((await stat(paths.secretsDir)).mode & 0o777, 0o700);
  await saveClinicPassphrase(root, 'girassol azul na janela');
  await assert.rejects(saveClinicPassphrase(root, 'outra frase bem comprida'), refused('passphrase'));
  assert.equal(await readFile(paths.passwordFile, 'utf8'), 'girassol azul na janela\n', 'the kept passphrase is unchanged');
});
