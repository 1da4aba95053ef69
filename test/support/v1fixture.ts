/** The committed version 1 repository (scripts/make-v1-fixture.mjs) and the data its two snapshots hold. */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './cli.js';
import { writePasswordFile } from './repo.js';

export const V1_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'v1-repo');

export interface V1Copy {
  /** A private copy of the repository (tests change it). */
  readonly root: string;
  readonly passphrase: string;
  readonly passwordFile: string;
  readonly recoveryWords: string[][];
  /** Folders holding the NDJSON files snapshot 1 and snapshot 2 were made from. */
  readonly data: readonly [string, string];
}

export async function v1Copy(dir: string): Promise<V1Copy> {
  const root = path.join(dir, 'v1-repo');
  await cp(path.join(V1_FIXTURE, 'repo'), root, { recursive: true });
  const secrets = JSON.parse(await readFile(path.join(V1_FIXTURE, 'secrets.json'), 'utf8')) as { passphrase: string; recoveryWords: string[][] };
  const data: string[] = [];
  for (const n of [1, 2]) {
    const target = path.join(dir, `v1-data-${n}`);
    await mkdir(target, { recursive: true });
    const files = JSON.parse(gunzipSync(await readFile(path.join(V1_FIXTURE, `data-${n}.json.gz`))).toString('utf8')) as Record<string, string>;
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(target, name), text);
    data.push(target);
  }
  return { root, passphrase: secrets.passphrase, passwordFile: await writePasswordFile(dir, secrets.passphrase), recoveryWords: secrets.recoveryWords, data: [data[0] as string, data[1] as string] };
}
