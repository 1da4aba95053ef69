// What the database-source engine tests share: an engine over a fresh repository with small file chunks (so a dump
// of a few MB makes many chunks), and the files under a folder (to prove a password reached none of them).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after } from 'node:test';
import { createEngine, type Engine } from '../../src/index.js';
import { testRepo } from '../restorer/helpers.js';

/** An engine over a new repository in `dir`/main, closed after the test file. */
export async function engineFor(dir: string): Promise<{ engine: Engine; root: string; stateDir: string }> {
  const repo = await testRepo(path.join(dir, 'main'), { chunkMinBytes: 16 * 1024, chunkAvgBytes: 64 * 1024, chunkMaxBytes: 256 * 1024 });
  const engine = createEngine({ repo: repo.root, passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir: path.join(dir, 'secrets') });
  after(() => engine.close());
  return { engine, root: repo.root, stateDir: repo.stateDir };
}

/** Every file under a folder (absolute paths). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}
