import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_EXCLUDES, Excluder, isUnchanged, type FileEntry } from '../../../src/source/files/index.js';
import { isEngineError } from '../../../src/shared/errors.js';

const split = (p: string): string[] => p.split('/');

describe('exclusion patterns', () => {
  it('leaves out temp, lock, owner, thumbnail and system files by default, ignoring case', () => {
    const ex = new Excluder([]);
    const excluded: [string, boolean][] = [
      ['~$laudo.docx', false],
      ['Documentos/.~lock.receita.odt#', false],
      ['agenda.lock', false],
      ['clinica.laccdb', false],
      ['a/b/c.TMP', false],
      ['x.temp', false],
      ['Exames/thumbs.db', false],
      ['ehthumbs.db', false],
      ['Desktop.ini', false],
      ['.DS_Store', false],
      ['.thumbnails', true],
      ['$Recycle.Bin', true],
      ['System Volume Information', true],
      ['.Trash-1000', true],
      ['pagefile.sys', false],
    ];
    for (const [p, dir] of excluded) assert.ok(ex.excludes(split(p), dir), p);
    const kept: [string, boolean][] = [
      ['laudo.docx', false],
      ['lock', false],
      ['tmp', true],
      ['Exames/2024/exame.dcm', false],
      ['clinica.fdb', false],
      ['clinica.db', false],
      ['$RECYCLE.BIN', false], // only the folder
      ['', true],
    ];
    for (const [p, dir] of kept) assert.ok(!ex.excludes(p === '' ? [] : split(p), dir), p);
    assert.ok(DEFAULT_EXCLUDES.length > 10);
    assert.ok(!new Excluder([], { defaults: false }).excludes(['Thumbs.db'], false));
  });

  it('matches names anywhere, paths from the source folder, folders only with a trailing slash, and ** across folders', () => {
    const ex = new Excluder(['*.bak', 'Exames/antigos', 'Exames/**/cache', 'rascunhos/', 'Financeiro\\2019', '[*]nota?.txt'], { defaults: false });
    assert.ok(ex.excludes(split('a/b/copia.bak'), false));
    assert.ok(ex.excludes(split('Exames/antigos'), true));
    assert.ok(!ex.excludes(split('outros/Exames/antigos'), true), 'anchored at the source folder');
    assert.ok(ex.excludes(split('Exames/cache'), true));
    assert.ok(ex.excludes(split('Exames/2024/03/cache'), false));
    assert.ok(!ex.excludes(split('Exames/cache2'), true));
    assert.ok(ex.excludes(split('x/rascunhos'), true));
    assert.ok(!ex.excludes(split('x/rascunhos'), false), 'a file named like an excluded folder stays');
    assert.ok(ex.excludes(split('Financeiro/2019'), true), 'a backslash separates folders too');
    assert.ok(ex.excludes(['*nota1.txt'], false));
    assert.ok(!ex.excludes(['xnota1.txt'], false));
    assert.equal(ex.match(split('a/copia.bak'), false), '*.bak');
  });

  it('ignores case in the user patterns only when asked (Windows, macOS)', () => {
    assert.ok(!new Excluder(['*.BAK'], { defaults: false }).excludes(['a.bak'], false));
    assert.ok(new Excluder(['*.BAK'], { defaults: false, caseInsensitive: true }).excludes(['a.bak'], false));
    assert.ok(new Excluder(['Ç*'], { defaults: false, caseInsensitive: true }).excludes(['çaixa'], false));
  });

  it('refuses patterns it cannot read', () => {
    for (const bad of ['', '  ', '[abc', 'a/../b', '/', '[]']) {
      assert.throws(
        () => new Excluder([bad]),
        (e) => isEngineError(e, 'EXCLUDE_PATTERN_INVALID'),
        JSON.stringify(bad),
      );
    }
  });
});

describe('files cache check', () => {
  const entry: FileEntry = {
    root: 'Exames',
    components: ['a.pdf'],
    name: 'a.pdf',
    absPath: '/x/a.pdf',
    type: 'file',
    size: 100,
    mode: 0o644,
    mtimeNs: 1_733_304_764_123_456_789n,
    ctimeNs: 1_733_304_764_223_456_789n,
    inode: 42n,
    dev: 7n,
  };
  const parent = { type: 'file', size: 100, mtimeNs: '1733304764123456789', ctimeNs: '1733304764223456789', inode: '42' };

  it('reuses a file whose size, mtime, ctime and inode match its parent entry', () => {
    assert.ok(isUnchanged(entry, parent));
    assert.ok(isUnchanged(entry, { ...parent, mtimeNs: entry.mtimeNs, ctimeNs: entry.ctimeNs, inode: entry.inode }));
  });

  it('reads it again when anything differs or is unknown', () => {
    assert.ok(!isUnchanged(entry, undefined));
    assert.ok(!isUnchanged(entry, { ...parent, size: 101 }));
    assert.ok(!isUnchanged(entry, { ...parent, mtimeNs: '1733304764123456790' }));
    assert.ok(!isUnchanged(entry, { ...parent, ctimeNs: '1' }));
    assert.ok(!isUnchanged(entry, { ...parent, inode: '43' }));
    assert.ok(!isUnchanged(entry, { ...parent, inode: undefined }));
    assert.ok(!isUnchanged(entry, { ...parent, mtimeNs: 'garbage' }));
    assert.ok(!isUnchanged(entry, { ...parent, type: 'symlink' }));
    assert.ok(!isUnchanged({ ...entry, type: 'dir' }, parent));
  });

  it('does not trust an mtime within the racy window before the parent snapshot started', () => {
    assert.ok(isUnchanged(entry, parent, { parentStartedNs: entry.mtimeNs + 5_000_000_000n }));
    assert.ok(!isUnchanged(entry, parent, { parentStartedNs: entry.mtimeNs + 1_000_000_000n }));
    assert.ok(isUnchanged(entry, parent, { parentStartedNs: entry.mtimeNs + 1_000_000_000n, racyWindowNs: 1n }));
  });
});
