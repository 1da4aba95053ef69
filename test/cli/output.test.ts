/** Progress lines count what they say, and a log (not a terminal) ends each phase with its real count. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { progressText } from '../../src/cli/main.js';
import { createOutput } from '../../src/cli/output.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

test('each phase says what it counts: resources read, the commit steps, data files, restore points', () => {
  const ev = (e: Partial<ProgressEvent>): ProgressEvent => ({ type: 'progress', op: 'backup', phase: 'read', done: 0, unit: 'resources', ...e });
  assert.equal(progressText(ev({ done: 4044, bytes: 3_300_000 }), 'en'), 'backup: 4044 resources read (3.1 MiB)');
  assert.equal(progressText(ev({ done: 4044, bytes: 3_300_000 }), 'pt-BR'), 'backup: 4044 recursos lidos (3.1 MiB)');
  assert.equal(progressText(ev({ phase: 'commit', done: 2, total: 3, unit: 'steps' }), 'en'), 'backup: saving the snapshot (step 2 of 3)');
  assert.equal(progressText(ev({ op: 'check', phase: 'read-data', done: 3, total: 9, unit: 'files', bytes: 2048 }), 'en'), 'check: 3/9 data files read (2.0 KiB)');
  assert.equal(progressText(ev({ op: 'check', phase: 'snapshots', done: 1, total: 2, unit: 'steps' }), 'pt-BR'), 'verificação: 1/2 pontos de restauração conferidos');
  assert.equal(progressText(ev({ op: 'repair', phase: 'read-headers', done: 5, total: 7, unit: 'files' }), 'en'), 'index repair: 5/7 data files read');
});

test('in a log, the first line of a phase and its last count are written (not "1 resources" for 4,044)', () => {
  const out = sink();
  const o = createOutput(false, process.stdout, out.stream);
  const read = (done: number): ProgressEvent => ({ type: 'progress', op: 'backup', phase: 'read', done, unit: 'resources', bytes: done * 100 });
  for (const n of [1, 2, 500, 4044]) o.progress(read(n), progressText(read(n), 'en'));
  const commit: ProgressEvent = { type: 'progress', op: 'backup', phase: 'commit', done: 3, total: 3, unit: 'steps' };
  o.progress(commit, progressText(commit, 'en'));
  o.endProgress();
  const lines = out.text().trim().split('\n');
  assert.deepEqual(lines, ['backup: 1 resources read (100 B)', 'backup: 4044 resources read (394.9 KiB)', 'backup: saving the snapshot (step 3 of 3)']);
});

test('a real backup logged to a file: its last progress line counts every resource the snapshot holds', async () => {
  const dir = await tempDir('cb-progress-');
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 12, seed: 44 });
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'pt-BR' };
  assert.equal((await runCli(['init'], env)).code, 0);
  const r = await runCli(['backup', data], env);
  assert.equal(r.code, 0, r.stderr);
  const saved = Number(/(\d+) recursos \(/.exec(r.stdout)?.[1]);
  assert.ok(saved > 500, r.stdout);
  const counts = [...r.stderr.matchAll(/^backup: (\d+) recursos lidos/gm)].map((m) => Number(m[1]));
  assert.ok(counts.length >= 1, r.stderr);
  assert.equal(counts.at(-1), saved, `the last progress line says ${counts.at(-1)}; the snapshot holds ${saved}`);
  assert.match(r.stderr, /^backup: gravando o ponto de restauração \(etapa 3 de 3\)$/m);
});
