// A real PostgreSQL from Debian: pg_dump streamed through the dump source and the chunker, restored with pg_restore
// into a new database; counts and checksums equal. Skips (printing why) where the server cannot run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chunkerConfig, chunkStream } from '../../../src/source/files/index.js';
import { openDump, restorePostgresToNewDatabase, testDump, type PostgresSource } from '../../../src/source/db/index.js';
import { isEngineError } from '../../../src/shared/errors.js';
import { startPostgres, type Postgres } from './servers.js';

const SETUP = `
create table pacientes (id serial primary key, nome text not null, nascimento date, foto bytea, alergias jsonb);
insert into pacientes (nome, nascimento, foto, alergias)
  select 'Paciente ' || i || ' Conceição Ávila', date '1940-01-01' + i, decode(repeat(md5(i::text), 40), 'hex'), jsonb_build_object('n', i % 5, 'txt', 'dipirona')
  from generate_series(1, 20000) i;
create table consultas (id bigserial primary key, paciente int not null references pacientes(id), quando timestamptz not null, nota text);
insert into consultas (paciente, quando, nota)
  select 1 + (i * 7919) % 20000, timestamptz '2024-01-01 08:00-03' + i * interval '17 minutes', repeat('evolução clínica estável; ', 1 + i % 8)
  from generate_series(1, 40000) i;
create index consultas_paciente on consultas (paciente);
create view ultimas as select paciente, max(quando) as quando from consultas group by paciente;
create function idade(d date) returns int language sql immutable as $$ select extract(year from age(d))::int $$;
`;

const CHECKSUMS = `
select 'pacientes', count(*), md5(string_agg(p::text, '|' order by id)) from pacientes p
union all select 'consultas', count(*), md5(string_agg(c::text, '|' order by id)) from consultas c
union all select 'ultimas', count(*), md5(string_agg(u::text, '|' order by paciente)) from ultimas u
union all select 'idade', idade(date '2000-06-01'), '' ;
`;

/** Command lines of running pg_dump processes (to prove the password is not in any). */
function pgDumpCommandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes('pg_dump') && cmd.includes('--format=custom')) out.push(cmd);
    } catch {
      // the process ended
    }
  }
  return out;
}

describe('PostgreSQL source (real server)', () => {
  let pg: (Postgres & { stop(): Promise<void> }) | null = null;
  let skip = '';
  let source: PostgresSource;

  before(async () => {
    const started = await startPostgres();
    if (!started.ok) {
      skip = started.reason;
      console.log(`# PostgreSQL tests skipped: ${skip}`);
      return;
    }
    pg = started.server;
    pg.sql('postgres', 'create database clinica;');
    pg.sql('clinica', SETUP);
    source = { kind: 'postgres', host: '127.0.0.1', port: pg.port, user: pg.user, database: 'clinica', passwordSecret: 'pg-clinica' };
  });

  after(() => pg?.stop());

  it('streams pg_dump through the chunker and restores it with pg_restore into a new database: counts and checksums equal', async (t) => {
    if (!pg) return t.skip(skip);
    const dump = await openDump(source, { password: pg.password });
    assert.equal(dump.meta.fileName, 'clinica.pgdump');
    assert.match(dump.meta.toolVersion, /^pg_dump \(PostgreSQL\) \d+/);
    assert.equal(dump.meta.label, `PostgreSQL clinica on 127.0.0.1:${pg.port}`);
    const cfg = chunkerConfig(Buffer.alloc(32, 9), { minBytes: 64 * 1024, avgBytes: 256 * 1024, maxBytes: 1024 * 1024 });
    const chunks: Buffer[] = [];
    let lines: string[] = [];
    for await (const c of chunkStream(dump.stream, cfg)) {
      if (chunks.length === 0) lines = pgDumpCommandLines();
      chunks.push(c);
    }
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
    assert.equal(Buffer.concat(chunks).subarray(0, 5).toString('latin1'), 'PGDMP', 'custom format');
    assert.ok(lines.length >= 1, 'pg_dump was running while its output was read');
    for (const l of lines) assert.ok(!l.includes(pg.password) && !l.includes('S3nha'), l);

    async function* replay(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    await restorePostgresToNewDatabase(source, { password: pg.password }, 'clinica_restaurada', replay());
    const original = pg.sql('clinica', CHECKSUMS);
    const restored = pg.sql('clinica_restaurada', CHECKSUMS);
    assert.match(original, /^pacientes\|20000\|[0-9a-f]{32}\nconsultas\|40000\|[0-9a-f]{32}\nultimas\|\d+\|[0-9a-f]{32}\nidade\|\d+\|$/);
    assert.equal(restored, original);
  });

  it('never restores over an existing database, and leaves it untouched', async (t) => {
    if (!pg) return t.skip(skip);
    const before = pg.sql('clinica', CHECKSUMS);
    const dump = await openDump(source, { password: pg.password });
    await assert.rejects(restorePostgresToNewDatabase(source, { password: pg.password }, 'clinica', dump.stream), (e) => isEngineError(e, 'DB_RESTORE_TARGET_EXISTS'));
    pg.sql('postgres', 'create database ja_existe;');
    const again = await openDump(source, { password: pg.password });
    await assert.rejects(restorePostgresToNewDatabase(source, { password: pg.password }, 'ja_existe', again.stream), (e) => isEngineError(e, 'DB_RESTORE_TARGET_EXISTS'));
    await assert.rejects(restorePostgresToNewDatabase(source, { password: pg.password }, 'x; drop database clinica', (async function* () {})()), (e) => isEngineError(e, 'INVALID_ARGUMENT'));
    assert.equal(pg.sql('clinica', CHECKSUMS), before);
  });

  it('fails a damaged dump with DB_RESTORE_FAILED and drops the half-restored new database', async (t) => {
    if (!pg) return t.skip(skip);
    const dump = await openDump(source, { password: pg.password });
    const parts: Buffer[] = [];
    for await (const b of dump.stream) parts.push(b);
    const whole = Buffer.concat(parts);
    async function* truncated(): AsyncGenerator<Buffer> {
      yield whole.subarray(0, Math.floor(whole.length * 0.6));
    }
    await assert.rejects(restorePostgresToNewDatabase(source, { password: pg.password }, 'clinica_quebrada', truncated()), (e) => {
      assert.ok(isEngineError(e, 'DB_RESTORE_FAILED'));
      assert.equal(e.details['tool'], 'pg_restore');
      return true;
    });
    assert.equal(pg.sql('postgres', "select count(*) from pg_database where datname = 'clinica_quebrada'"), '0');
  });

  it('reports a wrong password or database in a stable code without the password, and tests the dump', async (t) => {
    if (!pg) return t.skip(skip);
    const wrong = 'errada-S3nha-123';
    const bad = await testDump(source, { password: wrong });
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'DUMP_FAILED');
    assert.match(String(bad.error.details?.['stderr']), /password authentication failed/);
    assert.ok(!JSON.stringify(bad.error).includes(wrong));
    const missing = await testDump({ ...source, database: 'nao_existe' }, { password: pg.password }, { locale: 'en' });
    assert.ok(!missing.ok && /does not exist/.test(missing.error.message));
    const ok = await testDump(source, { password: pg.password });
    assert.ok(ok.ok);
    assert.ok(ok.value.bytes > 1_000_000, `${ok.value.bytes} bytes`);
    assert.ok(ok.value.seconds > 0);
  });
});
