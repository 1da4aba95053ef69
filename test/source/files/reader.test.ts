import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, lstatSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chunkerConfig, chunkStream, nodeFs, readFileStable, walkFolders, type FileEntry, type FsOps } from '../../../src/source/files/index.js';
import { errorText } from '../../../src/i18n/index.js';
import { EngineError, isEngineError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/tmp.js';

function target(dir: string, name: string): Pick<FileEntry, 'root' | 'components' | 'absPath'> {
  return { root: 'src', components: [name], absPath: path.join(dir, name) };
}

async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p);
  return Buffer.concat(parts);
}

describe('reading source files', () => {
  it('streams a binary file in pieces and returns the metadata of what was read', async () => {
    const dir = await tempDir('cb-read-');
    const content = randomBytes(2_500_000);
    writeFileSync(path.join(dir, 'exame.dcm'), content);
    const r = await readFileStable(target(dir, 'exame.dcm'), drain, { readBytes: 1 << 20 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, content);
    assert.equal(r.bytes, content.length);
    assert.equal(r.attempts, 1);
    assert.equal(r.changedDuringBackup, false);
    assert.equal(r.problem, undefined);
    const st = lstatSync(path.join(dir, 'exame.dcm'), { bigint: true });
    assert.equal(r.entry.size, content.length);
    assert.equal(r.entry.mtimeNs, st.mtimeNs);
    assert.equal(r.entry.inode, st.ino);
  });

  it('feeds the chunker: walk, read and chunk give back the file', async () => {
    const dir = await tempDir('cb-read-');
    const content = randomBytes(3_000_000);
    writeFileSync(path.join(dir, 'grande.bin'), content);
    const cfg = chunkerConfig(Buffer.alloc(32, 1), { minBytes: 64 * 1024, avgBytes: 256 * 1024, maxBytes: 1024 * 1024 });
    for await (const e of walkFolders([{ path: dir }])) {
      if (e.type !== 'entry') continue;
      const r = await readFileStable(e.entry, async (stream) => {
        const chunks: Buffer[] = [];
        for await (const c of chunkStream(stream, cfg)) chunks.push(c);
        return chunks;
      });
      assert.ok(r.ok);
      assert.ok(r.value.length > 3);
      assert.deepEqual(Buffer.concat(r.value), content);
    }
  });

  it('reads again when the file changed during the read, and keeps the stable second read', async () => {
    const dir = await tempDir('cb-read-');
    const file = path.join(dir, 'laudo.docx');
    writeFileSync(file, randomBytes(3_000_000));
    const seen: number[] = [];
    const r = await readFileStable(
      target(dir, 'laudo.docx'),
      async (stream, attempt) => {
        seen.push(attempt);
        let first = true;
        const parts: Buffer[] = [];
        for await (const p of stream) {
          // The user saves the document while the first read is under way.
          if (first && attempt === 1) appendFileSync(file, 'saved again');
          first = false;
          parts.push(p);
        }
        return Buffer.concat(parts);
      },
      { readBytes: 1 << 20 },
    );
    assert.ok(r.ok);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(r.attempts, 2);
    assert.equal(r.changedDuringBackup, false);
    assert.equal(r.problem, undefined);
    assert.equal(r.value.length, 3_000_000 + 'saved again'.length);
  });

  it('after the retry, keeps the file marked as changed and reports FILE_CHANGED_DURING_BACKUP with the dump hint', async () => {
    const dir = await tempDir('cb-read-');
    const file = path.join(dir, 'clinica.fdb');
    writeFileSync(file, randomBytes(2_000_000));
    let calls = 0;
    const r = await readFileStable(
      target(dir, 'clinica.fdb'),
      async (stream) => {
        calls++;
        let n = 0;
        for await (const p of stream) {
          // An open database: written to on every read (in place, same size: only mtime/ctime tell).
          if (n === 0) writeFileSync(file, randomBytes(16), { flag: 'r+' });
          n += p.length;
        }
        return n;
      },
      { readBytes: 256 * 1024 },
    );
    assert.ok(r.ok);
    assert.equal(calls, 2);
    assert.equal(r.changedDuringBackup, true);
    assert.equal(r.entry.size, r.bytes, 'the size recorded is what was read');
    assert.equal(r.problem?.code, 'FILE_CHANGED_DURING_BACKUP');
    assert.equal(r.problem?.details['attempts'], 2);
    const pt = errorText({ code: r.problem.code, details: r.problem.details });
    const en = errorText({ code: r.problem.code, details: r.problem.details }, 'en');
    assert.match(pt, /clinica\.fdb/);
    assert.match(pt, /banco de dados/);
    assert.match(en, /dump/);
  });

  it('reports a file deleted between listing and reading as FILE_VANISHED', async () => {
    const dir = await tempDir('cb-read-');
    writeFileSync(path.join(dir, 'a.pdf'), 'a');
    writeFileSync(path.join(dir, 'b.pdf'), 'b');
    const results: Record<string, string> = {};
    for await (const e of walkFolders([{ path: dir }])) {
      if (e.type !== 'entry') continue;
      if (e.entry.name === 'a.pdf') unlinkSync(path.join(dir, 'b.pdf'));
      const r = await readFileStable(e.entry, drain);
      results[e.entry.name] = r.ok ? r.value.toString() : r.problem.code;
    }
    assert.deepEqual(results, { 'a.pdf': 'a', 'b.pdf': 'FILE_VANISHED' });
  });

  it('reports permission denied (fault hook on open: tests run as root) without stopping', async () => {
    const dir = await tempDir('cb-read-');
    writeFileSync(path.join(dir, 'trancado.pdf'), 'x');
    const denied: FsOps = {
      ...nodeFs,
      open: async (p, flags) => {
        if (p.endsWith('trancado.pdf')) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
        return nodeFs.open(p, flags);
      },
    };
    const r = await readFileStable(target(dir, 'trancado.pdf'), drain, { fs: denied });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.problem.code === 'FILE_PERMISSION_DENIED' && r.problem.details['errno'] === 'EACCES');
  });

  it('reports a read error in the middle of a file as FILE_UNREADABLE, distinct from the consumer failing', async () => {
    const dir = await tempDir('cb-read-');
    writeFileSync(path.join(dir, 'ruim.bin'), randomBytes(3_000_000));
    // A disk that fails on the second read: the real handle, with read() failing like EIO.
    const flaky: FsOps = {
      ...nodeFs,
      open: async (p, flags) => {
        const handle = await nodeFs.open(p, flags);
        let reads = 0;
        return new Proxy(handle, {
          get(h, prop) {
            if (prop === 'read')
              return async (...args: Parameters<FileHandle['read']>) => {
                if (++reads === 2) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
                return (h.read as (...a: unknown[]) => unknown).apply(h, args);
              };
            const v = Reflect.get(h, prop) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(h) : v;
          },
        });
      },
    };
    const r = await readFileStable(target(dir, 'ruim.bin'), drain, { fs: flaky, readBytes: 1 << 20 });
    assert.ok(!r.ok && r.problem.code === 'FILE_UNREADABLE' && r.problem.details['errno'] === 'EIO');
    // The consumer's own error (the destination is full) is not a source problem: it propagates.
    await assert.rejects(
      readFileStable(target(dir, 'ruim.bin'), async () => {
        throw new EngineError('DEST_FULL', { location: 'x' });
      }),
      (e) => isEngineError(e, 'DEST_FULL'),
    );
  });

  it('never follows a link or blocks on a FIFO swapped in after listing', async () => {
    const dir = await tempDir('cb-read-');
    writeFileSync(path.join(dir, 'segredo'), 'outside');
    writeFileSync(path.join(dir, 'doc.txt'), 'doc');
    writeFileSync(path.join(dir, 'fila.txt'), 'fifo soon');
    const listed: FileEntry[] = [];
    for await (const e of walkFolders([{ path: dir }])) if (e.type === 'entry') listed.push(e.entry);
    unlinkSync(path.join(dir, 'doc.txt'));
    symlinkSync(path.join(dir, 'segredo'), path.join(dir, 'doc.txt'));
    renameSync(path.join(dir, 'fila.txt'), path.join(dir, 'antigo'));
    execFileSync('mkfifo', [path.join(dir, 'fila.txt')]);
    const doc = await readFileStable(
      listed.find((e) => e.name === 'doc.txt')!,
      drain,
    );
    assert.ok(!doc.ok, 'a link swapped in is not followed');
    const fifo = await readFileStable(
      listed.find((e) => e.name === 'fila.txt')!,
      drain,
    );
    assert.ok(!fifo.ok && fifo.problem.code === 'FILE_SPECIAL_SKIPPED');
  });

  it('stops with CANCELLED when the signal fires mid-file', async () => {
    const dir = await tempDir('cb-read-');
    writeFileSync(path.join(dir, 'big.bin'), randomBytes(4_000_000));
    const ac = new AbortController();
    await assert.rejects(
      readFileStable(
        target(dir, 'big.bin'),
        async (stream) => {
          for await (const _ of stream) ac.abort();
        },
        { signal: ac.signal, readBytes: 1 << 20 },
      ),
      (e) => isEngineError(e, 'CANCELLED'),
    );
  });
});
