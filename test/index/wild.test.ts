/**
 * Issue 14 "Done when", through the engine façade and its settings:
 *  - a server whose DocumentReferences point to PDFs and whose export files live on another loopback host
 *    (allowed in settings, with the token) is backed up, restored into an empty server with the attachments
 *    present and the links working, and a drill proves it (its report has the attachments check);
 *  - with the switches of §5–§7 at once (no advertised $export, an unsearchable type, administration resources
 *    the target refuses, no create-by-PUT), a full backup and a full restore into a fresh target succeed, with
 *    the id map reported.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.js';
import { createEngine } from '../../src/index.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandbox, testRepo } from '../restorer/helpers.js';
import { tempDir } from '../support/tmp.js';
import { assertAttachmentsOpen, assertMappedCopy, readIdMap } from '../support/wild.js';

const ADMIN = ['Project', 'ProjectMembership', 'ClientApplication', 'User'];

test('documents with PDFs, export files on another host: backup (settings), restore into an empty server, links working, the drill proves it', async () => {
  const dir = await tempDir('cb-wild-done-');
  const A: SandboxServer = await sandbox({ patients: 6, seed: 91, documents: { patients: 3 }, auth: { bearerTokens: ['clinic-token'] }, secondHost: true });
  A.faults.set({ manifestOrigin: A.secondOrigin });
  const repo = await testRepo(path.join(dir, 'repo'));
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const engine = createEngine({ repo: repo.root, passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir });
  after(() => engine.close());
  await engine.setSecret('fhir-token', 'clinic-token');
  const fileHost = new URL(A.secondOrigin as string).host;
  await engine.updateSettings({ source: { url: A.url, auth: { kind: 'bearer', tokenSecret: 'fhir-token' }, allowedHosts: [fileHost] } });
  const b = await engine.backupNow();
  assert.equal(b.strategy, 'bulk-export');
  assert.equal(b.snapshot.partial, false);
  assert.deepEqual(b.snapshot.attachments, { count: A.documents.length, stored: A.documents.length, bytes: A.documents.reduce((n, d) => n + d.size, 0), external: 0, failed: 0 });
  assert.ok(
    A.requestLog.some((e) => e.host === fileHost && /_bulk\/[^/]+\/[^/]+\.ndjson/.test(e.target) && e.authorization),
    'files from the other host, with the token (allowed)',
  );

  const B = await sandbox();
  const r = await engine.restoreToServer({ target: B.url, auth: { kind: 'none' }, confirmed: true, verify: 'all' });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.verification?.mismatches, []);
  assertMappedCopy(A, B, new Map());
  assertAttachmentsOpen(B, A.documents, new Map());

  const drill = await engine.drill();
  assert.equal(drill.status, 'success');
  assert.equal(drill.integrityScore, 1);
  const report = await engine.drillReport(drill.id);
  assert.match(report.html, /Anexos \(PDFs, imagens\)|Attachments \(PDFs, images\)/, 'the drill report shows the attachments check');
});

test('no advertised $export, an unsearchable type, administration the target refuses, no create-by-PUT: full backup and full restore succeed, the id map reported', async () => {
  const dir = await tempDir('cb-wild-done2-');
  // Like Medplum: $export and system history not listed, Binary not searchable, admin resources exported.
  const A: SandboxServer = await sandbox({
    patients: 6,
    seed: 92,
    documents: { patients: 2 },
    administration: true,
    faults: { hideExport: true, hideHistory: true, unsearchable: { types: ['Binary'] } },
  });
  const repo = await testRepo(path.join(dir, 'repo'));
  const engine = repo.engine();
  const b = await engine.backupFhir({ source: A.url, auth: { kind: 'none' } });
  assert.equal(b.strategy, 'bulk-export', 'the unlisted $export was tried and used');
  assert.equal(b.snapshot.partial, false);
  assert.ok(
    ADMIN.every((t) => (b.snapshot.counts[t] ?? 0) > 0),
    'administration resources are kept in the backup',
  );
  // Forced to search paging, the unsearchable type is skipped with a warning, the rest complete.
  const s = await engine.backupFhir({ source: A.url, auth: { kind: 'none' }, strategy: 'search', full: true });
  assert.deepEqual(s.snapshot.notCovered, ['Binary']);
  assert.ok(s.warnings?.some((w) => w.code === 'TYPE_NOT_COVERED'));

  // A fresh target: no create-by-PUT, and it refuses administration resources (403).
  const B = await sandbox({
    patients: 0,
    createGroup: false,
    faults: { noUpdateCreate: { status: 405 }, rejectResources: { match: '^(Project|ProjectMembership|ClientApplication|User)/', status: 403 } },
  });
  const r = await engine.restoreToServer({ target: B.url, auth: { kind: 'none' }, confirmed: true, verify: 'all', includeAdministration: true });
  assert.deepEqual(r.failures, [], 'the clinical data: success');
  assert.equal(r.administration?.refused.length, 5, 'the administration resources listed as skipped');
  assert.deepEqual(r.verification?.mismatches, [], 'the refused administration resources are not read back as missing');
  assert.equal(r.ids?.mode, 'server-assigned');
  const map = await readIdMap(r.ids?.file);
  assert.ok(r.ids && r.ids.known === map.size && map.size > 0 && r.ids.sample.length > 0, 'the id map reported');
  assertMappedCopy(A, B, map, ADMIN);
  assertAttachmentsOpen(B, A.documents, map);
  const runs = await engine.status();
  assert.equal(runs.lastBackup?.status, 'success');
  const { catalog } = Catalog.open(path.join(repo.stateDir, (await engine.stats()).repoId, 'catalog.sqlite'));
  try {
    assert.equal(catalog.lastRun('restore')?.status, 'success', 'the restore run is recorded as a success, not failed');
  } finally {
    catalog.close();
  }
});
