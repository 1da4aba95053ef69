#!/usr/bin/env node
// Regenerates test/fixtures/v1-repo: a small format-version-1 repository made by the version 1 code itself
// (the engine as of commit V1_COMMIT, taken from git history), for the tests that read, check, restore and
// migrate version 1 repositories with today's code. Its secrets are published on purpose (fake data).
//
//   node scripts/make-v1-fixture.mjs
//
// Output (replacing what is there):
//   test/fixtures/v1-repo/repo/         the repository (config version 1, a passphrase slot, a recovery slot,
//                                       two snapshots, audit entries)
//   test/fixtures/v1-repo/data-1.json.gz, data-2.json.gz  the NDJSON files each snapshot was made from, as
//                                       { file name: content } (gzip): restores must equal them byte for byte
//   test/fixtures/v1-repo/secrets.json  passphrase and recovery words
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const V1_COMMIT = 'a98fa2c';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'test', 'fixtures', 'v1-repo');
const work = mkdtempSync(path.join(os.tmpdir(), 'cb-v1-fixture-'));

try {
  // The version 1 engine, exactly as committed.
  const tar = execFileSync('git', ['-C', root, 'archive', V1_COMMIT, 'src', 'package.json', 'tsconfig.json'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', work], { input: tar });
  symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
  writeFileSync(
    path.join(work, 'make.ts'),
    `
import { mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { createEngine } from './src/index.js';
import { writeNdjsonDataset, mutateNdjsonDataset } from './src/sandbox/synthetic.js';

const [outDir] = process.argv.slice(2);
const repo = path.join(outDir, 'repo');
const data = path.join(outDir, 'work-data');
const passphrase = 'clinica teste v1 fixture';
const passwordFile = path.join(outDir, 'password');
await writeFile(passwordFile, passphrase + '\\n', { mode: 0o600 });
await writeNdjsonDataset(data, { patients: 3, seed: 2024 });
// A resource in two patients' compartments, one in none, and decimals that must survive as text.
const ids = (await readFile(path.join(data, 'Patient.ndjson'), 'utf8')).trim().split('\\n').map((l) => JSON.parse(l).id);
await writeFile(path.join(data, 'Extra.ndjson'), [
  JSON.stringify({ resourceType: 'Observation', id: 'shared-obs-1', status: 'final', code: { text: 'shared' }, subject: { reference: 'Patient/' + ids[0] }, performer: [{ reference: 'Patient/' + ids[1] }] }).replace('"final"', '"final","valueQuantity":{"value":98.60,"unit":"F"}'),
  JSON.stringify({ resourceType: 'Organization', id: 'org-fixture', name: 'Clínica Fixture' }),
].join('\\n') + '\\n');
const engine = createEngine({ repo, passwordFile, stateDir: path.join(outDir, 'state') });
const init = await engine.init({ useKeychain: false, recoveryLanguage: 'en' });
await engine.backupNdjson(data);
await mkdir(path.join(outDir, 'data-1'));
const { cp } = await import('node:fs/promises');
await cp(data, path.join(outDir, 'data-1'), { recursive: true });
await mutateNdjsonDataset(data, { fraction: 0.1, seed: 7 });
await appendFile(path.join(data, 'Extra.ndjson'), JSON.stringify({ resourceType: 'Organization', id: 'org-added', name: 'Nova' }) + '\\n');
await engine.backupNdjson(data);
await cp(data, path.join(outDir, 'data-2'), { recursive: true });
await writeFile(path.join(outDir, 'secrets.json'), JSON.stringify({ passphrase, recoveryWords: init.recoveryKey }, null, 2) + '\\n');
await engine.close();
await rm(data, { recursive: true });
await rm(path.join(outDir, 'state'), { recursive: true, force: true });
await rm(passwordFile);
`,
  );
  const tmpOut = path.join(work, 'out');
  mkdirSync(tmpOut);
  execFileSync(process.execPath, ['--import', 'tsx', path.join(work, 'make.ts'), tmpOut], { cwd: work, stdio: 'inherit' });
  // Lock files of the run are gone by now; an empty locks/ folder is part of a repository.
  rmSync(out, { recursive: true, force: true });
  for (const n of ['data-1', 'data-2']) {
    const dir = path.join(tmpOut, n);
    const files = Object.fromEntries(
      readdirSync(dir)
        .sort()
        .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
    );
    writeFileSync(path.join(tmpOut, `${n}.json.gz`), gzipSync(JSON.stringify(files), { level: 9 }));
    rmSync(dir, { recursive: true });
  }
  cpSync(tmpOut, out, { recursive: true });
  writeFileSync(path.join(out, 'repo', 'locks', '.keep'), '');
  console.log(`v1 fixture written to ${path.relative(root, out)} (engine of ${V1_COMMIT})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
