/** A real folder tree with the cases a clinic's folders hold: binary files, deep paths, unicode names, links. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const NFC_NAME = 'coração.txt';
export const NFD_NAME = 'coração.txt'.normalize('NFD');
export const DEEP_LEVELS = 40;

export interface SampleTree {
  readonly root: string;
  /** Relative paths ('/'-separated) of the files written, with their content. */
  readonly files: ReadonlyMap<string, Buffer>;
}

function put(root: string, files: Map<string, Buffer>, rel: string, content: Buffer): void {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  files.set(rel, content);
}

export function writeSampleTree(root: string): SampleTree {
  const files = new Map<string, Buffer>();
  put(root, files, 'Exames/2024/paciente ç/ultrassom.dcm', randomBytes(300_000));
  put(root, files, 'Exames/2024/paciente ç/foto.jpg', randomBytes(20_000));
  put(root, files, 'Documentos/laudo ã.pdf', Buffer.from('%PDF-1.4\n% laudo\n'));
  put(root, files, `Documentos/${NFC_NAME}`, Buffer.from('NFC'));
  put(root, files, `Documentos/${NFD_NAME}`, Buffer.from('NFD'));
  put(root, files, 'Documentos/vazio.txt', Buffer.alloc(0));
  put(root, files, 'Zebra.txt', Buffer.from('upper case sorts before lower case in byte order'));
  put(root, files, 'abc.txt', Buffer.from('abc'));
  const deep = Array.from({ length: DEEP_LEVELS }, (_, i) => `nível ${i}`).join('/');
  put(root, files, `${deep}/fundo.bin`, randomBytes(1000));
  mkdirSync(path.join(root, 'Vazia'));
  mkdirSync(path.join(root, 'Exames', 'sem exames'));
  symlinkSync('Exames/2024', path.join(root, 'atalho'));
  symlinkSync('nao-existe', path.join(root, 'quebrado'));
  // Excluded by default or by the test's own pattern.
  writeFileSync(path.join(root, 'Documentos', '~$laudo.docx'), 'owner');
  writeFileSync(path.join(root, 'Documentos', '.~lock.laudo.odt#'), 'lock');
  writeFileSync(path.join(root, 'Exames', 'Thumbs.db'), 'thumbs');
  writeFileSync(path.join(root, 'rascunho.tmp'), 'tmp');
  writeFileSync(path.join(root, 'copia.bak'), 'bak');
  mkdirSync(path.join(root, '$RECYCLE.BIN', 'S-1-5'), { recursive: true });
  writeFileSync(path.join(root, '$RECYCLE.BIN', 'S-1-5', 'apagado.pdf'), 'deleted');
  // A FIFO: a special file the walker must skip (and never open: opening a FIFO blocks).
  execFileSync('mkfifo', [path.join(root, 'fila')]);
  return { root, files };
}
