import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { checkSqliteFile, openDump, restoreSqliteFile, testDump } from '../../../src/source/db/index.js';
import { isEngineError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/tmp.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

function createClinicDb(file: string, journal: 'wal' | 'delete', rows = 10_000): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${journal}`);
  db.exec('create table visits (id integer primary key, patient integer, note blob); create table counter (n integer); insert into counter values (0);');
  const fill = db.transaction(() => {
    const ins = db.prepare('insert into visits (patient, note) values (?, randomblob(2000))');
    for (let i = 0; i < rows; i++) ins.run(i % 500);
    db.prepare('update counter set n = ?').run(rows);
  });
  fill();
  db.close();
}

async function* pieces(data: Buffer, size = 100_000): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of it) parts.push(b);
  return Buffer.concat(parts);
}

function counts(file: string): { visits: number; counter: number } {
  const db = new Database(file, { readonly: true, timeout: 30_000 });
  try {
    const visits = (db.prepare('select count(*) as c from visits').get() as { c: number }).c;
    const counter = (db.prepare('select n from counter').get() as { n: number }).n;
    return { visits, counter };
  } finally {
    db.close();
  }
}

describe('SQLite source', () => {
  for (const journal of ['wal', 'delete'] as const) {
    it(`copies a consistent database while another process writes to it (journal_mode=${journal})`, async () => {
      const dir = await tempDir('cb-sqlite-');
      const file = path.join(dir, 'clinica.db');
      createClinicDb(file, journal);
      const stopFile = path.join(dir, 'stop');
      const writer = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'sqliteWriter.ts'), file, stopFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const ready = new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) resolve();
        });
        writer.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
      try {
        await ready;
        let overlapped = 0;
        let previous = 0;
        for (let i = 0; i < 3; i++) {
          const before = counts(file).counter;
          const dump = await openDump({ kind: 'sqlite', path: file, tempDir: dir }, {});
          assert.equal(dump.meta.fileName, 'clinica.db');
          assert.match(dump.meta.toolVersion, /^SQLite 3\./);
          const copy = path.join(dir, `copy${i}.db`);
          writeFileSync(copy, await collect(dump.stream));
          const after = counts(file).counter;
          if (after > before) overlapped++;
          checkSqliteFile(copy);
          const c = counts(copy);
          assert.equal(c.visits, c.counter, 'the copy is one consistent moment');
          assert.ok(c.counter >= before && c.counter <= after, `${before} ≤ ${c.counter} ≤ ${after}`);
          assert.ok(c.counter >= previous);
          previous = c.counter;
        }
        assert.ok(overlapped > 0, 'the writer wrote during the copies');
      } finally {
        writeFileSync(stopFile, '');
        assert.equal(await exited, 0);
      }
      assert.match(out, /wrote \d+/);
    });
  }

  it('keeps its temporary copy owner-only and always removes it (end, cancel)', async () => {
    const dir = await tempDir('cb-sqlite-');
    const file = path.join(dir, 'clinica.db');
    createClinicDb(file, 'wal', 3000);
    const temp = path.join(dir, 'temp');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(temp);
    const dump = await openDump({ kind: 'sqlite', path: file, tempDir: temp }, {});
    let checked = false;
    for await (const _ of dump.stream) {
      if (checked) continue;
      const [sub] = readdirSync(temp);
      assert.ok(sub);
      assert.equal(statSync(path.join(temp, sub)).mode & 0o777, 0o700);
      const [copy] = readdirSync(path.join(temp, sub));
      assert.equal(statSync(path.join(temp, sub, copy!)).mode & 0o777, 0o600);
      checked = true;
    }
    assert.ok(checked);
    assert.deepEqual(readdirSync(temp), []);

    const ac = new AbortController();
    const cancelled = await openDump({ kind: 'sqlite', path: file, tempDir: temp }, {}, { signal: ac.signal });
    await assert.rejects(
      (async () => {
        for await (const _ of cancelled.stream) ac.abort();
      })(),
      (e) => isEngineError(e, 'CANCELLED'),
    );
    assert.deepEqual(readdirSync(temp), []);
  });

  it('restores the dump as a new, checked database file, never over an existing file', async () => {
    const dir = await tempDir('cb-sqlite-');
    const file = path.join(dir, 'clinica.db');
    createClinicDb(file, 'wal', 2000);
    const dump = await collect((await openDump({ kind: 'sqlite', path: file }, {})).stream);
    const target = path.join(dir, 'restaurado.db');
    assert.equal(await restoreSqliteFile(pieces(dump), target), dump.length);
    assert.deepEqual(counts(target), { visits: 2000, counter: 2000 });
    assert.equal(statSync(target).mode & 0o777, 0o600);
    await assert.rejects(restoreSqliteFile(pieces(dump), target), (e) => isEngineError(e, 'RESTORE_FILE_EXISTS'));
    assert.deepEqual(counts(target), { visits: 2000, counter: 2000 });

    // A damaged copy (a run of bytes overwritten inside the b-tree pages) is refused and leaves nothing behind.
    const damaged = Buffer.from(dump);
    randomBytes(8192).copy(damaged, 8192);
    const bad = path.join(dir, 'danificado.db');
    await assert.rejects(restoreSqliteFile(pieces(damaged), bad), (e) => isEngineError(e, 'DB_RESTORE_FAILED'));
    assert.equal(existsSync(bad), false);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('partial')),
      [],
    );
  });

  it('reports a missing file and a file that is not a database', async () => {
    const dir = await tempDir('cb-sqlite-');
    await assert.rejects(openDump({ kind: 'sqlite', path: path.join(dir, 'nao.db') }, {}), (e) => isEngineError(e, 'DB_FILE_NOT_FOUND'));
    writeFileSync(path.join(dir, 'texto.db'), 'this is not a database, just text that is long enough to look like a header......');
    const r = await testDump({ kind: 'sqlite', path: path.join(dir, 'texto.db'), tempDir: dir }, {});
    assert.ok(!r.ok && r.error.code === 'DUMP_FAILED' && /not a database/.test(String(r.error.details?.['stderr'])));
    assert.deepEqual(readdirSync(dir), ['texto.db'], 'no temporary copy left');
  });
});
