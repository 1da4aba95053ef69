import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine, startSandbox } from '../src/index.js';
import { isEngineError } from '../src/shared/errors.js';
import { closedPort } from './support/fhir.js';
import { writePasswordFile } from './support/repo.js';
import { tempDir } from './support/tmp.js';

test('engine: source probe, settings validation and backing up the configured source', async () => {
  const dir = await tempDir();
  const secretsDir = path.join(dir, 'secrets');
  await (await import('node:fs/promises')).mkdir(secretsDir, { mode: 0o700 });
  const server = await startSandbox({ patients: 3, auth: { bearerTokens: ['right-token'] } });
  const engine = createEngine({ repo: path.join(dir, 'repo'), passwordFile: await writePasswordFile(dir), secretsDir, stateDir: path.join(dir, 'state'), locale: 'en' });
  try {
    await engine.init({ useKeychain: false });
    await engine.setSecret('fhir-token', 'right-token');
    const probe = await engine.probeSource({ source: server.url, auth: { kind: 'bearer', tokenSecret: 'fhir-token' } });
    assert.equal(probe.fhirVersion.startsWith('4.0'), true);
    assert.equal(probe.systemExport, true);
    await engine.setSecret('bad-token', 'wrong');
    await assert.rejects(engine.probeSource({ source: server.url, auth: { kind: 'bearer', tokenSecret: 'bad-token' } }), (e) => isEngineError(e, 'SOURCE_AUTH'));
    await assert.rejects(engine.probeSource({ source: 'not a url', auth: { kind: 'none' } }), (e) => isEngineError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(engine.probeSource({ source: `http://127.0.0.1:${await closedPort()}/fhir`, auth: { kind: 'none' } }), (e) => isEngineError(e, 'SOURCE_UNREACHABLE'));

    await assert.rejects(engine.backupNow(), (e) => isEngineError(e, 'INVALID_SETTINGS'));
    const before = await engine.getSettings();
    await assert.rejects(
      engine.updateSettings({ language: 'en', source: { url: 'ftp://x', auth: { kind: 'none' } }, schedule: { backup: { kind: 'interval', everyMinutes: -5 }, drill: before.schedule.drill } }),
      (e) => isEngineError(e, 'INVALID_SETTINGS') && /source\.url/.test(String(e.details['reason'])) && /schedule\.backup/.test(String(e.details['reason'])),
    );
    assert.deepEqual(await engine.getSettings(), before, 'nothing saved');
    await engine.updateSettings({ source: { url: server.url, auth: { kind: 'bearer', tokenSecret: 'fhir-token' } } });
    const r = await engine.backupNow();
    assert.equal(r.snapshot.resources, server.store.count());
    const audit = await engine.auditLog();
    assert.ok(audit.some((a) => a.action === 'repository.init'));
    assert.ok(!JSON.stringify(audit).includes('right-token'));
  } finally {
    await engine.close();
    await server.close();
  }
});
