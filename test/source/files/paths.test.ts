import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  collisionKey,
  compareNames,
  foldCase,
  formatPath,
  isWindowsDeviceName,
  nameChangeText,
  parseAbsolutePath,
  planFolderNames,
  sourceFolderNames,
  windowsLongPath,
  windowsNameIssues,
  windowsSafeName,
} from '../../../src/source/files/index.js';
import { isEngineError } from '../../../src/shared/errors.js';

describe('Windows and POSIX paths of source folders', () => {
  it('splits drive-letter paths into components, whatever the slashes and case', () => {
    assert.deepEqual(parseAbsolutePath('C:\\Clinica\\Exames', 'win32'), { kind: 'drive', drive: 'C', components: ['Clinica', 'Exames'] });
    assert.deepEqual(parseAbsolutePath('c:/Clinica//Exames/', 'win32'), { kind: 'drive', drive: 'C', components: ['Clinica', 'Exames'] });
    assert.deepEqual(parseAbsolutePath('D:\\', 'win32'), { kind: 'drive', drive: 'D', components: [] });
    assert.deepEqual(parseAbsolutePath('C:\\Clinica\\.\\Velho\\..\\Exames', 'win32'), { kind: 'drive', drive: 'C', components: ['Clinica', 'Exames'] });
    assert.deepEqual(parseAbsolutePath('C:\\..\\..\\x', 'win32'), { kind: 'drive', drive: 'C', components: ['x'] });
  });

  it('splits UNC shares and long-path prefixes', () => {
    assert.deepEqual(parseAbsolutePath('\\\\nas\\exames\\2024', 'win32'), { kind: 'unc', server: 'nas', share: 'exames', components: ['2024'] });
    assert.deepEqual(parseAbsolutePath('//nas/exames', 'win32'), { kind: 'unc', server: 'nas', share: 'exames', components: [] });
    assert.deepEqual(parseAbsolutePath('\\\\?\\C:\\Clinica', 'win32'), { kind: 'drive', drive: 'C', components: ['Clinica'] });
    assert.deepEqual(parseAbsolutePath('\\\\?\\UNC\\nas\\exames\\a', 'win32'), { kind: 'unc', server: 'nas', share: 'exames', components: ['a'] });
    assert.deepEqual(parseAbsolutePath('\\\\.\\C:\\x', 'win32'), { kind: 'drive', drive: 'C', components: ['x'] });
  });

  it('refuses relative, drive-relative and incomplete paths', () => {
    for (const [p, style] of [
      ['Exames', 'win32'],
      ['C:Exames', 'win32'],
      ['\\Exames', 'win32'],
      ['\\\\nas', 'win32'],
      ['', 'win32'],
      ['Exames/2024', 'posix'],
      ['/a\0b', 'posix'],
    ] as const) {
      assert.throws(
        () => parseAbsolutePath(p, style),
        (e) => isEngineError(e, 'INVALID_ARGUMENT'),
        p,
      );
    }
  });

  it('drops trailing dots and spaces of components as Win32 does, but keeps them literally under \\\\?\\', () => {
    assert.deepEqual(parseAbsolutePath('C:\\Exames.\\2024 \\laudos...', 'win32'), { kind: 'drive', drive: 'C', components: ['Exames', '2024', 'laudos'] });
    assert.deepEqual(parseAbsolutePath('\\\\nas\\exames\\Fotos. ', 'win32'), { kind: 'unc', server: 'nas', share: 'exames', components: ['Fotos'] });
    assert.deepEqual(parseAbsolutePath('\\\\?\\C:\\Exames.', 'win32'), { kind: 'drive', drive: 'C', components: ['Exames.'] });
    assert.equal(windowsLongPath('C:\\Exames.\\a', true), '\\\\?\\C:\\Exames\\a', 'normalised before the prefix makes names literal');
    assert.equal(sourceFolderNames(['C:\\Exames.', 'D:\\exames'], 'win32').join('|'), 'Exames|exames (2)', 'one folder for Windows, so one name');
  });

  it('refuses a Windows device name (CON, NUL, COM1, LPT¹…) as a folder, except literally under \\\\?\\', () => {
    for (const p of ['C:\\Clinica\\CON', 'C:\\nul\\x', 'C:\\Clinica\\com1.txt', '\\\\nas\\share\\Aux ', 'C:\\Clinica\\LPT¹', 'C:\\Clinica\\conout$']) {
      assert.throws(
        () => parseAbsolutePath(p, 'win32'),
        (e) => isEngineError(e, 'INVALID_ARGUMENT') && /device name/.test(String(e.details['reason'])),
        p,
      );
    }
    assert.deepEqual(parseAbsolutePath('\\\\?\\C:\\Clinica\\CON', 'win32'), { kind: 'drive', drive: 'C', components: ['Clinica', 'CON'] });
    assert.deepEqual(parseAbsolutePath('C:\\CONTRATOS\\console\\COM10', 'win32').components, ['CONTRATOS', 'console', 'COM10'], 'only the exact device names');
    assert.deepEqual(parseAbsolutePath('/srv/CON/nul', 'posix').components, ['srv', 'CON', 'nul'], 'plain names on POSIX');
    assert.equal(isWindowsDeviceName('Nul .tar.gz'), true);
    assert.equal(isWindowsDeviceName('NULO'), false);
  });

  it('formats paths back, and adds \\\\?\\ only when a path reaches MAX_PATH', () => {
    assert.equal(formatPath(parseAbsolutePath('c:/Clinica/Exames', 'win32')), 'C:\\Clinica\\Exames');
    assert.equal(formatPath(parseAbsolutePath('\\\\nas\\exames', 'win32'), ['a', 'b.pdf']), '\\\\nas\\exames\\a\\b.pdf');
    assert.equal(formatPath(parseAbsolutePath('/srv//clinica/', 'posix'), ['x']), '/srv/clinica/x');
    assert.equal(windowsLongPath('C:\\Clinica'), 'C:\\Clinica');
    assert.equal(windowsLongPath('C:/Clinica', true), '\\\\?\\C:\\Clinica');
    const deep = `C:\\${Array.from({ length: 30 }, (_, i) => `pasta ${i}`).join('\\')}\\laudo.pdf`;
    assert.ok(deep.length >= 260);
    assert.equal(windowsLongPath(deep), `\\\\?\\${deep}`);
    const unc = `\\\\nas\\exames\\${'x'.repeat(300)}`;
    assert.equal(windowsLongPath(unc), `\\\\?\\UNC\\nas\\exames\\${'x'.repeat(300)}`);
    assert.equal(windowsLongPath(`\\\\?\\${deep}`), `\\\\?\\${deep}`, 'already prefixed: unchanged');
    assert.equal(windowsLongPath('C:\\a\\..\\b\\.\\c', true), '\\\\?\\C:\\b\\c', 'normalised before the prefix turns .. handling off');
  });

  it('names source folders by their last component; a drive root by its letter; repeats get (2), (3)', () => {
    assert.deepEqual(sourceFolderNames(['C:\\Clinica\\Exames', 'D:\\', '\\\\nas\\exames', 'E:\\Backup\\EXAMES', 'F:\\Exames'], 'win32'), ['Exames', 'D', 'exames (2)', 'EXAMES (3)', 'Exames (4)']);
    assert.deepEqual(sourceFolderNames(['/srv/Exames', '/mnt/exames', '/'], 'posix'), ['Exames', 'exames', 'root']);
  });

  it('orders names by UTF-8 bytes and folds case as NTFS does', () => {
    const names = ['ç.txt', 'a.txt', 'Z.txt', 'coração'.normalize('NFD'), 'coração', '_', 'B'];
    assert.deepEqual([...names].sort(compareNames), ['B', 'Z.txt', '_', 'a.txt', 'coração'.normalize('NFD'), 'coração', 'ç.txt']);
    assert.equal(foldCase('Laudo Ção.pdf'), 'LAUDO ÇÃO.PDF');
    assert.equal(foldCase('straße'), 'STRAßE', 'ß has no one-letter capital: it stays, as on NTFS');
  });
});

describe('names on restore', () => {
  it('finds what Windows refuses', () => {
    assert.deepEqual(windowsNameIssues('laudo.pdf'), []);
    assert.deepEqual(windowsNameIssues('CON'), ['windows-reserved']);
    assert.deepEqual(windowsNameIssues('nul.txt'), ['windows-reserved']);
    assert.deepEqual(windowsNameIssues('Com1'), ['windows-reserved']);
    assert.deepEqual(windowsNameIssues('LPT¹.log'), ['windows-reserved']);
    assert.deepEqual(windowsNameIssues('CONTRATO.pdf'), []);
    assert.deepEqual(windowsNameIssues('a:b?.txt'), ['windows-invalid-character']);
    assert.deepEqual(windowsNameIssues('tab\there'), ['windows-invalid-character']);
    assert.deepEqual(windowsNameIssues('back\\slash'), ['windows-invalid-character']);
    assert.deepEqual(windowsNameIssues('fim.'), ['windows-trailing-dot-or-space']);
    assert.deepEqual(windowsNameIssues('fim '), ['windows-trailing-dot-or-space']);
    assert.deepEqual(windowsNameIssues('aux.'), ['windows-reserved', 'windows-trailing-dot-or-space']);
  });

  it('maps them to readable look-alikes that Windows accepts', () => {
    assert.equal(windowsSafeName('CON'), 'CON_');
    assert.equal(windowsSafeName('nul.tar.gz'), 'nul_.tar.gz');
    assert.equal(windowsSafeName('Paciente: João?.pdf'), 'Paciente： João？.pdf');
    assert.equal(windowsSafeName('<a>|"b"*'), '＜a＞｜＂b＂＊');
    assert.equal(windowsSafeName('fim. '), 'fim．␠');
    assert.equal(windowsSafeName('x\u0001y'), 'x␁y');
    for (const n of ['CON', 'nul.txt', 'a:b', 'fim.', 'fim ', 'aux.', 'x\u0007']) assert.deepEqual(windowsNameIssues(windowsSafeName(n)), [], n);
  });

  it('plans the renames of a folder for Windows, including case collisions, without landing on another name', () => {
    const names = ['Foto.JPG', 'foto.jpg', 'foto (2).jpg', 'CON', 'a:b', 'laudo.pdf'];
    assert.deepEqual(planFolderNames(names, 'windows'), [
      { name: 'CON', restoredAs: 'CON_', issues: ['windows-reserved'] },
      { name: 'a:b', restoredAs: 'a：b', issues: ['windows-invalid-character'] },
      { name: 'foto.jpg', restoredAs: 'foto (3).jpg', issues: ['case-collision'] },
    ]);
    assert.deepEqual(planFolderNames(names, 'linux'), []);
    const [con, , foto] = planFolderNames(names, 'windows');
    assert.equal(nameChangeText(con!), '"CON" será restaurado como "CON_" (nome reservado do Windows).');
    assert.equal(nameChangeText(foto!, 'en'), '"foto.jpg" will be restored as "foto (3).jpg" (another file with the same name in different case).');
    // A look-alike can itself collide with a name that exists: it is numbered too.
    assert.deepEqual(planFolderNames(['a:b', 'a：b'], 'windows'), [{ name: 'a:b', restoredAs: 'a：b (2)', issues: ['windows-invalid-character', 'name-collision'] }]);
  });

  it('on Linux, folds case only for a target found to ignore it (an exFAT drive, an SMB share)', () => {
    const names = ['Foto.JPG', 'foto.jpg', 'laudo.pdf'];
    assert.deepEqual(planFolderNames(names, 'linux'), []);
    assert.deepEqual(planFolderNames(names, 'linux', { caseInsensitive: true }), [{ name: 'foto.jpg', restoredAs: 'foto (2).jpg', issues: ['case-collision'] }]);
    assert.deepEqual(planFolderNames(['CON', 'a:b'], 'linux', { caseInsensitive: true }), [], 'no Windows renames: Linux writes these names');
    assert.equal(collisionKey('Foto.JPG', 'linux', { caseInsensitive: true }), collisionKey('foto.jpg', 'linux', { caseInsensitive: true }));
  });

  it('on macOS also treats composed and decomposed spellings as one name', () => {
    const nfc = 'coração.txt';
    const nfd = nfc.normalize('NFD');
    assert.equal(collisionKey(nfc, 'macos'), collisionKey(nfd, 'macos'));
    assert.notEqual(collisionKey(nfc, 'windows'), collisionKey(nfd, 'windows'));
    assert.deepEqual(planFolderNames([nfc, nfd], 'macos'), [{ name: nfc, restoredAs: 'coração (2).txt', issues: ['normalization-collision'] }]);
    assert.deepEqual(planFolderNames([nfc, nfd], 'windows'), []);
  });
});
