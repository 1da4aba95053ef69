// MySQL/MariaDB and Firebird sources end to end through the engine, with real servers from Debian started by the
// test (test/source/db/servers.ts): the preset dump (mysqldump --single-transaction, gbak -b) streams into the
// repository with the password read from the secret store, the dump restores as its file (.sql, .fbk), the file
// loads into a fresh database, and row counts and checksums equal the original's. While the dump runs, the dump
// program's command line (/proc/<pid>/cmdline) never holds the password: MariaDB reads it from an owner-only option
// file that is gone after the run, gbak from ISC_PASSWORD in its environment. Skips (printing why) only where the
// server programs are missing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEngineError } from '../../src/shared/errors.js';
import { engineFor, filesUnder } from './dbEngine.js';
import { FIREBIRD_CLINIC_CHECKSUM, MARIADB_CLINIC_CHECKSUM, run, startClinicFirebird, startClinicMariadb, type Firebird, type Mariadb } from '../source/db/servers.js';
import { tempDir } from '../support/tmp.js';

interface Seen {
  readonly pid: string;
  readonly argv: readonly string[];
  readonly environ: string;
  /** Mode of the file named by --defaults-extra-file, read while the dump ran. */
  readonly optionFileMode?: number;
}

/**
 * Watches /proc while `work` runs and records every process whose program is one of `programs` (its argv and environment),
 * so the test can show what the dump program was given. Polls on a short timer; stops when `work` settles.
 */
async function watchProcesses<T>(programs: readonly string[], work: () => Promise<T>): Promise<{ result: T; seen: Seen[] }> {
  const seen = new Map<string, Seen>();
  const look = (): void => {
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      if (seen.has(pid) || String(process.pid) === pid) continue;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a.length > 0);
        if (!programs.includes(path.basename(argv[0] ?? ''))) continue;
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        const opt = argv.find((a) => a.startsWith('--defaults-extra-file='))?.slice('--defaults-extra-file='.length);
        let optionFileMode: number | undefined;
        if (opt !== undefined) optionFileMode = statSync(opt).mode & 0o777;
        seen.set(pid, { pid, argv, environ, ...(optionFileMode !== undefined ? { optionFileMode } : {}) });
      } catch {
        // the process ended between the listing and the read
      }
    }
  };
  const timer = setInterval(look, 2);
  try {
    const result = await work();
    return { result, seen: [...seen.values()] };
  } finally {
    clearInterval(timer);
  }
}

const MYSQL_PASSWORD = 'My"S3nha\\ clínica e2e';
describe('MySQL/MariaDB source through the engine (real server)', () => {
  let db: (Mariadb & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicMariadb(MYSQL_PASSWORD, { patients: 20000, visits: 40000, photoBytes: 640 });
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    db = started.server;
  });
  after(() => db?.stop());

  it('mysqldump --single-transaction streamed into the repository with the password from the secret store; the restored .sql loads into a new database with equal counts and checksums', async (t) => {
    if (!db) return t.skip(skip);
    const dir = await tempDir('cb-db-mysql-');
    const { engine, root, stateDir } = await engineFor(dir);
    await engine.setSecret('mysql-clinica', MYSQL_PASSWORD);
    const source = { kind: 'mysql' as const, host: '127.0.0.1', port: db.port, user: 'backup', database: 'clinica', passwordSecret: 'mysql-clinica' };

    const { result: r, seen } = await watchProcesses(['mysqldump', 'mariadb-dump'], () => engine.backupDatabase({ source, name: 'Sistema (MariaDB)' }));
    assert.equal(r.snapshot.source.kind, 'database');
    assert.equal(r.dump.tool, 'mysqldump');
    assert.equal(r.dump.fileName, 'clinica.sql');
    assert.ok(r.dump.bytes > 1_000_000, `${r.dump.bytes} bytes`);

    // The dump program ran with the preset's options and without the password in its command line.
    const dumps = seen.filter((s) => s.argv.includes('--single-transaction'));
    assert.equal(dumps.length, 1, `mysqldump seen while it ran: ${JSON.stringify(seen.map((s) => s.argv))}`);
    const dump = dumps[0] as Seen;
    assert.ok(dump.argv.includes('clinica') && dump.argv.includes('--user=backup'));
    assert.ok(!dump.argv.join(' ').includes('S3nha'), 'no password in argv');
    assert.ok(!dump.environ.includes('S3nha'), 'no password in the environment either (MYSQL_PWD is not used)');
    assert.equal(dump.optionFileMode, 0o600, 'the option file holding the password is owner-only');
    const optionFile = dump.argv[1]?.slice('--defaults-extra-file='.length) ?? '';
    assert.throws(() => statSync(optionFile), /ENOENT/, 'the option file is removed after the dump');

    // An unchanged database deduplicates against the first dump.
    const again = await engine.backupDatabase({ source, name: 'Sistema (MariaDB)' });
    assert.ok(again.snapshot.storedBytesAdded < r.snapshot.storedBytesAdded / 2, `${again.snapshot.storedBytesAdded} vs ${r.snapshot.storedBytesAdded}`);

    // Restored as its file, then loaded into a fresh database: equal counts and checksums.
    const out = path.join(dir, 'restaurado');
    const f = await engine.restoreFiles({ source: 'Sistema (MariaDB)', path: 'clinica.sql', target: out });
    assert.equal(f.written, 1);
    const file = path.join(out, 'clinica.sql');
    assert.equal(statSync(file).size, again.dump.bytes);
    db.sql('create database clinica_restaurada character set utf8mb4;');
    db.load(file, 'clinica_restaurada');
    const original = db.sql(MARIADB_CLINIC_CHECKSUM, 'clinica');
    assert.match(original, /^pacientes\t20000\t[0-9a-f]{32}\nconsultas\t40000\t[0-9a-f]{32}\nultimas\t\d+\t[0-9a-f]{32}\nrotinas\t0$/);
    assert.equal(db.sql(MARIADB_CLINIC_CHECKSUM, 'clinica_restaurada'), original);

    // A MySQL dump restores as its file only: asking for a new database is an error, not a silent no-op.
    await assert.rejects(engine.restoreDatabase({ source: 'Sistema (MariaDB)', into: 'outra' }), (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'));

    // The password lives only in the secret store.
    for (const p of [...(await filesUnder(root)), ...(await filesUnder(stateDir))]) assert.ok(!(await readFile(p)).includes(Buffer.from('S3nha')), p);

    // A wrong password fails the run with the server's message and commits nothing.
    await engine.setSecret('mysql-errada', 'errada-S3nha-000');
    const count = (await engine.snapshots()).length;
    await assert.rejects(
      engine.backupDatabase({ source: { ...source, passwordSecret: 'mysql-errada' }, name: 'Sistema (MariaDB)' }),
      (e: unknown) => isEngineError(e, 'DUMP_FAILED') && /Access denied/.test(String(e.details['stderr'])) && !JSON.stringify(e.details).includes('errada-S3nha'),
    );
    assert.equal((await engine.snapshots()).length, count);
  });
});

describe('Firebird source through the engine (real server)', () => {
  let fb: (Firebird & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicFirebird({ patients: 4000, photoBytes: 800 });
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    fb = started.server;
  });
  after(() => fb?.stop());

  it('gbak streamed into the repository with the password from the secret store (ISC_PASSWORD, never argv); the restored .fbk recreates a database with equal counts and checksums', async (t) => {
    if (!fb) return t.skip(skip);
    const dir = await tempDir('cb-db-fb-');
    const { engine, root, stateDir } = await engineFor(dir);
    await engine.setSecret('fb-clinica', fb.password);
    const source = { kind: 'firebird' as const, host: '127.0.0.1', port: fb.port, user: 'SYSDBA', database: path.join(fb.dataDir, 'clinica.fdb'), passwordSecret: 'fb-clinica' };

    const { result: r, seen } = await watchProcesses(['gbak'], () => engine.backupDatabase({ source, name: 'Sistema (Firebird)' }));
    assert.equal(r.dump.tool, 'gbak');
    assert.equal(r.dump.fileName, 'clinica.fbk');
    assert.ok(r.dump.bytes > 500_000, `${r.dump.bytes} bytes`);
    const dumps = seen.filter((s) => s.argv.includes('-b'));
    assert.equal(dumps.length, 1, `gbak seen while it ran: ${JSON.stringify(seen.map((s) => s.argv))}`);
    const dump = dumps[0] as Seen;
    assert.deepEqual(dump.argv.slice(1), ['-b', `127.0.0.1/${fb.port}:${source.database}`, 'stdout']);
    assert.ok(!dump.argv.join(' ').includes(fb.password), 'no password in argv');
    assert.ok(dump.environ.split('\0').includes(`ISC_PASSWORD=${fb.password}`), 'the password reaches gbak through its environment (readable by its owner only)');

    const out = path.join(dir, 'restaurado');
    const f = await engine.restoreFiles({ source: 'Sistema (Firebird)', path: 'clinica.fbk', target: out });
    assert.equal(f.written, 1);
    const file = path.join(out, 'clinica.fbk');
    assert.equal(statSync(file).size, r.dump.bytes);
    run('/usr/bin/gbak', ['-c', file, fb.url('restaurado.fdb')], { env: fb.env });
    const original = fb.isql(FIREBIRD_CLINIC_CHECKSUM, 'clinica.fdb');
    assert.match(original, /PACIENTES\s+4000/);
    assert.match(original, /CONSULTAS\s+4000/);
    assert.equal(fb.isql(FIREBIRD_CLINIC_CHECKSUM, 'restaurado.fdb'), original);

    for (const p of [...(await filesUnder(root)), ...(await filesUnder(stateDir))]) assert.ok(!(await readFile(p)).includes(Buffer.from(fb.password)), p);

    await engine.setSecret('fb-errada', 'errada-S3nha-789');
    const count = (await engine.snapshots()).length;
    await assert.rejects(
      engine.backupDatabase({ source: { ...source, passwordSecret: 'fb-errada' }, name: 'Sistema (Firebird)' }),
      (e: unknown) => isEngineError(e, 'DUMP_FAILED') && !JSON.stringify(e.details).includes('errada-S3nha'),
    );
    assert.equal((await engine.snapshots()).length, count);
  });
});
