import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { compareNames, nodeFs, walkFolders, type FileEntry, type FsOps, type SourceProblem, type WalkEvent } from '../../../src/source/files/index.js';
import { errorText } from '../../../src/i18n/index.js';
import { isEngineError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/tmp.js';
import { DEEP_LEVELS, NFC_NAME, NFD_NAME, writeSampleTree } from './tree.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

async function collect(it: AsyncIterable<WalkEvent>): Promise<WalkEvent[]> {
  const out: WalkEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const rel = (e: FileEntry): string => e.components.join('/');
const entries = (events: WalkEvent[]): FileEntry[] => events.flatMap((e) => (e.type === 'entry' || e.type === 'dir-start' ? [e.entry] : []));
const problems = (events: WalkEvent[]): SourceProblem[] => events.flatMap((e) => (e.type === 'problem' ? [e.problem] : []));

/** Checks the event stream is well nested and each folder's children come in name byte order. */
function assertWellFormed(events: WalkEvent[]): void {
  const stack: { entry: FileEntry; last: string | null }[] = [];
  for (const e of events) {
    if (e.type === 'problem') continue;
    if (e.type === 'dir-end') {
      assert.equal(stack.pop()?.entry.absPath, e.entry.absPath);
      continue;
    }
    const parent = stack[stack.length - 1];
    if (parent) {
      assert.deepEqual(e.entry.components.slice(0, -1), parent.entry.components, `${rel(e.entry)} inside ${rel(parent.entry)}`);
      if (parent.last !== null) assert.ok(compareNames(parent.last, e.entry.name) < 0, `${parent.last} before ${e.entry.name}`);
      parent.last = e.entry.name;
    } else assert.deepEqual(e.entry.components, []);
    if (e.type === 'dir-start') stack.push({ entry: e.entry, last: null });
  }
  assert.equal(stack.length, 0);
}

describe('folder walker', () => {
  it('yields a real tree in byte order with its metadata: binary files, deep paths, unicode names, links, empty folders', async () => {
    const dir = await tempDir('cb-walk-');
    const tree = writeSampleTree(dir);
    const events = await collect(walkFolders([{ path: dir, exclude: ['*.bak'] }]));
    assertWellFormed(events);
    const all = entries(events);
    const byRel = new Map(all.map((e) => [rel(e), e]));
    const rootName = path.basename(dir);
    assert.ok(all.every((e) => e.root === rootName));

    // Every file written is there, with size, mode, times and identity from lstat.
    for (const [relPath, content] of tree.files) {
      const e = byRel.get(relPath);
      assert.ok(e, `missing ${relPath}`);
      const st = lstatSync(path.join(dir, ...relPath.split('/')), { bigint: true });
      assert.equal(e.type, 'file');
      assert.equal(e.size, content.length);
      assert.equal(e.mode, Number(st.mode & 0o7777n));
      assert.equal(e.mtimeNs, st.mtimeNs);
      assert.equal(e.ctimeNs, st.ctimeNs);
      assert.equal(e.inode, st.ino);
      assert.equal(e.dev, st.dev);
    }
    // NFC and NFD spellings are two files, each kept exactly as the file system has it.
    assert.notEqual(NFC_NAME, NFD_NAME);
    assert.ok(byRel.has(`Documentos/${NFC_NAME}`) && byRel.has(`Documentos/${NFD_NAME}`));
    // The deep path is complete.
    const deepest = all.find((e) => e.name === 'fundo.bin');
    assert.equal(deepest?.components.length, DEEP_LEVELS + 1);
    // Links are recorded, not followed (the link into Exames does not repeat its files).
    assert.equal(byRel.get('atalho')?.type, 'symlink');
    assert.equal(byRel.get('atalho')?.linkTarget, readlinkSync(path.join(dir, 'atalho')));
    assert.equal(byRel.get('quebrado')?.linkTarget, 'nao-existe');
    assert.equal(all.filter((e) => e.name === 'ultrassom.dcm').length, 1);
    // Empty folders are entries with a start and an end.
    for (const empty of ['Vazia', 'Exames/sem exames']) {
      const i = events.findIndex((e) => e.type === 'dir-start' && rel(e.entry) === empty);
      assert.ok(i >= 0, empty);
      const next = events[i + 1];
      assert.equal(next?.type, 'dir-end');
    }
    // Exclusions: defaults (owner, lock, thumbnail, temp files, recycle bin) and the user's own pattern.
    for (const gone of ['Documentos/~$laudo.docx', 'Documentos/.~lock.laudo.odt#', 'Exames/Thumbs.db', 'rascunho.tmp', 'copia.bak', '$RECYCLE.BIN', '$RECYCLE.BIN/S-1-5/apagado.pdf']) {
      assert.ok(!byRel.has(gone), `${gone} should be excluded`);
    }
    // The FIFO is reported, not opened.
    const special = problems(events).filter((p) => p.code === 'FILE_SPECIAL_SKIPPED');
    assert.deepEqual(
      special.map((p) => [p.components.join('/'), p.details['kind'], p.scope]),
      [['fila', 'fifo', 'entry']],
    );
    assert.deepEqual(
      problems(events).map((p) => p.code),
      ['FILE_SPECIAL_SKIPPED'],
    );
  });

  it('reports a file that vanished between listing and lstat, and goes on', async () => {
    const dir = await tempDir('cb-walk-');
    writeFileSync(path.join(dir, 'a.txt'), 'a');
    writeFileSync(path.join(dir, 'b.txt'), 'b');
    writeFileSync(path.join(dir, 'c.txt'), 'c');
    // Deletes b.txt right after its folder was listed: the real race, made deterministic.
    const racy: FsOps = {
      ...nodeFs,
      readdir: async (p) => {
        const names = await nodeFs.readdir(p);
        if (p === dir) unlinkSync(path.join(dir, 'b.txt'));
        return names;
      },
    };
    const events = await collect(walkFolders([{ path: dir }], { fs: racy }));
    assert.deepEqual(entries(events).map(rel), ['', 'a.txt', 'c.txt']);
    const [p] = problems(events);
    assert.equal(p?.code, 'FILE_VANISHED');
    assert.equal(p?.path, path.join(dir, 'b.txt'));
    assert.equal(p?.details['errno'], 'ENOENT');
  });

  it('records a folder it may not read as empty with FILE_PERMISSION_DENIED (fault hook, as root reads everything)', async () => {
    const dir = await tempDir('cb-walk-');
    mkdirSync(path.join(dir, 'Privado'));
    writeFileSync(path.join(dir, 'Privado', 'segredo.txt'), 'x');
    writeFileSync(path.join(dir, 'publico.txt'), 'y');
    const denied: FsOps = {
      ...nodeFs,
      readdir: async (p) => {
        if (p === path.join(dir, 'Privado')) throw Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES' });
        return nodeFs.readdir(p);
      },
    };
    const events = await collect(walkFolders([{ path: dir }], { fs: denied }));
    assertWellFormed(events);
    assert.deepEqual(entries(events).map(rel), ['', 'Privado', 'publico.txt']);
    assert.deepEqual(
      problems(events).map((p) => [p.code, p.components.join('/'), p.scope]),
      [['FILE_PERMISSION_DENIED', 'Privado', 'entry']],
    );
  });

  it('reports a real permission-denied folder and file when run as an unprivileged user', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to start the walker as the user "nobody"');
    const dir = await tempDir('cb-walk-nobody-');
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'tmp'));
    chownSync(path.join(dir, 'tmp'), 65534, 65534);
    const src = path.join(dir, 'src');
    mkdirSync(path.join(src, 'Privado'), { recursive: true });
    writeFileSync(path.join(src, 'Privado', 'segredo.txt'), 'x');
    writeFileSync(path.join(src, 'publico.txt'), 'y');
    writeFileSync(path.join(src, 'trancado.txt'), 'z');
    chmodSync(path.join(src, 'Privado'), 0o700);
    chmodSync(path.join(src, 'trancado.txt'), 0o600);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'walkAndRead.ts'), src], {
      cwd: ROOT,
      uid: 65534,
      gid: 65534,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TMPDIR: path.join(dir, 'tmp') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    const result = JSON.parse(out) as { entries: string[]; problems: [string, string][]; read: Record<string, string> };
    assert.deepEqual(result.entries, ['', 'Privado', 'publico.txt', 'trancado.txt']);
    assert.deepEqual(result.problems, [['FILE_PERMISSION_DENIED', 'Privado']]);
    assert.deepEqual(result.read, { 'publico.txt': 'ok', 'trancado.txt': 'FILE_PERMISSION_DENIED' });
  });

  it('skips and reports a name that is not valid UTF-8', async () => {
    const dir = await tempDir('cb-walk-');
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x66, 0xff, 0x6f])]), 'latin-1 name');
    writeFileSync(path.join(dir, 'ok.txt'), 'ok');
    const events = await collect(walkFolders([{ path: dir }]));
    assert.deepEqual(entries(events).map(rel), ['', 'ok.txt']);
    assert.deepEqual(
      problems(events).map((p) => p.code),
      ['FILE_NAME_UNREADABLE'],
    );
  });

  it('reports missing, non-folder and empty source folders with scope "root", and walks the others', async () => {
    const dir = await tempDir('cb-walk-');
    mkdirSync(path.join(dir, 'vazia'));
    mkdirSync(path.join(dir, 'ok'));
    writeFileSync(path.join(dir, 'ok', 'f.txt'), 'f');
    writeFileSync(path.join(dir, 'arquivo.txt'), 'not a folder');
    const events = await collect(walkFolders([{ path: path.join(dir, 'sumiu') }, { path: path.join(dir, 'arquivo.txt') }, { path: path.join(dir, 'vazia') }, { path: path.join(dir, 'ok') }]));
    assert.deepEqual(
      problems(events).map((p) => [p.code, p.scope, p.root]),
      [
        ['FOLDER_SOURCE_MISSING', 'root', 'sumiu'],
        ['FOLDER_SOURCE_NOT_FOLDER', 'root', 'arquivo.txt'],
        ['FOLDER_SOURCE_EMPTY', 'root', 'vazia'],
      ],
    );
    assert.deepEqual(
      entries(events).map((e) => `${e.root}:${rel(e)}`),
      ['vazia:', 'ok:', 'ok:f.txt'],
    );
    const missing = problems(events)[0]!;
    assert.match(errorText({ code: missing.code, details: missing.details }), /não existe/);
    assert.match(errorText({ code: missing.code, details: missing.details }, 'en'), /does not exist/);
  });

  it('names two source folders with the same last component apart, as the format says', async () => {
    const dir = await tempDir('cb-walk-');
    for (const p of ['a/Exames', 'b/Exames']) {
      mkdirSync(path.join(dir, p), { recursive: true });
      writeFileSync(path.join(dir, p, 'x'), p);
    }
    const events = await collect(walkFolders([{ path: path.join(dir, 'a/Exames') }, { path: path.join(dir, 'b/Exames') }]));
    assert.deepEqual(
      entries(events).map((e) => `${e.root}:${rel(e)}`),
      ['Exames:', 'Exames:x', 'Exames (2):', 'Exames (2):x'],
    );
  });

  it('fails before any work on a bad exclusion pattern, and stops on cancel', async () => {
    const dir = await tempDir('cb-walk-');
    for (let i = 0; i < 50; i++) writeFileSync(path.join(dir, `f${i}`), 'x');
    await assert.rejects(collect(walkFolders([{ path: dir, exclude: ['[abc'] }])), (e) => isEngineError(e, 'EXCLUDE_PATTERN_INVALID'));
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of walkFolders([{ path: dir }], { signal: ac.signal })) if (++n === 5) ac.abort();
      })(),
      (e) => isEngineError(e, 'CANCELLED'),
    );
    assert.equal(n, 5);
    rmSync(dir, { recursive: true, force: true });
  });
});
