import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Catalog, type CatalogOpenResult } from '../../src/catalog/catalog.js';
import { MIGRATIONS, migrate, type Migration } from '../../src/catalog/migrations.js';
import { FieldValidationError } from '../../src/policy/fieldErrors.js';
import { EngineError, isEngineError } from '../../src/shared/errors.js';
import { t } from '../../src/i18n/index.js';
import { tempDir } from '../support/tmp.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function fixedClock(iso: string): { now: () => Date; set: (v: string) => void } {
  let t = new Date(iso);
  return { now: () => new Date(t), set: (v) => (t = new Date(v)) };
}

async function fresh(options: Parameters<typeof Catalog.open>[1] = {}): Promise<{ file: string; result: CatalogOpenResult; catalog: Catalog }> {
  const file = path.join(await tempDir('cb-catalog-'), 'catalog.db');
  const result = Catalog.open(file, options);
  return { file, result, catalog: result.catalog };
}

describe('Catalog: open, migrations, durability settings', () => {
  it('creates a new catalog at the latest schema in WAL mode with synchronous=FULL', async () => {
    const { file, result, catalog } = await fresh();
    assert.equal(result.rebuilt, false);
    assert.equal(catalog.schemaVersion(), MIGRATIONS.length);
    assert.deepEqual(catalog.integrityCheck(), ['ok']);
    catalog.close();
    const raw = new Database(file);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    const tables = (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    for (const tbl of ['alerts', 'audit', 'destinations', 'drills', 'runs', 'schema_version', 'settings', 'snapshots']) assert.ok(tables.includes(tbl), tbl);
    raw.close();
  });

  it('sets synchronous=FULL on its connection', async () => {
    const { catalog } = await fresh();
    // Reach the private connection the way a debugger would; the setting is per connection.
    const db = (catalog as unknown as { db: Database.Database }).db;
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    catalog.close();
  });

  it('migrations are idempotent and data survives reopening', async () => {
    const { file, catalog } = await fresh();
    const id = catalog.startRun({ kind: 'backup' });
    catalog.close();
    for (let i = 0; i < 3; i++) {
      const again = Catalog.open(file);
      assert.equal(again.rebuilt, false);
      assert.equal(again.catalog.schemaVersion(), MIGRATIONS.length);
      assert.equal(again.catalog.getRun(id)?.status, 'running');
      again.catalog.close();
    }
    const raw = new Database(file);
    assert.deepEqual(migrate(raw).applied, []);
    const versions = raw.prepare('SELECT version FROM schema_version').all();
    assert.equal(versions.length, MIGRATIONS.length);
    raw.close();
  });

  it('applies new migrations in order, each in a transaction that rolls back on failure', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'c.db');
    const N = MIGRATIONS.length;
    const v2: Migration = { version: N + 1, description: 'add note', up: (db) => db.exec('ALTER TABLE runs ADD COLUMN note TEXT') };
    const v3bad: Migration = {
      version: N + 2,
      description: 'fails halfway',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('migration bug');
      },
    };
    Catalog.open(file, { migrations: MIGRATIONS }).catalog.close();
    const two = Catalog.open(file, { migrations: [...MIGRATIONS, v2] });
    assert.equal(two.catalog.schemaVersion(), N + 1);
    two.catalog.close();
    assert.throws(() => Catalog.open(file, { migrations: [...MIGRATIONS, v2, v3bad] }), /migration bug/);
    const raw = new Database(file);
    assert.equal((raw.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, N + 1);
    assert.equal(raw.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'half_done'`).get(), undefined);
    assert.throws(() => migrate(raw, [v2]), { code: 'INVALID_ARGUMENT' });
    raw.close();
  });

  it('refuses a catalog from a newer program version and leaves it in place', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'c.db');
    const future: Migration = { version: MIGRATIONS.length + 1, description: 'future', up: () => undefined };
    Catalog.open(file, { migrations: [...MIGRATIONS, future] }).catalog.close();
    assert.throws(
      () => Catalog.open(file),
      (err: unknown) => isEngineError(err, 'REPO_VERSION_UNSUPPORTED') && err.details['version'] === MIGRATIONS.length + 1,
    );
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.includes('corrupt')),
      [],
    );
  });
});

describe('Catalog: corrupt files are moved aside and rebuilt', () => {
  it('a file that is not a database', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'catalog.db');
    await writeFile(file, Buffer.alloc(8192, 'this is not sqlite '));
    const clock = fixedClock('2026-11-20T14:15:16.789Z');
    const r = Catalog.open(file, { clock });
    assert.equal(r.rebuilt, true);
    assert.equal(r.reason, 'not-a-database');
    assert.equal(r.movedTo, `${file}.corrupt-2026-11-20T14-15-16-789Z`);
    assert.match(await readFile(r.movedTo!, 'utf8'), /this is not sqlite/);
    assert.equal(r.catalog.schemaVersion(), MIGRATIONS.length);
    r.catalog.startRun({ kind: 'backup' });
    r.catalog.close();
    assert.equal(Catalog.open(file).rebuilt, false);
    assert.doesNotMatch(t(`catalog.rebuilt.${r.reason}`, { movedTo: r.movedTo }, 'en'), /\{|catalog\.rebuilt/);
  });

  it('a malformed database (damaged pages)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'catalog.db');
    const { catalog } = Catalog.open(file);
    for (let i = 0; i < 400; i++) catalog.appendAudit({ actor: 'x', action: 'fill', details: { i, pad: 'p'.repeat(200) } });
    catalog.close(); // checkpoints the WAL into the main file
    const fh = await open(file, 'r+');
    const size = (await fh.stat()).size;
    assert.ok(size > 16 * 4096, `size ${size}`);
    // Scribble over a run of pages in the middle (b-tree pages of the audit table).
    await fh.write(Buffer.alloc(6 * 4096, 0xa5), 0, 6 * 4096, 8 * 4096);
    await fh.close();
    const r = Catalog.open(file, { clock: fixedClock('2026-01-01T00:00:00Z') });
    assert.equal(r.rebuilt, true);
    assert.ok(r.reason === 'malformed' || r.reason === 'integrity-check', r.reason);
    assert.ok(r.detail && r.detail.length > 0);
    assert.ok(existsSync(r.movedTo!));
    assert.equal(r.catalog.verifyAuditChain().ok, true);
    assert.equal(r.catalog.listAudit().length, 0);
    r.catalog.close();
  });

  it('does not move a file aside for other errors', async () => {
    const dir = await tempDir();
    assert.throws(() => Catalog.open(dir)); // a directory: cannot open, not corrupt
    assert.ok(existsSync(dir));
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('Catalog: survives kill -9 of a writer', () => {
  it('keeps every committed row and a consistent database', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'catalog.db');
    const acked: number[] = [];
    for (const threshold of [150, 40, 300]) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'runWriter.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      let buffer = '';
      let seen = 0;
      for await (const chunk of child.stdout!) {
        buffer += String(chunk);
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const l of lines) acked.push(Number(l));
        seen += lines.length;
        if (seen >= threshold) {
          child.kill('SIGKILL');
          break;
        }
      }
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      clearTimeout(guard);
      assert.equal(signal, 'SIGKILL');
    }
    const { catalog, rebuilt } = Catalog.open(file);
    assert.equal(rebuilt, false);
    assert.deepEqual(catalog.integrityCheck(), ['ok']);
    for (const id of acked) assert.equal(catalog.getRun(id)?.status, 'success', `run ${id}`);
    const audit = catalog.listAudit({ limit: 100_000 });
    const auditedRuns = new Set(audit.map((e) => (e.details as { id: number }).id));
    for (const id of acked) assert.ok(auditedRuns.has(id), `audit of run ${id}`);
    assert.equal(catalog.verifyAuditChain().ok, true);
    // A run may have been started but not finished when the process died: start-up marks it.
    const running = catalog.listRuns({ status: 'running', limit: 10 }).length;
    assert.equal(catalog.interruptRunningRuns(), running);
    assert.equal(catalog.listRuns({ status: 'running' }).length, 0);
    catalog.close();
  });
});

describe('Catalog: runs', () => {
  it('records, finishes, lists and summarises runs', async () => {
    const clock = fixedClock('2026-01-10T10:00:00Z');
    const { catalog } = await fresh({ clock });
    const a = catalog.startRun({ kind: 'backup', destination: 'nas' });
    clock.set('2026-01-10T10:03:00Z');
    const done = catalog.finishRun(a, { status: 'success', snapshotId: 'snap1', resourcesNew: 5, resourcesChanged: 2, resourcesDeleted: 1, resourcesTotal: 100, bytesRead: 1000, bytesAdded: 300 });
    assert.deepEqual(done, {
      id: a,
      kind: 'backup',
      startedAt: '2026-01-10T10:00:00.000Z',
      endedAt: '2026-01-10T10:03:00.000Z',
      status: 'success',
      snapshotId: 'snap1',
      destination: 'nas',
      resourcesNew: 5,
      resourcesChanged: 2,
      resourcesDeleted: 1,
      resourcesTotal: 100,
      bytesRead: 1000,
      bytesAdded: 300,
      errorCode: null,
      errorMessage: null,
    });
    clock.set('2026-01-10T11:00:00Z');
    const b = catalog.startRun({ kind: 'backup' });
    const failed = catalog.finishRun(b, { status: 'failed', errorCode: 'SOURCE_AUTH', errorMessage: 'GET https://user:hunter2@fhir.local/ failed, Authorization: Bearer abc.def' });
    assert.doesNotMatch(failed.errorMessage ?? '', /hunter2|abc\.def/);
    const c = catalog.startRun({ kind: 'check' });
    assert.throws(() => catalog.finishRun(a, { status: 'failed' }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => catalog.finishRun(999, { status: 'failed' }), { code: 'NOT_FOUND' });
    assert.throws(() => catalog.finishRun(c, { status: 'success', bytesRead: -1 }), { code: 'INVALID_ARGUMENT' });

    assert.deepEqual(
      catalog.listRuns().map((r) => r.id),
      [c, b, a],
    );
    assert.deepEqual(
      catalog.listRuns({ kind: 'backup', status: 'failed' }).map((r) => r.id),
      [b],
    );
    assert.equal(catalog.lastRun('backup')?.id, b);
    assert.equal(catalog.lastRun('backup', ['success', 'partial'])?.id, a);
    assert.equal(catalog.lastRun('restore'), null);

    const stats = catalog.runStats('backup', new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(stats, {
      total: 2,
      byStatus: { running: 0, success: 1, partial: 0, failed: 1, interrupted: 0 },
      successRate: 0.5,
      bytesRead: 1000,
      bytesAdded: 300,
      meanDurationMs: 180_000,
    });
    assert.equal(catalog.runStats('restore', new Date(0)).successRate, null);
    assert.equal(catalog.interruptRunningRuns(), 1);
    assert.equal(catalog.getRun(c)?.status, 'interrupted');
    catalog.close();
  });
});

describe('Catalog: snapshots cache, destinations, drills', () => {
  it('caches snapshots', async () => {
    const { catalog } = await fresh();
    const s = (id: string, time: string) => ({ id, time, parent: null, source: 'https://fhir.local', counts: { Patient: 3, Observation: 10 }, destinations: ['nas'] });
    catalog.upsertSnapshot(s('a', '2026-01-01T00:00:00Z'));
    catalog.upsertSnapshot(s('b', '2026-01-02T00:00:00Z'));
    catalog.upsertSnapshot({ ...s('a', '2026-01-01T00:00:00Z'), destinations: ['nas', 's3'] });
    assert.deepEqual(
      catalog.listSnapshots().map((x) => x.id),
      ['b', 'a'],
    );
    assert.deepEqual(catalog.getSnapshot('a')?.destinations, ['nas', 's3']);
    assert.deepEqual(catalog.getSnapshot('a')?.counts, { Observation: 10, Patient: 3 });
    assert.equal(catalog.removeSnapshots(['a', 'zzz']), 1);
    catalog.replaceSnapshots([s('c', '2026-01-03T00:00:00Z'), s('d', '2026-01-04T00:00:00Z')]);
    assert.deepEqual(
      catalog.listSnapshots().map((x) => x.id),
      ['d', 'c'],
    );
    assert.throws(() => catalog.upsertSnapshot(s('e', 'not a time')), { code: 'INVALID_ARGUMENT' });
    catalog.close();
  });

  it('stores destinations without credentials and tracks their health', async () => {
    const clock = fixedClock('2026-01-10T10:00:00Z');
    const { catalog } = await fresh({ clock });
    catalog.upsertDestination({ id: 'nas', location: '/mnt/nas/backup', kind: 'local', label: 'NAS' });
    catalog.upsertDestination({ id: 'cloud', location: 'https://s3.example.com/bucket/prefix', kind: 's3', repoId: 'r1' });
    for (const bad of ['s3://AKIAXXXX:secret@s3.example.com/bucket', 'https://token@s3.example.com/b', 'https://s3.example.com/b?X-Amz-Signature=abc', 'https://h/b?access_key=1']) {
      assert.throws(
        () => catalog.upsertDestination({ id: 'x', location: bad, kind: 's3' }),
        (err: unknown) => err instanceof FieldValidationError && err.fieldErrors[0]?.field === 'location' && err.fieldErrors[0]?.key === 'catalog.location.credentials',
        bad,
      );
    }
    let nas = catalog.recordDestinationStatus('nas', { ok: true, capacityTotal: 1000, capacityFree: 150 });
    assert.equal(nas.lastSuccessAt, '2026-01-10T10:00:00.000Z');
    clock.set('2026-01-10T11:00:00Z');
    nas = catalog.recordDestinationStatus('nas', { ok: false, errorCode: 'DEST_OFFLINE', offline: true });
    assert.deepEqual([nas.lastSuccessAt, nas.lastErrorCode, nas.offline, nas.capacityFree], ['2026-01-10T10:00:00.000Z', 'DEST_OFFLINE', true, 150]);
    nas = catalog.recordDestinationStatus('nas', { ok: true, offline: false });
    assert.deepEqual([nas.lastErrorCode, nas.offline], [null, false]);
    assert.throws(() => catalog.recordDestinationStatus('nope', { ok: true }), { code: 'NOT_FOUND' });
    assert.deepEqual(
      catalog.listDestinations().map((d) => d.id),
      ['cloud', 'nas'],
    );
    assert.equal(catalog.removeDestination('cloud'), true);
    catalog.close();
  });

  it('records drills', async () => {
    const clock = fixedClock('2026-02-01T15:00:00Z');
    const { catalog } = await fresh({ clock });
    const id = catalog.startDrill({ snapshotId: 'snap1', operator: 'ana' });
    clock.set('2026-02-01T15:20:00Z');
    const d = catalog.finishDrill(id, {
      status: 'success',
      recoveryTimeMs: 1_200_000,
      timeToFirstCriticalMs: 45_000,
      integrityScore: 1,
      resourcesRestored: 5000,
      bytesRead: 123456,
      report: { counts: { Patient: 50 }, problems: [] },
    });
    assert.equal(d.endedAt, '2026-02-01T15:20:00.000Z');
    assert.deepEqual(d.report, { counts: { Patient: 50 }, problems: [] });
    assert.equal(catalog.lastDrill(['success'])?.id, id);
    const bad = catalog.startDrill({ snapshotId: null });
    assert.throws(() => catalog.finishDrill(bad, { status: 'failed', integrityScore: 1.5 }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => catalog.finishDrill(id, { status: 'failed' }), { code: 'INVALID_ARGUMENT' });
    assert.deepEqual(
      catalog.listDrills().map((x) => x.id),
      [bad, id],
    );
    catalog.close();
  });
});

describe('Catalog: alerts', () => {
  it('deduplicates by key, escalates, clears and keeps history', async () => {
    const clock = fixedClock('2026-01-10T10:00:00Z');
    const { catalog } = await fresh({ clock });
    const input = { rule: 'stale', severity: 'high' as const, key: 'stale:nas', messageKey: 'alerts.stale', params: { hours: 25 } };
    const first = catalog.upsertAlert(input);
    assert.equal(first.created, true);
    clock.set('2026-01-10T11:00:00Z');
    const again = catalog.upsertAlert({ ...input, params: { hours: 26 } });
    assert.deepEqual([again.created, again.escalated, again.alert.id], [false, false, first.alert.id]);
    assert.equal(again.alert.firstAt, '2026-01-10T10:00:00.000Z');
    assert.equal(again.alert.lastAt, '2026-01-10T11:00:00.000Z');
    assert.deepEqual(again.alert.params, { hours: 26 });

    catalog.recordAlertDelivery(first.alert.id, { channel: 'email', ok: false, nextAttemptAt: new Date('2026-01-10T11:05:00Z') });
    const delivered = catalog.recordAlertDelivery(first.alert.id, { channel: 'os', ok: true });
    assert.deepEqual([delivered.notifiedChannels, delivered.deliveryAttempts, delivered.nextAttemptAt], [['os'], 2, null]);

    const lower = catalog.upsertAlert({ ...input, severity: 'medium' });
    assert.equal(lower.alert.severity, 'high'); // never lowered while active
    const up = catalog.upsertAlert({ ...input, severity: 'critical' });
    assert.deepEqual([up.escalated, up.alert.severity, up.alert.notifiedChannels], [true, 'critical', []]);

    catalog.upsertAlert({ rule: 'disk', severity: 'medium', key: 'disk:nas', messageKey: 'alerts.disk' });
    assert.deepEqual(
      catalog.listActiveAlerts().map((a) => a.key),
      ['stale:nas', 'disk:nas'],
    );

    clock.set('2026-01-10T12:00:00Z');
    assert.equal(catalog.clearAlert('stale:nas')?.clearedAt, '2026-01-10T12:00:00.000Z');
    assert.equal(catalog.clearAlert('stale:nas'), null);
    assert.deepEqual(
      catalog.listActiveAlerts().map((a) => a.key),
      ['disk:nas'],
    );
    const reborn = catalog.upsertAlert(input);
    assert.equal(reborn.created, true);
    assert.notEqual(reborn.alert.id, first.alert.id);
    assert.equal(catalog.listAlerts().length, 3);
    assert.throws(() => catalog.upsertAlert({ ...input, severity: 'urgent' as 'high' }), { code: 'INVALID_ARGUMENT' });
    catalog.close();
  });
});

describe('Catalog: settings with validation hooks', () => {
  it('saves valid settings and audits each change', async () => {
    const { catalog } = await fresh();
    catalog.setSetting('retention', { keepDaily: 7, keepMonthly: 24, legalFloorYears: 20 }, 'ana');
    catalog.setSetting('schedule.backup', { kind: 'interval', everyMinutes: 15 });
    catalog.setSetting('ui.locale', 'en');
    assert.deepEqual(catalog.getSetting('retention'), { keepDaily: 7, keepMonthly: 24, legalFloorYears: 20 });
    assert.equal(catalog.getSetting('missing'), undefined);
    assert.deepEqual(
      catalog.listSettings().map((s) => s.key),
      ['retention', 'schedule.backup', 'ui.locale'],
    );
    const audit = catalog.listAudit();
    assert.deepEqual(
      audit.map((e) => [e.actor, e.action, (e.details as { key: string }).key]),
      [
        ['ana', 'settings.set', 'retention'],
        ['system', 'settings.set', 'schedule.backup'],
        ['system', 'settings.set', 'ui.locale'],
      ],
    );
    assert.equal(catalog.deleteSetting('ui.locale'), true);
    assert.equal(catalog.deleteSetting('ui.locale'), false);
    assert.equal(catalog.listAudit().length, 4);
    catalog.close();
  });

  it('refuses a retention setting below the legal floor, with field-level errors, and writes nothing', async () => {
    const { catalog } = await fresh();
    assert.throws(
      () => catalog.setSetting('retention', { keepDaily: 7, legalFloorYears: 0 }),
      (err: unknown) =>
        err instanceof FieldValidationError && err.code === 'RETENTION_LEGAL_FLOOR' && err.details['years'] === 20 && err.fieldErrors.length === 1 && err.fieldErrors[0]?.field === 'legalFloorYears',
    );
    assert.equal(catalog.getSetting('retention'), undefined);
    assert.equal(catalog.listAudit().length, 0);
    catalog.close();
  });

  it('uses the configured minimum floor and other validators', async () => {
    const { catalog } = await fresh({
      minimumLegalFloorYears: 25,
      validators: {
        'smtp.*': (value) => {
          if (typeof value !== 'object' || value === null || typeof (value as { port?: unknown }).port !== 'number')
            throw new FieldValidationError('INVALID_SETTINGS', [{ field: 'port', key: 'alerts.smtp.port' }]);
        },
      },
    });
    assert.throws(() => catalog.setSetting('retention', { legalFloorYears: 20 }), { code: 'RETENTION_LEGAL_FLOOR' });
    catalog.setSetting('retention', { legalFloorYears: 25 });
    assert.throws(
      () => catalog.setSetting('schedule.drill', { kind: 'monthly', day: 32, at: '9:00' }),
      (err: unknown) => err instanceof FieldValidationError && err.code === 'INVALID_SETTINGS' && JSON.stringify(err.details['fields']) === '["day","at"]',
    );
    assert.throws(
      () => catalog.setSetting('smtp.main', { port: 'x' }),
      (err: unknown) => err instanceof FieldValidationError && err.details['field'] === 'port',
    );
    catalog.setSetting('smtp.main', { port: 587 });
    catalog.setSettingValidator('ui.locale', (v) => {
      if (v !== 'en' && v !== 'pt-BR') throw new EngineError('INVALID_SETTINGS', { field: 'ui.locale', reason: 'ui.locale' });
    });
    assert.throws(() => catalog.setSetting('ui.locale', 'fr'), { code: 'INVALID_SETTINGS' });
    assert.throws(() => catalog.setSetting('x', Number.NaN), { code: 'INVALID_ARGUMENT' });
    catalog.close();
  });
});

describe('Catalog: audit trail', () => {
  async function withEntries(n: number): Promise<{ file: string; catalog: Catalog }> {
    const { file, catalog } = await fresh({ clock: fixedClock('2026-03-01T09:00:00Z') });
    for (let i = 1; i <= n; i++) catalog.appendAudit({ actor: 'ana', action: 'restore.confirm', details: { i, patient: `p${i}` } });
    return { file, catalog };
  }

  it('chains entries and verifies them', async () => {
    const { catalog } = await withEntries(5);
    const entries = catalog.listAudit();
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(entries[0]?.prevHash, '0'.repeat(64));
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]?.prevHash, entries[i - 1]?.hash);
    const v = catalog.verifyAuditChain();
    assert.deepEqual(v, { ok: true, count: 5, lastHash: entries[4]?.hash });
    catalog.close();
  });

  it('is append-only through SQL triggers', async () => {
    const { file, catalog } = await withEntries(3);
    catalog.close();
    const raw = new Database(file);
    assert.throws(() => raw.prepare(`UPDATE audit SET actor = 'eve' WHERE seq = 2`).run(), /append-only/);
    assert.throws(() => raw.prepare('DELETE FROM audit WHERE seq = 2').run(), /append-only/);
    raw.close();
  });

  const tamper: [string, string[], number, string][] = [
    ['an edited details field', [`UPDATE audit SET details_json = '{"i":3,"patient":"someone-else"}' WHERE seq = 3`], 3, 'hash-mismatch'],
    ['an edited actor', [`UPDATE audit SET actor = 'eve' WHERE seq = 2`], 2, 'hash-mismatch'],
    ['a deleted entry', ['DELETE FROM audit WHERE seq = 4'], 4, 'missing'],
    ['an entry re-hashed after editing', [`UPDATE audit SET at = '2020-01-01T00:00:00.000Z', hash = '${'f'.repeat(64)}' WHERE seq = 2`], 2, 'hash-mismatch'],
    ['a broken link', [`UPDATE audit SET prev_hash = '${'0'.repeat(64)}' WHERE seq = 5`], 5, 'chain-broken'],
    ['unreadable details', [`UPDATE audit SET details_json = '{oops' WHERE seq = 1`], 1, 'unreadable'],
  ];
  for (const [name, sql, seq, problem] of tamper) {
    it(`detects ${name}`, async () => {
      const { file, catalog } = await withEntries(6);
      const raw = new Database(file);
      raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
      for (const s of sql) raw.exec(s);
      raw.close();
      const v = catalog.verifyAuditChain();
      assert.equal(v.ok, false);
      if (!v.ok) assert.deepEqual([v.firstBadSeq, v.problem], [seq, problem]);
      catalog.close();
    });
  }

  it('detects a re-hashed entry at the next link', async () => {
    const { file, catalog } = await withEntries(4);
    const entries = catalog.listAudit();
    const e2 = entries[1]!;
    const { auditHash } = await import('../../src/catalog/catalog.js');
    const forged = auditHash(e2.prevHash, { seq: 2, at: e2.at, actor: 'eve', action: e2.action, details: e2.details });
    const raw = new Database(file);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare(`UPDATE audit SET actor = 'eve', hash = ? WHERE seq = 2`).run(forged);
    raw.close();
    const v = catalog.verifyAuditChain();
    assert.ok(!v.ok && v.firstBadSeq === 3 && v.problem === 'chain-broken');
    catalog.close();
  });
});
