/**
 * The audit trail as a subscriber: an entry that cannot be written does not vanish. With the repository's audit
 * folder unwritable, setting a secret still succeeds, the entry is kept in the catalog, and the "audit" alert is
 * raised; once the folder is back, the next entry mirrors everything and the alert clears. An entry made before a
 * repository exists (a secret stored during setup) waits in the state folder and is written at init.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { createEngine } from '../../src/index.js';
import { Repository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import type { EngineEvent } from '../../src/shared/contract.js';
import { TEST_PASSPHRASE, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function setup(): Promise<{ dir: string; repo: string; make: () => ReturnType<typeof createEngine> }> {
  const dir = await tempDir('cb-audit-');
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const passwordFile = await writePasswordFile(dir);
  const repo = path.join(dir, 'repo');
  return { dir, repo, make: () => createEngine({ repo, passwordFile, secretsDir, stateDir: path.join(dir, 'state'), locale: 'en' }) };
}

async function storedActions(repo: string): Promise<string[]> {
  const r = await Repository.open(await LocalBackend.open(repo), { passphrase: TEST_PASSPHRASE });
  try {
    return (await r.readAuditEntries()).entries.map((e) => (e as { action: string }).action);
  } finally {
    await r.backend.close();
  }
}

it('an audit entry the repository cannot take raises the audit alert, stays in the catalog and is mirrored later', async () => {
  const { repo, make } = await setup();
  const engine = make();
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  try {
    await engine.init({ useKeychain: false });
    // The repository's audit folder becomes a file: every audit write there fails.
    const audit = path.join(repo, 'audit');
    await rename(audit, `${audit}.away`);
    await writeFile(audit, 'not a folder');
    await engine.setSecret('fhir-token', 'secret-value-1');
    const status = await engine.status();
    const alert = status.alerts.find((a) => a.rule === 'audit');
    assert.ok(alert, `the audit alert is raised: ${JSON.stringify(status.alerts.map((a) => a.rule))}`);
    assert.equal(alert.severity, 'high');
    assert.match(alert.message, /could not be saved/);
    assert.ok(
      (await engine.auditLog()).some((e) => e.action === 'secret.set'),
      'the entry is in the catalog',
    );
    assert.ok(
      events.some((e) => e.type === 'status-changed'),
      'the front ends hear of it',
    );
    assert.equal(JSON.stringify(events).includes('secret-value-1'), false, 'no secret in any event');

    // The folder is back: the next entry mirrors the whole trail and the alert clears.
    await rm(audit, { force: true });
    await rename(`${audit}.away`, audit);
    await engine.setSecret('fhir-token', 'secret-value-2');
    assert.equal(
      (await engine.status()).alerts.some((a) => a.rule === 'audit'),
      false,
      'the alert clears',
    );
    const actions = await storedActions(repo);
    assert.ok(actions.includes('secret.set') && actions.includes('secret.rotate'), actions.join(', '));
  } finally {
    await engine.close();
  }
});

it('an entry made before the repository exists waits in the state folder and is written at init', async () => {
  const { dir, repo, make } = await setup();
  const engine = make();
  try {
    await engine.setSecret('fhir-token', 'token-before-init');
    assert.ok((await readdir(path.join(dir, 'state'))).includes('pending-audit.json'), 'kept in the state folder');
    await engine.init({ useKeychain: false });
    const log = (await engine.auditLog()).map((e) => e.action);
    assert.ok(log.includes('secret.set') && log.includes('repository.init'), log.join(', '));
    assert.ok((await storedActions(repo)).includes('secret.set'), 'and mirrored into the repository');
    // Written once: a second engine finds nothing waiting.
    const again = make();
    try {
      await again.setSecret('other', 'x');
      assert.equal((await again.auditLog()).filter((e) => e.action === 'secret.set' && (e.details as { name: string }).name === 'fhir-token').length, 1);
    } finally {
      await again.close();
    }
  } finally {
    await engine.close();
  }
});
