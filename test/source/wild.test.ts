/**
 * Backups of servers that behave like real ones (issue 14 §3, §5, §8), against sandbox switches over HTTP:
 * pages without next links, $export offered but not listed, a type the server refuses to search, a resumed
 * export job that never finishes, and SMART scopes a server grants differently for reading and exporting.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backupFhir, type FhirBackupOptions, type FhirBackupResult } from '../../src/archiver/fhirBackup.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { t, toErrorInfo } from '../../src/i18n/index.js';
import { createEngine } from '../../src/index.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { EngineError } from '../../src/shared/errors.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { assertSnapshotEqualsServer, recordingSleep, rejectsWithCode, requestsMatching, sandbox, snapshotResources } from '../support/fhir.js';
import { newRepo, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

async function repoIn(): Promise<Repository> {
  return (await newRepo(await tempDir())).repo;
}

function run(repo: Repository, server: SandboxServer, opts: Partial<FhirBackupOptions> = {}): Promise<FhirBackupResult> {
  return backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' }, pageSize: 40, ...opts });
}

describe('servers that page differently (§3)', () => {
  it('total without next links: search paging reads every page by _offset, byte for byte', async () => {
    const server = await sandbox({ patients: 4, seed: 31, faults: { paging: 'total-without-next' } });
    const repo = await repoIn();
    const r = await run(repo, server, { strategy: 'search' });
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'offset paging');
    assert.ok(requestsMatching(server, /_offset=40/) > 0, 'asked by _offset');
    assert.equal(r.manifest.warnings, undefined);
  });

  it('a server that ignores _offset: the type is marked incomplete (partial, warned), and nothing unseen is taken as deleted', async () => {
    const server = await sandbox({ patients: 4, seed: 32 });
    const repo = await repoIn();
    const full = await run(repo, server, { strategy: 'search' });
    await assertSnapshotEqualsServer(repo, full.manifest, server, 'first');
    server.faults.set({ paging: 'no-offset' });
    const r = await run(repo, server, { strategy: 'search', full: true });
    assert.equal(r.manifest.partial, true);
    const incomplete = (r.manifest.warnings ?? []).filter((w) => w.code === 'TYPE_INCOMPLETE').map((w) => w.details['type']);
    assert.ok(incomplete.includes('Observation'), JSON.stringify(r.manifest.warnings));
    assert.equal(r.manifest.totals.deleted, 0, 'a partial read deletes nothing');
    assert.deepEqual(r.manifest.counts, full.manifest.counts);
    const got = await snapshotResources(repo, r.manifest);
    assert.equal(got.size, server.store.count());
  });
});

describe('servers that do not advertise everything, or refuse some searches (§5)', () => {
  it('$export not listed in the CapabilityStatement: the kick-off is tried anyway and the export is used', async () => {
    const server = await sandbox({ patients: 3, seed: 33, faults: { hideExport: true } });
    const repo = await repoIn();
    const r = await run(repo, server);
    assert.equal(r.capabilities.systemExport, false);
    assert.equal(r.strategy, 'bulk-export');
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'unlisted export');
  });

  it('not listed and refused (404): search paging, quietly; listed and refused (400): search paging, with a warning', async () => {
    const server = await sandbox({ patients: 3, seed: 34, faults: { hideExport: true, hideHistory: true, serverError: { nth: 1, times: 100, status: 404, match: '\\$export' } } });
    const repo = await repoIn();
    const r = await run(repo, server);
    assert.equal(r.strategy, 'search');
    assert.equal(r.manifest.warnings, undefined);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'fell back');
    server.faults.set({ hideExport: false, serverError: { nth: 1, times: 100, status: 400, match: '\\$export' } });
    const r2 = await run(repo, server, { full: true });
    assert.equal(r2.strategy, 'search');
    assert.deepEqual(
      r2.manifest.warnings?.map((w) => [w.code, w.details['status']]),
      [['EXPORT_NOT_OFFERED', 400]],
    );
  });

  it('a type the server refuses to search (400 "Cannot search on Binary"): skipped, listed as not covered with a warning; the other types complete', async () => {
    const server = await sandbox({
      patients: 3,
      seed: 35,
      documents: { patients: 2 },
      faults: { hideExport: true, hideHistory: true, serverError: { nth: 1, times: 100, status: 404, match: '\\$export' }, unsearchable: { types: ['Binary'] } },
    });
    const repo = await repoIn();
    const r = await run(repo, server);
    assert.equal(r.strategy, 'search');
    assert.deepEqual(r.manifest.notCovered, [{ type: 'Binary', code: 'TYPE_NOT_COVERED', status: 400, reason: 'Cannot search on Binary' }]);
    const w = r.manifest.warnings?.find((x) => x.code === 'TYPE_NOT_COVERED');
    assert.ok(w);
    assert.match(t(`archiver.warning.${w.code}`, w.details, 'en'), /does not allow searching Binary \(HTTP 400\)/);
    assert.equal(r.manifest.partial, false, 'a warning, not a failure');
    const got = await snapshotResources(repo, r.manifest);
    const expected = [...server.store.all()].filter((x) => x.type !== 'Binary');
    assert.equal(got.size, expected.length);
    for (const x of expected) assert.equal(got.get(`${x.type}/${x.id}`)?.toString('utf8'), x.text);
    // The documents' content still came, read one by one (Binary/<id>).
    assert.equal(r.manifest.attachments?.stored, server.documents.length);
  });

  it('through the engine: the warning is in the result, in the run log, and the run counts as a success', async () => {
    const server = await sandbox({ patients: 2, seed: 36, faults: { unsearchable: { types: ['Observation'] } } });
    const dir = await tempDir();
    const { root, backend } = await newRepo(dir);
    await backend.close();
    const stateDir = path.join(dir, 'state');
    const engine = createEngine({ repo: root, passwordFile: await writePasswordFile(dir), stateDir, locale: 'en' });
    try {
      const r = await engine.backupFhir({ source: server.url, auth: { kind: 'none' }, strategy: 'search' });
      assert.deepEqual(r.snapshot.notCovered, ['Observation']);
      assert.match(r.warnings?.[0]?.message ?? '', /does not allow searching Observation/);
      const status = await engine.status();
      assert.equal(status.lastBackup?.status, 'success');
      const repoId = (await engine.stats()).repoId;
      const { catalog } = Catalog.open(path.join(stateDir, repoId, 'catalog.sqlite'));
      try {
        assert.match(catalog.lastRun('backup')?.errorMessage ?? '', /does not allow searching Observation/);
      } finally {
        catalog.close();
      }
    } finally {
      await engine.close();
    }
  });
});

describe('an export job that never finishes (§8)', () => {
  it('a resumed job with no progress within the bound is deleted on the server and a fresh export made; the wait is shown in minutes', async () => {
    const server = await sandbox({ patients: 3, seed: 37, exportRetryAfterSeconds: 60, faults: { stallExports: { jobs: 1 } } });
    const jobStateFile = path.join(await tempDir(), 'export-job.json');
    const repo = await repoIn();
    // A run interrupted while the server "prepares" the export (then the server restarted, say): the job is kept.
    const stop = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.phase === 'export-wait') stop.abort();
    };
    await rejectsWithCode(run(repo, server, { jobStateFile, signal: stop.signal, sleep: recordingSleep().sleep, onProgress }), 'CANCELLED');
    const saved = JSON.parse(await readFile(jobStateFile, 'utf8')) as { statusUrl: string };
    assert.ok(saved.statusUrl.includes('/_bulk/'), 'the interrupted job is remembered');
    // The next run resumes it; it answers 202 forever: after 10 minutes of waits (Retry-After 60 s) it is replaced.
    const events: ProgressEvent[] = [];
    const { sleep, waits } = recordingSleep();
    const r = await run(repo, server, { jobStateFile, sleep, onProgress: (e) => events.push(e) });
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'fresh export');
    assert.deepEqual(
      r.manifest.warnings?.map((w) => w.code),
      ['EXPORT_STUCK_RESTARTED'],
    );
    assert.ok(
      server.requestLog.some((e) => e.method === 'DELETE' && saved.statusUrl.endsWith(e.target)),
      'the stuck job was deleted on the server',
    );
    assert.ok(waits.filter((w) => w === 60_000).length >= 10 && waits.filter((w) => w === 60_000).length <= 12, `about 10 minutes of waits, not hours (${waits.length})`);
    const waiting = events.filter((e) => e.phase === 'export-wait');
    assert.ok(waiting.every((e) => e.unit === 'minutes'));
    assert.deepEqual([...new Set(waiting.map((e) => e.done))].slice(0, 3), [0, 1, 2], 'minutes waited, not polls');
    assert.equal(t('cli.progress.backup.export-wait', { done: 3 }, 'pt-BR'), 'o servidor está preparando a exportação (3 min)');
    await assert.rejects(readFile(jobStateFile), 'no job left remembered');
  });

  it('a fresh job is not cut short by the bound (only a resumed one is)', async () => {
    const server = await sandbox({ patients: 2, seed: 38, exportPollsBeforeReady: 15, exportRetryAfterSeconds: 60 });
    const repo = await repoIn();
    const r = await run(repo, server, { sleep: recordingSleep().sleep, stuckExportMs: 60_000 });
    assert.equal(r.strategy, 'bulk-export');
    assert.equal(r.manifest.warnings, undefined);
  });
});

describe('SMART scopes (§8)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS384' } as JsonWebKey;
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  /** Like Medplum: grants v1 read and *.*, but $export needs system/*.* (no v2 "rs"). */
  const medplumLike = (extra: object = {}): Promise<SandboxServer> =>
    sandbox({ patients: 2, seed: 39, auth: { smart: { clients: [{ clientId: 'cb', jwk }], scopes: ['system/*.read', 'system/*.*'], exportScopes: ['system/*.*'] } }, ...extra });
  const smart = (server: SandboxServer, scopes?: string[]): FhirBackupOptions['auth'] => ({
    kind: 'smart',
    clientId: 'cb',
    privateKeyPem: pem,
    tokenUrl: server.tokenUrl,
    keyId: 'k1',
    ...(scopes ? { scopes } : {}),
  });

  it('default scopes (v2 rs, then v1 read): a token is granted, but the export is refused: reported as missing permission, not as wrong credentials', async () => {
    const server = await medplumLike();
    const err = await rejectsWithCode(run(await repoIn(), server, { auth: smart(server) }), 'SOURCE_FORBIDDEN');
    assert.match(toErrorInfo(err, 'en').message, /credentials work but lack permission .*\$export.*scopes/);
    assert.ok(err instanceof EngineError);
  });

  it('configured scopes tried in turn: the one that allows export is used', async () => {
    const server = await medplumLike();
    const repo = await repoIn();
    const r = await run(repo, server, { auth: smart(server, ['system/*.rs', 'system/*.read', 'system/*.*']) });
    assert.equal(r.strategy, 'bulk-export');
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'scope *.*');
  });

  it('export not listed and refused for the scope: search paging with a warning naming HTTP 403', async () => {
    const server = await medplumLike({ faults: { hideExport: true, hideHistory: true } });
    const repo = await repoIn();
    const r = await run(repo, server, { auth: smart(server) });
    assert.equal(r.strategy, 'search');
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'search with read scope');
    assert.deepEqual(
      r.manifest.warnings?.map((w) => [w.code, w.details['status']]),
      [['EXPORT_NOT_OFFERED', 403]],
    );
  });

  it('settings keep the scopes (SMART v2 and v1 by default), validated', async () => {
    const dir = await tempDir();
    const { root, backend } = await newRepo(dir);
    await backend.close();
    const engine = createEngine({ repo: root, passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state') });
    try {
      const s = await engine.updateSettings({
        source: {
          url: 'https://fhir.clinica.local/fhir',
          auth: { kind: 'smart', clientId: 'cb', tokenUrl: 'https://fhir.clinica.local/token', keySecret: 'smart-key', scopes: ['system/*.rs', 'system/*.*'] },
          allowedHosts: ['files.clinica.local', 'https://bucket.example:9000'],
          exportStuckMinutes: 15,
        },
      });
      assert.deepEqual(s.source?.allowedHosts, ['files.clinica.local', 'https://bucket.example:9000']);
      assert.equal(s.source?.exportStuckMinutes, 15);
      assert.deepEqual(s.source?.auth.kind === 'smart' ? s.source.auth.scopes : null, ['system/*.rs', 'system/*.*']);
      await rejectsWithCode(engine.updateSettings({ source: { url: 'https://x/fhir', auth: { kind: 'none' }, exportStuckMinutes: 0 } }), 'INVALID_SETTINGS');
      await rejectsWithCode(engine.updateSettings({ source: { url: 'https://x/fhir', auth: { kind: 'none' }, allowedHosts: ['not a host!'] } }), 'INVALID_SETTINGS');
    } finally {
      await engine.close();
    }
  });
});
