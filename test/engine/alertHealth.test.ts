/**
 * An alert channel whose test failed is not shown as working (issue #18): the engine keeps how each channel last
 * fared — its test or a real alert — with the error in the clinic's words naming the field (the unknown address),
 * across restarts; saving the channel again makes it untried, and a passing test makes it working. Real parts: the
 * engine over a real repository and catalog and a real SMTP server on loopback that refuses an unknown mailbox.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createEngine, type Engine } from '../../src/index.js';
import { isEngineError } from '../../src/shared/errors.js';
import { startSmtp } from '../alerts/support.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

describe('alert channel health', () => {
  it('a failed test is kept with its reason (field named), survives a restart, and clears with a new save and a passing test', async () => {
    const dir = await tempDir('cb-alert-health-');
    const smtp = await startSmtp({ unknownRecipients: ['recepcao@clinica.test'] });
    const repo = path.join(dir, 'repo');
    const passwordFile = await writePasswordFile(dir);
    const secretsDir = path.join(dir, 'secrets');
    await mkdir(secretsDir, { mode: 0o700 });
    const make = (): Engine => createEngine({ repo, passwordFile, secretsDir, stateDir: path.join(dir, 'state'), locale: 'pt-BR' });
    let engine = make();
    try {
      await engine.init({ useKeychain: false });
      const email = { host: '127.0.0.1', port: smtp.port, security: 'none' as const, from: 'backup@clinica.test', to: ['recepcao@clinica.test'] };
      await engine.updateSettings({ alerts: { email } });
      assert.deepEqual(await engine.alertChannelHealth(), { email: null, webhook: null }, 'never tried');
      await assert.rejects(engine.sendTestAlert('email'), (e: unknown) => isEngineError(e, 'SMTP_RECIPIENT_UNKNOWN'));
      await engine.close();
      engine = make();
      const failed = (await engine.alertChannelHealth()).email;
      assert.equal(failed?.ok, false, 'still failed after a restart');
      assert.equal(failed?.code, 'SMTP_RECIPIENT_UNKNOWN');
      assert.match(failed?.message ?? '', /O endereço de e-mail 'recepcao@clinica\.test' não existe/);
      // Saved again (the address corrected): untried until its test passes.
      await engine.updateSettings({ alerts: { email: { ...email, to: ['ti@clinica.test'] } } });
      assert.equal((await engine.alertChannelHealth()).email, null);
      await engine.sendTestAlert('email');
      assert.equal((await engine.alertChannelHealth()).email?.ok, true);
      assert.equal(smtp.mails.length, 1);
    } finally {
      await engine.close();
    }
  });
});
