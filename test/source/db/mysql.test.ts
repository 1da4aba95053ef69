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
import { MARIADB_CLINIC_CHECKSUM, startClinicMariadb, type Mariadb } from './servers.js';

const PASSWORD = 'My"S3nha\\ clínica';

describe('MySQL/MariaDB source (real server)', () => {
  let db: (Mariadb & { stop(): Promise<void> }) | null = null;
  let skip = '';
  let source: MysqlSource;

  before(async () => {
    const started = await startClinicMariadb(PASSWORD, { patients: 5000, visits: 15000, photoBytes: 320, routine: true });
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    db = started.server;
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
    const original = db.sql(MARIADB_CLINIC_CHECKSUM, 'clinica');
    assert.match(original, /^pacientes\t5000\t[0-9a-f]{32}\nconsultas\t15000\t[0-9a-f]{32}\nultimas\t\d+\t[0-9a-f]{32}\nrotinas\t1$/);
    assert.equal(db.sql(MARIADB_CLINIC_CHECKSUM, 'clinica_restaurada'), original);
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
