import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import type { Backend } from '../../src/backend/types.js';
import { Archiver } from '../../src/archiver/archiver.js';
import { listNdjsonInputs, readNdjsonFile } from '../../src/archiver/ndjson.js';
import { Repository } from '../../src/repository/repository.js';
import type { SnapshotRecord } from '../../src/repository/snapshot.js';

/** Cheap scrypt for tests (the product uses DEFAULT_SCRYPT). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 } as const;
export const TEST_PASSPHRASE = 'correct horse battery staple';

export async function newRepo(dir: string, params: Parameters<typeof Repository.init>[1]['params'] = {}): Promise<{ repo: Repository; backend: Backend; recoveryKey: Buffer | null; root: string }> {
  const root = path.join(dir, 'repo');
  const backend = await LocalBackend.create(root);
  const { repo, recoveryKey } = await Repository.init(backend, { passphrase: TEST_PASSPHRASE, scrypt: TEST_SCRYPT, params });
  return { repo, backend, recoveryKey, root };
}

export async function reopen(root: string, backend?: Backend): Promise<Repository> {
  return Repository.open(backend ?? (await LocalBackend.open(root)), { passphrase: TEST_PASSPHRASE });
}

/** Backs up NDJSON files in full mode, with the latest snapshot as parent. */
export async function backupDir(repo: Repository, input: string, parent?: SnapshotRecord | null): Promise<{ snapshotId: string; manifest: SnapshotRecord['manifest'] }> {
  const snaps = await repo.listSnapshots();
  const a = new Archiver(repo, { source: { kind: 'ndjson', location: input, strategy: 'files' }, mode: 'full', parent: parent === undefined ? (snaps[snaps.length - 1] ?? null) : parent });
  await a.begin();
  for (const f of await listNdjsonInputs(input)) for await (const l of readNdjsonFile(f)) await a.addLine(l.bytes, l);
  return a.commit();
}

export async function writePasswordFile(dir: string, value = TEST_PASSPHRASE): Promise<string> {
  const p = path.join(dir, 'password');
  await writeFile(p, value + '\n', { mode: 0o600 });
  return p;
}
