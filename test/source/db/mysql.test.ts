// A real MariaDB from Debian: mysqldump --single-transaction streamed through the dump source (password in a 0600
// option file), restored as its .sql file and loaded into a new database; checksums equal.
// Skips (printing why) where the server cannot run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chunkerConfig, chunkStream } from '../../../src/source/files/index.js';
import { openDump, restoreDumpFile, testDump, type MysqlSource } from '../../../src/source/db/index.js';
import { isEngineError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/tmp.js';
import { startMariadb, type Mariadb } from './servers.js';

const PASSWORD = 'My"S3nha\\ clínica';

const SETUP = `
create database clinica character set utf8mb4;
create user 'backup'@'127.0.0.1' identified by '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';
grant select, show view, trigger, event, lock tables on clinica.* to 'backup'@'127.0.0.1';
-- Dumping routines needs to read their definitions (MariaDB: mysql.proc; MySQL 8: the SHOW_ROUTINE privilege).
grant select on mysql.proc to 'backup'@'127.0.0.1';
use clinica;
create table pacientes (id int primary key auto_increment, nome varchar(200) not null, nascimento date, foto blob) engine=innodb;
create table consultas (id int primary key auto_increment, paciente int not null, quando datetime not null, nota text,
  foreign key (paciente) references pacientes(id)) engine=innodb;
insert into pacientes (nome, nascimento, foto)
  select concat('Paciente ', seq, ' Conceição Ávila'), date_add('1940-01-01', interval seq day), unhex(repeat(md5(seq), 20)) from seq_1_to_5000;
insert into consultas (paciente, quando, nota)
  select 1 + (seq * 7919) % 5000, date_add('2024-01-01 08:00', interval seq * 17 minute), repeat('evolução estável; ', 1 + seq % 8) from seq_1_to_15000;
create procedure conta_consultas(in p int) select count(*) from consultas where paciente = p;
`;

const CHECKSUM = `
set session group_concat_max_len = 1073741824;
select 'pacientes', count(*), md5(group_concat(concat_ws('|', id, nome, nascimento, hex(foto)) order by id)) from pacientes;
select 'consultas', count(*), md5(group_concat(concat_ws('|', id, paciente, quando, nota) order by id)) from consultas;
select 'rotinas', count(*) from information_schema.routines where routine_schema = database();
`;

describe('MySQL/MariaDB source (real server)', () => {
  let db: (Mariadb & { stop(): Promise<void> }) | null = null;
  let skip = '';
  let source: MysqlSource;

  before(async () => {
    const started = await startMariadb();
    if (!started.ok) {
      skip = started.reason;
      console.log(`# MariaDB tests skipped: ${skip}`);
      return;
    }
    db = started.server;
    db.sql(SETUP);
    source = { kind: 'mysql', host: '127.0.0.1', port: db.port, user: 'backup', database: 'clinica', passwordSecret: 'mysql-clinica' };
  });
  after(() => db?.stop());

  it('streams mysqldump through the chunker; the restored .sql loads into a new database with equal checksums', async (t) => {
    if (!db) return t.skip(skip);
    const dump = await openDump(source, { password: PASSWORD });
    assert.equal(dump.meta.fileName, 'clinica.sql');
    assert.match(dump.meta.toolVersion, /Ver \d+/);
    const cfg = chunkerConfig(Buffer.alloc(32, 3), { minBytes: 16 * 1024, avgBytes: 64 * 1024, maxBytes: 256 * 1024 });
    const chunks: Buffer[] = [];
    for await (const c of chunkStream(dump.stream, cfg)) chunks.push(c);
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
    const text = Buffer.concat(chunks).toString('utf8');
    assert.match(text, /CREATE TABLE `pacientes`/);
    assert.match(text, /Conceição Ávila/);
    assert.match(text, /conta_consultas/, 'routines are in the dump');
    assert.ok(!text.includes('S3nha'));

    const dir = await tempDir('cb-mysql-');
    const file = path.join(dir, dump.meta.fileName);
    async function* replay(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    assert.equal(await restoreDumpFile(replay(), file), Buffer.concat(chunks).length);
    await assert.rejects(restoreDumpFile(replay(), file), (e) => isEngineError(e, 'RESTORE_FILE_EXISTS'));
    db.sql('create database clinica_restaurada character set utf8mb4;');
    db.load(file, 'clinica_restaurada');
    const original = db.sql(CHECKSUM, 'clinica');
    assert.match(original, /^pacientes\t5000\t[0-9a-f]{32}\nconsultas\t15000\t[0-9a-f]{32}\nrotinas\t1$/);
    assert.equal(db.sql(CHECKSUM, 'clinica_restaurada'), original);
  });

  it('reports a wrong password in a stable code without the password', async (t) => {
    if (!db) return t.skip(skip);
    const wrong = 'errada-S3nha-456';
    const r = await testDump(source, { password: wrong });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'DUMP_FAILED');
    assert.match(String(r.error.details?.['stderr']), /Access denied/);
    assert.ok(!JSON.stringify(r.error).includes(wrong));
    const ok = await testDump(source, { password: PASSWORD });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.ok(ok.value.bytes > 100_000);
  });
});
