/**
 * Owner-only temporary files: a fresh folder (0700) holding files created 0600, removed by `dispose` whatever
 * happened. Used for a MySQL option file holding the password (never argv) and for SQLite's backup copy.
 */
import { chmod, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PrivateTemp {
  readonly dir: string;
  /** Creates `name` in the folder with mode 0600 (failing if it exists) and writes `content`. */
  file(name: string, content?: string | Uint8Array): Promise<string>;
  dispose(): Promise<void>;
}

export async function privateTemp(parent: string = os.tmpdir()): Promise<PrivateTemp> {
  const dir = await mkdtemp(path.join(parent, 'clinic-backup-'));
  // mkdtemp creates 0700 already; say it explicitly whatever the umask.
  await chmod(dir, 0o700);
  return {
    dir,
    async file(name, content) {
      const p = path.join(dir, name);
      const fh = await open(p, 'wx', 0o600);
      try {
        await fh.chmod(0o600);
        if (content !== undefined) await fh.writeFile(content);
      } finally {
        await fh.close();
      }
      return p;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
