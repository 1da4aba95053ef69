// The API the setup and restore wizards use for database sources, through the host (the same dispatch IPC and
// serve use) with a real PostgreSQL: "test the dump" answers the size and time, or the cause in plain words
// (program missing, password refused, database not found, nothing answering, password not saved) and never the
// password; nothing is stored by a test. restoreDatabase names the source only: the engine restores the dump into a
// NEW database on the source's own server (row counts and checksums equal) or into a new SQLite file, and refuses
// an existing name.
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EngineHost } from '../../src/api/index.js';
import type { CallResult } from '../../src/shared/api.js';
import type { DatabaseDumpTestResult, DatabaseRestoreResult } from '../../src/shared/contract.js';
import { testRepo } from '../restorer/helpers.js';
import { freePort, startClinicPostgres, type Postgres } from '../source/db/servers.js';
import { tempDir } from '../support/tmp.js';

const COUNTS = `select 'pacientes', count(*), md5(string_agg(p::text, '|' order by id)) from pacientes p;`;

async function hostFor(dir: string): Promise<EngineHost> {
  const repo = await testRepo(path.join(dir, 'main'));
  const host = new EngineHost({ engine: { passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir: path.join(dir, 'secrets') }, repo: repo.root, locale: 'pt-BR', mode: 'serve' });
  after(() => host.close());
  return host;
}

function value<T>(r: CallResult): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('database sources through the API (test the dump, restore into a new database)', () => {
  let pg: (Postgres & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicPostgres(
      `create table pacientes (id serial primary key, nome text not null); insert into pacientes (nome) select 'Paciente ' || i || ' Conceição' from generate_series(1, 3000) i;`,
    );
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    pg = started.server;
  });
  after(() => pg?.stop());

  it('testDatabaseDump: size and time when it works, the cause in plain words when it does not, never the password, nothing stored', async (t) => {
    if (!pg) return t.skip(skip);
    const dir = await tempDir('cb-dbapi-');
    const host = await hostFor(dir);
    const conn = { kind: 'postgres' as const, host: '127.0.0.1', port: pg.port, user: pg.user, database: 'clinica', passwordSecret: 'pg-clinica' };

    const missing = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database: conn }]));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.cause, 'password-missing');

    value(await host.call('setSecret', ['pg-clinica', pg.password]));
    const ok = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database: conn }]));
    assert.equal(ok.ok, true, JSON.stringify(ok));
    if (ok.ok) {
      assert.ok(ok.bytes > 10_000, `${ok.bytes} bytes`);
      assert.equal(ok.tool, 'pg_dump');
      assert.match(ok.text, /^A cópia do banco de dados funcionou: [\d,]+ MB em [\d,]+ s/);
    }
    assert.deepEqual(value<unknown[]>(await host.call('snapshots', [])), [], 'a test stores nothing');

    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['wrong password', { ...conn, passwordSecret: 'pg-errada' }, 'authentication', /recusou o usuário ou a senha/],
      ['unknown database', { ...conn, database: 'nao_existe' }, 'database-not-found', /não foi encontrado/],
      ['closed port', { ...conn, port: await freePort() }, 'connection-refused', /Nada respondeu/],
      ['no program', { ...conn, toolDir: path.join(dir, 'vazio') }, 'tool-missing', /não está instalado/],
    ];
    value(await host.call('setSecret', ['pg-errada', 'senha-errada-123']));
    await mkdir(path.join(dir, 'vazio'));
    for (const [what, database, cause, text] of cases) {
      const r = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database }]));
      assert.equal(r.ok, false, what);
      if (r.ok) continue;
      assert.equal(r.cause, cause, `${what}: ${r.error.message}`);
      assert.match(r.text, text, what);
      const all = JSON.stringify(r);
      assert.ok(!all.includes(pg.password) && !all.includes('senha-errada-123'), `${what}: no password in the answer`);
    }
    host.setLocale('en');
    const en = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database: { ...conn, database: 'nao_existe' } }], 'en'));
    assert.equal(en.ok ? 'ok' : en.text.startsWith('No database with that name was found'), true, 'the text follows the interface language');
    host.setLocale('pt-BR');

    // A malformed connection never reaches the engine.
    const bad = await host.call('testDatabaseDump', [{ database: { kind: 'oracle', host: 'x', user: 'u', database: 'd' } }]);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, 'INVALID_ARGUMENT');
    const password = await host.call('testDatabaseDump', [{ database: { ...conn, password: pg.password } }]);
    assert.equal(password.ok, false, 'a password never travels in the arguments, only a stored secret name');
  });

  it('restoreDatabase: the source named, its dump restored into a new PostgreSQL database (counts and checksums equal); an existing name refused', async (t) => {
    if (!pg) return t.skip(skip);
    const dir = await tempDir('cb-dbapi-');
    const host = await hostFor(dir);
    value(await host.call('setSecret', ['pg-clinica', pg.password]));
    const database = { kind: 'postgres' as const, host: '127.0.0.1', port: pg.port, user: pg.user, database: 'clinica', passwordSecret: 'pg-clinica' };
    value(await host.call('addSource', [{ kind: 'database', name: 'Sistema da clínica', database }]));
    value(await host.call('backupSource', ['Sistema da clínica']));

    const r = value<DatabaseRestoreResult>(await host.call('restoreDatabase', [{ source: 'Sistema da clínica', into: 'clinica_api' }]));
    assert.equal(r.kind, 'postgres');
    assert.equal(r.into, 'clinica_api');
    assert.equal(pg.sql('clinica_api', COUNTS), pg.sql('clinica', COUNTS));
    assert.match(pg.sql('clinica', COUNTS), /^pacientes\|3000\|/);

    const again = await host.call('restoreDatabase', [{ source: 'Sistema da clínica', into: 'clinica' }]);
    assert.equal(again.ok, false);
    if (!again.ok) assert.equal(again.error.code, 'DB_RESTORE_TARGET_EXISTS');
    const noInto = await host.call('restoreDatabase', [{ source: 'Sistema da clínica' }]);
    assert.equal(noInto.ok, false);
    if (!noInto.ok) assert.equal(noInto.error.code, 'INVALID_ARGUMENT');
  });

  it('SQLite: test the dump of a file (and of a missing one), restore into a new file', async () => {
    const dir = await tempDir('cb-dbapi-');
    const host = await hostFor(dir);
    const file = path.join(dir, 'consultorio.db');
    const db = new Database(file);
    db.exec(`create table agenda (id integer primary key, quando text); insert into agenda (quando) values ('2026-01-02'), ('2026-01-03'), ('2026-01-04');`);
    db.close();
    const ok = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database: { kind: 'sqlite', path: file } }]));
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const gone = value<DatabaseDumpTestResult>(await host.call('testDatabaseDump', [{ database: { kind: 'sqlite', path: path.join(dir, 'nao-existe.db') } }]));
    assert.equal(gone.ok ? 'ok' : gone.cause, 'database-not-found');

    value(await host.call('addSource', [{ kind: 'database', name: 'Agenda', database: { kind: 'sqlite', path: file } }]));
    value(await host.call('backupSource', ['Agenda']));
    const into = path.join(dir, 'restaurado', 'agenda.db');
    await mkdir(path.dirname(into));
    const r = value<DatabaseRestoreResult>(await host.call('restoreDatabase', [{ source: 'Agenda', into }]));
    assert.equal(r.kind, 'sqlite');
    const copy = new Database(into, { readonly: true });
    assert.equal((copy.prepare('select count(*) as n from agenda').get() as { n: number }).n, 3);
    copy.close();
    const twice = await host.call('restoreDatabase', [{ source: 'Agenda', into }]);
    assert.equal(twice.ok, false, 'never over an existing file');
    assert.deepEqual(await readdir(path.dirname(into)), ['agenda.db']);
  });
});
