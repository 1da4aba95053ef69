/**
 * backupFhir against the real sandbox over HTTP, into a real repository: every strategy stores every resource
 * byte for byte; incrementals after create/update/delete equal the server; clock skew; the weekly full pass;
 * interrupted runs never leave a snapshot that is silently missing resources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backupFhir, type FhirBackupOptions, type FhirBackupResult } from '../../src/archiver/fhirBackup.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { EngineError } from '../../src/shared/errors.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import type { StrategyName } from '../../src/source/fhir/strategies.js';
import { assertSnapshotEqualsServer, requestsMatching, sandbox, snapshotResources } from '../support/fhir.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const STRATEGIES: readonly StrategyName[] = ['bulk-export', 'history', 'search'];
const DAY = 24 * 3600_000;

async function repoIn(): Promise<Repository> {
  return (await newRepo(await tempDir())).repo;
}

function run(repo: Repository, server: SandboxServer, opts: Partial<FhirBackupOptions> = {}): Promise<FhirBackupResult> {
  return backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' }, pageSize: 37, ...opts });
}

async function fhir(server: SandboxServer, method: string, path: string, body?: string): Promise<number> {
  const res = await fetch(`${server.url}/${path}`, { method, headers: { 'Content-Type': 'application/fhir+json' }, ...(body ? { body } : {}) });
  await res.arrayBuffer();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
  return res.status;
}

/** Creates, updates and deletes over the server's REST API; returns what an incremental must report. */
async function mutate(server: SandboxServer, tag: string): Promise<{ added: number; changed: number; deleted: number }> {
  const all = [...server.store.all()];
  const of = (type: string): typeof all => all.filter((r) => r.type === type);
  // 5 updates (decimal text kept as sent: 98.60 must stay 98.60)
  for (const r of of('Observation').slice(0, 5))
    await fhir(server, 'PUT', `Observation/${r.id}`, r.text.replace(/"status":"[a-z]+"/, '"status":"amended"').replace(/"value":[0-9.]+/, '"value":98.60'));
  // one resource updated twice
  const twice = of('Encounter')[0];
  assert.ok(twice);
  await fhir(server, 'PUT', `Encounter/${twice.id}`, twice.text.replace(/"status":"[a-z-]+"/, '"status":"in-progress"'));
  await fhir(server, 'PUT', `Encounter/${twice.id}`, twice.text.replace(/"status":"[a-z-]+"/, '"status":"finished"'));
  // 3 creations: POST (server id), PUT (client id), and one created and deleted again (never seen)
  await fhir(server, 'POST', 'Patient', `{"resourceType":"Patient","name":[{"family":"Souza-${tag}","given":["Maria"]}],"birthDate":"1981-02-03"}`);
  await fhir(server, 'PUT', `Patient/new-${tag}`, `{"resourceType":"Patient","id":"new-${tag}","name":[{"text":"Conceição ${tag}"}]}`);
  await fhir(
    server,
    'PUT',
    `Observation/new-${tag}`,
    `{"resourceType":"Observation","id":"new-${tag}","status":"final","code":{"text":"peso"},"subject":{"reference":"Patient/new-${tag}"},"valueQuantity":{"value":70.50,"unit":"kg"}}`,
  );
  await fhir(server, 'PUT', `Basic/ephemeral-${tag}`, `{"resourceType":"Basic","id":"ephemeral-${tag}","code":{"text":"x"}}`);
  await fhir(server, 'DELETE', `Basic/ephemeral-${tag}`);
  // 3 deletions
  const conditions = of('Condition');
  await fhir(server, 'DELETE', `Condition/${(conditions[0] as (typeof all)[0]).id}`);
  await fhir(server, 'DELETE', `Condition/${(conditions[1] as (typeof all)[0]).id}`);
  const proc = of('Procedure')[0] ?? of('Immunization')[0];
  assert.ok(proc);
  await fhir(server, 'DELETE', `${proc.type}/${proc.id}`);
  // deleted and re-created: present, with new content (a change, not an add)
  const med = of('MedicationRequest')[0] ?? of('AllergyIntolerance')[0];
  assert.ok(med);
  await fhir(server, 'DELETE', `${med.type}/${med.id}`);
  await fhir(server, 'PUT', `${med.type}/${med.id}`, med.text);
  return { added: 3, changed: 5 + 1 + 1, deleted: 3 };
}

describe('backupFhir over HTTP', () => {
  it('each strategy ($export, _history, search paging) stores every resource of the server byte for byte', async () => {
    const server = await sandbox({ patients: 8, seed: 11, maxResourcesPerFile: 40, exportPollsBeforeReady: 1 });
    assert.ok(server.store.count() > 400);
    for (const strategy of STRATEGIES) {
      const repo = await repoIn();
      const before = server.requestLog.length;
      const r = await run(repo, server, { strategy, sleep: async () => undefined });
      assert.equal(r.strategy, strategy);
      assert.equal(r.manifest.source.strategy, strategy);
      assert.equal(r.manifest.mode, 'full');
      assert.ok(r.manifest.serverTransactionTime, 'the server time to continue from is recorded');
      await assertSnapshotEqualsServer(repo, r.manifest, server, strategy);
      assert.equal(r.manifest.totals.added, server.store.count());
      const log = server.requestLog.slice(before).map((e) => e.target);
      if (strategy === 'bulk-export') assert.ok(log.filter((t) => /\/_bulk\/[^/]+\/[^/]+\.ndjson$/.test(t)).length > 10, 'many output files downloaded');
      if (strategy === 'history') assert.ok(log.filter((t) => t.includes('_history')).length > 10, 'paged through _history');
      if (strategy === 'search') assert.ok(log.filter((t) => t.includes('_cursor')).length > 10, 'followed next links');
    }
  });

  for (const strategy of STRATEGIES) {
    it(`${strategy}: incrementals after create/update/delete equal the server's state`, async () => {
      const server = await sandbox({ patients: 6, seed: 21, maxResourcesPerFile: 50 });
      const repo = await repoIn();
      const full = await run(repo, server, { strategy });
      await assertSnapshotEqualsServer(repo, full.manifest, server, 'full');

      const expected = await mutate(server, 'a');
      const before = server.requestLog.length;
      const inc = await run(repo, server, { strategy });
      assert.equal(inc.manifest.mode, 'incremental');
      assert.equal(inc.manifest.parent, full.snapshotId);
      await assertSnapshotEqualsServer(repo, inc.manifest, server, `${strategy} incremental`);
      const { added, changed, deleted } = inc.manifest.totals;
      assert.deepEqual({ added, changed, deleted }, expected);
      // It asked for changes since the parent's server time, not for everything.
      const since = encodeURIComponent(full.manifest.serverTransactionTime ?? '').replace(/%3A/g, '(?:%3A|:)');
      const asked = server.requestLog.slice(before).map((e) => e.target);
      assert.ok(
        asked.some((t) => new RegExp(`(_since|_lastUpdated)=(ge)?${since}`).test(t)),
        `used the parent's transactionTime: ${asked.slice(0, 4).join(' ')}`,
      );
      assert.ok(inc.manifest.totals.newBlobs <= 12, `only changed resources are stored again (${inc.manifest.totals.newBlobs} new blobs)`);

      // Nothing changed: nothing added, same tree.
      const idle = await run(repo, server, { strategy });
      assert.deepEqual([idle.manifest.totals.added, idle.manifest.totals.changed, idle.manifest.totals.deleted], [0, 0, 0]);
      assert.deepEqual(idle.manifest.tree, inc.manifest.tree);
      await assertSnapshotEqualsServer(repo, idle.manifest, server, `${strategy} idle`);

      // A second round of changes on top of the incremental chain.
      await mutate(server, 'b');
      const again = await run(repo, server, { strategy });
      await assertSnapshotEqualsServer(repo, again.manifest, server, `${strategy} second incremental`);
    });
  }

  it('chooses $export when offered; a full pass runs when the last one is older than fullEveryMs (weekly by default)', async () => {
    const server = await sandbox({ patients: 3, seed: 5 });
    const repo = await repoIn();
    const t0 = Date.now();
    const first = await run(repo, server);
    assert.equal(first.strategy, 'bulk-export');
    assert.equal(first.capabilities.systemExport, true);
    await mutate(server, 'w1');
    const sixDays = await run(repo, server, { now: () => new Date(t0 + 6 * DAY) });
    assert.equal(sixDays.manifest.mode, 'incremental');
    // A deletion the server never reports (removed behind the API's back is not possible here, so check the
    // full pass instead: it reads everything and still equals the server).
    await mutate(server, 'w2');
    const eightDays = await run(repo, server, { now: () => new Date(t0 + 8 * DAY) });
    assert.equal(eightDays.manifest.mode, 'full');
    await assertSnapshotEqualsServer(repo, eightDays.manifest, server, 'weekly full');
    const next = await run(repo, server, { now: () => new Date(t0 + 8 * DAY + 3600_000) });
    assert.equal(next.manifest.mode, 'incremental', 'the full pass resets the week');
    const later = (): Date => new Date(t0 + 9 * DAY);
    const always = await run(repo, server, { fullEveryMs: 0, now: later });
    assert.equal(always.manifest.mode, 'full');
    const forced = await run(repo, server, { full: true, now: later });
    assert.equal(forced.manifest.mode, 'full');
    assert.deepEqual([forced.manifest.totals.added, forced.manifest.totals.changed, forced.manifest.totals.deleted], [0, 0, 0]);
  });

  for (const offset of [-3 * DAY, 5 * DAY]) {
    it(`clock skew (server clock ${offset > 0 ? '+' : ''}${offset / DAY} days): incrementals by every strategy stay exact`, async () => {
      const server = await sandbox({ patients: 4, seed: 31, clockOffsetMs: offset });
      for (const strategy of STRATEGIES) {
        const repo = await repoIn();
        const full = await run(repo, server, { strategy });
        const tt = Date.parse(full.manifest.serverTransactionTime ?? '');
        assert.ok(Math.abs(tt - (Date.now() + offset)) < 60_000, `${strategy}: transactionTime is the server's clock, not ours`);
        await mutate(server, `${strategy}-${offset}`);
        const inc = await run(repo, server, { strategy });
        assert.equal(inc.manifest.mode, 'incremental');
        await assertSnapshotEqualsServer(repo, inc.manifest, server, `${strategy} skew ${offset}`);
      }
    });
  }

  it('a backup aborted at any point leaves no snapshot (or a complete one); the next run completes', async () => {
    const server = await sandbox({ patients: 6, seed: 41, maxResourcesPerFile: 30, exportPollsBeforeReady: 2, exportRetryAfterSeconds: 1 });
    const repo = await repoIn();
    const full = await run(repo, server);
    await mutate(server, 'abort');
    // Abort when the run reaches a phase (progress events) or when the server has seen a request (its log).
    type Point = { label: string; event?: (e: ProgressEvent) => boolean; request?: RegExp; slow?: string; strategy?: StrategyName; full?: boolean };
    const points: Point[] = [
      { label: 'capability probe', request: /\/metadata$/, slow: '/metadata' },
      { label: 'export kick-off', request: /\$export/, slow: '\\$export' },
      { label: 'export wait', event: (e) => e.phase === 'export-wait' },
      { label: 'first file downloading', request: /\/_bulk\/[^/]+\/[^/]+\.ndjson$/, slow: '\\.ndjson', full: true },
      { label: 'files half downloaded', request: /\/_bulk\/[^/]+\/Observation-3\.ndjson$/, full: true },
      { label: 'commit start', event: (e) => e.phase === 'commit' && e.done === 0, full: true },
      { label: 'history page', event: (e) => e.phase === 'history' && e.done > 40, strategy: 'history', full: true },
      { label: 'search page', event: (e) => e.phase === 'search' && e.done > 40, strategy: 'search', full: true },
      { label: 'search deletion check', request: /_summary=count/, slow: '_summary=count', strategy: 'search' },
    ];
    for (const point of points) {
      const ac = new AbortController();
      const snapsBefore = (await repo.listSnapshots()).length;
      let fired = false;
      const fire = (): void => {
        fired = true;
        ac.abort();
      };
      const onProgress = (e: ProgressEvent): void => {
        if (!fired && point.event?.(e)) fire();
      };
      const logStart = server.requestLog.length;
      const watcher = point.request
        ? setInterval(() => {
            if (!fired && server.requestLog.slice(logStart).some((r) => point.request?.test(r.target))) fire();
          }, 2)
        : null;
      if (point.slow) server.faults.set({ slow: { delayMs: 150, match: point.slow } });
      let outcome: FhirBackupResult | EngineError;
      try {
        outcome = await run(repo, server, { signal: ac.signal, onProgress, ...(point.strategy ? { strategy: point.strategy } : {}), ...(point.full ? { full: true } : {}) });
      } catch (err) {
        assert.ok(err instanceof EngineError, `${point.label}: ${String(err)}`);
        outcome = err;
      } finally {
        if (watcher) clearInterval(watcher);
        server.faults.clear();
      }
      assert.ok(fired, `${point.label}: the abort point was reached`);
      const snaps = await repo.listSnapshots();
      if (outcome instanceof EngineError) {
        assert.equal(outcome.code, 'CANCELLED', `${point.label}: ${outcome.code}`);
        assert.equal(snaps.length, snapsBefore, `${point.label}: no snapshot written`);
      } else {
        // The abort came after the commit point: the snapshot must then be complete.
        await assertSnapshotEqualsServer(repo, outcome.manifest, server, point.label);
      }
    }
    const next = await run(repo, server);
    assert.equal(next.manifest.parent, full.snapshotId, 'the aborted runs left nothing behind to build on');
    await assertSnapshotEqualsServer(repo, next.manifest, server, 'after aborts');
    assert.equal((await snapshotResources(repo, next.manifest)).size, server.store.count());
    assert.ok(requestsMatching(server, /\$export/) >= 2);
  });
});
