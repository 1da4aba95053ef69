// Database sources through the engine with real parts: a real PostgreSQL (pg_dump streamed into the repository,
// restored into a fresh database: counts and checksums equal; the password only in the secret store), SQLite while
// another process writes (restored into a new file: one consistent moment), a dump restored as its file, a failing
// dump failing the run with its message and committing nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isEngineError } from '../../src/shared/errors.js';
import { engineFor, filesUnder } from './dbEngine.js';
import { startClinicPostgres, type Postgres } from '../source/db/servers.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHECKSUMS = `
select 'pacientes', count(*), md5(string_agg(p::text, '|' order by id)) from pacientes p
union all select 'consultas', count(*), md5(string_agg(c::text, '|' order by id)) from consultas c;
`;

describe('database sources through the engine', () => {
  let pg: (Postgres & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicPostgres(
      `create table pacientes (id serial primary key, nome text not null, foto bytea);
       insert into pacientes (nome, foto) select 'Paciente ' || i || ' Conceição', decode(repeat(md5(i::text), 20), 'hex') from generate_series(1, 5000) i;
       create table consultas (id bigserial primary key, paciente int references pacientes(id), nota text);
       insert into consultas (paciente, nota) select 1 + i % 5000, repeat('evolução estável; ', 1 + i % 6) from generate_series(1, 20000) i;`,
    );
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    pg = started.server;
  });
  after(() => pg?.stop());

  it('PostgreSQL: pg_dump streamed into the repository, restored into a fresh database (counts and checksums equal) and as its .pgdump file', async (t) => {
    if (!pg) return t.skip(skip);
    const dir = await tempDir('cb-db-');
    const { engine, root, stateDir } = await engineFor(dir);
    await engine.setSecret('pg-clinica', pg.password);
    const source = { kind: 'postgres' as const, host: '127.0.0.1', port: pg.port, user: pg.user, database: 'clinica', passwordSecret: 'pg-clinica' };
    const r = await engine.backupDatabase({ source, name: 'Sistema da clínica' });
    assert.equal(r.snapshot.source.kind, 'database');
    assert.equal(r.dump.fileName, 'clinica.pgdump');
    assert.ok(r.dump.bytes > 100_000);
    const again = await engine.backupDatabase({ source, name: 'Sistema da clínica' });
    assert.ok(again.snapshot.storedBytesAdded < r.snapshot.storedBytesAdded / 2, 'an unchanged database deduplicates');

    await engine.restoreDatabase({ source: 'Sistema da clínica', into: 'clinica_restaurada', connection: source });
    assert.equal(pg.sql('clinica_restaurada', CHECKSUMS), pg.sql('clinica', CHECKSUMS));
    assert.match(pg.sql('clinica', CHECKSUMS), /^pacientes\|5000\|[0-9a-f]{32}\nconsultas\|20000\|[0-9a-f]{32}$/);
    await assert.rejects(engine.restoreDatabase({ source: 'Sistema da clínica', into: 'clinica', connection: source }), (e: unknown) => isEngineError(e, 'DB_RESTORE_TARGET_EXISTS'));

    const out = path.join(dir, 'arquivo');
    const f = await engine.restoreFiles({ source: 'Sistema da clínica', path: 'clinica.pgdump', target: out });
    assert.equal(f.written, 1);
    const bytes = await readFile(path.join(out, 'clinica.pgdump'));
    assert.equal(bytes.subarray(0, 5).toString('latin1'), 'PGDMP');
    assert.equal(bytes.length, r.dump.bytes);

    // The drill restores the latest dump into a throw-away database on the source's server, queries it, drops it.
    await engine.addSource({ kind: 'database', name: 'Sistema da clínica', database: source });
    const d = await engine.drillSource({ source: 'Sistema da clínica' });
    assert.equal(d.status, 'success', JSON.stringify(d.proofs));
    assert.equal(d.kind, 'database');
    assert.deepEqual(
      d.proofs.map((p) => [p.code, p.ok]),
      [
        ['dbRestored', true],
        ['dbSanityQuery', true],
      ],
    );
    assert.match(d.proofs[1]?.text ?? '', /2 tabelas/);
    assert.doesNotMatch(pg.sql('postgres', "select string_agg(datname, ',') from pg_database;"), /cb_drill_/, 'the throw-away database is dropped');

    // The password lives only in the secret store: not in the repository, the catalog or the state.
    for (const file of [...(await filesUnder(root)), ...(await filesUnder(stateDir))]) assert.ok(!(await readFile(file)).includes(Buffer.from(pg.password)), file);

    // A failing dump (wrong password) fails the run with the program's message and commits nothing.
    await engine.setSecret('pg-errada', 'senha errada');
    const count = (await engine.snapshots()).length;
    await assert.rejects(
      engine.backupDatabase({ source: { ...source, passwordSecret: 'pg-errada' } }),
      (e: unknown) => isEngineError(e, 'DUMP_FAILED') && /password authentication failed/i.test(String(e.details['stderr'])),
    );
    assert.equal((await engine.snapshots()).length, count);
    await assert.rejects(engine.backupDatabase({ source: { ...source, passwordSecret: 'nao-existe' } }), (e: unknown) => isEngineError(e, 'SECRET_NOT_FOUND'));
  });

  it('SQLite: backed up through the online backup API while another process writes; restored into a new file at one consistent moment', async () => {
    const dir = await tempDir('cb-db-');
    const { engine } = await engineFor(dir);
    const file = path.join(dir, 'clinica.db');
    const db = new Database(file);
    db.pragma('journal_mode = wal');
    db.exec('create table visits (id integer primary key, patient integer, note blob); create table counter (n integer); insert into counter values (0);');
    db.close();
    const stopFile = path.join(dir, 'stop');
    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, '..', 'source', 'db', 'fixtures', 'sqliteWriter.ts'), file, stopFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      writer.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = await engine.backupDatabase({ source: { kind: 'sqlite', path: file } });
      assert.equal(r.dump.fileName, 'clinica.db');
      const into = path.join(dir, 'restaurado.db');
      await engine.restoreDatabase({ into });
      const copy = new Database(into, { readonly: true });
      const visits = (copy.prepare('select count(*) as c from visits').get() as { c: number }).c;
      const counter = (copy.prepare('select n from counter').get() as { n: number }).n;
      assert.deepEqual(copy.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      copy.close();
      assert.ok(visits > 0);
      assert.equal(visits, counter, 'one consistent moment');
      await writeFile(path.join(dir, 'ocupado.db'), 'já existe');
      await assert.rejects(engine.restoreDatabase({ into: path.join(dir, 'ocupado.db') }), (e: unknown) => isEngineError(e, 'RESTORE_FILE_EXISTS'));
      assert.equal(await readFile(path.join(dir, 'ocupado.db'), 'utf8'), 'já existe', 'never over an existing file');
    } finally {
      await writeFile(stopFile, '');
      assert.equal(await exited, 0);
    }
  });
});
