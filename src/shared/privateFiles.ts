/**
 * Owner-only files and folders (issue "local files are private"): the catalog (patient ids), settings, state and
 * secrets folders, and everything a restore or a report writes hold health data or keys. Folders are created
 * 0700 and files 0600; ones found looser (created by an older version, or by hand) are tightened. On Windows the
 * modes do not apply (user profile ACLs protect these paths); chmod there is harmless.
 */
import { chmod, mkdir, open, stat, writeFile, type FileHandle } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Removes group and other permissions from a path that exists (no-op when it does not). */
export async function tighten(p: string): Promise<void> {
  let st;
  try {
    st = await stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const wanted = st.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  if ((st.mode & 0o077) !== 0) await chmod(p, st.mode & wanted & 0o777);
}

/** Creates a folder (and its missing parents) readable by the owner only; tightens the folder itself if looser. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await tighten(dir);
}

/** Writes a whole file readable by the owner only (an existing looser file is tightened first). */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  await tighten(file);
  await writeFile(file, data, { mode: PRIVATE_FILE_MODE });
  await tighten(file);
}

/** Opens a file for writing (truncating it) readable by the owner only. */
export async function openPrivateFile(file: string): Promise<FileHandle> {
  await tighten(file);
  const fh = await open(file, 'w', PRIVATE_FILE_MODE);
  await fh.chmod(PRIVATE_FILE_MODE);
  return fh;
}
