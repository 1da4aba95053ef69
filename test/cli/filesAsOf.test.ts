/**
 * "Como estava em <data>": `restore --path … --as-of` picks the newest backup taken at or before the given moment
 * (an ISO time, or a day meaning the end of that day in this machine's time zone), never a later one; a moment before
 * the first backup is an error naming the backups that exist, not a silent restore of something else.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { testRepo } from '../restorer/helpers.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const dir = await tempDir('cb-cli-asof-');
const repo = await testRepo(path.join(dir, 'main'), { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536 });
const env = { CLINIC_BACKUP_REPO: repo.root, CLINIC_BACKUP_PASSWORD_FILE: repo.passwordFile, CLINIC_BACKUP_STATE_DIR: repo.stateDir, CLINIC_BACKUP_LANG: 'en', TZ: 'America/Sao_Paulo' };
const docs = path.join(dir, 'Documentos');
await mkdir(docs, { recursive: true });

test('restore --path --as-of restores the file as it was in the backup at or before that moment', async () => {
  const ficha = path.join(docs, 'ficha.txt');
  const times: string[] = [];
  for (const version of ['versão 1', 'versão 2', 'versão 3']) {
    await writeFile(ficha, `${version}\n`.repeat(500));
    const b = await runCli(['backup', '--path', docs, '--json'], env);
    assert.equal(b.code, 0, b.stderr);
  }
  const list = JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as { id: string; time: string }[];
  assert.equal(list.length, 3);
  times.push(...list.map((s) => s.time).sort());
  const [t1, t2, t3] = times.map((t) => Date.parse(t)) as [number, number, number];
  assert.ok(t1 < t2 && t2 < t3, times.join(' '));

  let n = 0;
  const restoreAsOf = async (asOf: string): Promise<{ code: number | null; text: string | null; out: string }> => {
    const target = path.join(dir, `restaurado-${n++}`);
    const r = await runCli(['restore', '--path', 'Documentos/ficha.txt', '--as-of', asOf, '--target', target], env);
    const text = r.code === 0 ? await readFile(path.join(target, 'ficha.txt'), 'utf8') : null;
    return { code: r.code, text, out: r.stdout + r.stderr };
  };
  const iso = (ms: number): string => new Date(ms).toISOString();

  // At exactly a backup's moment: that backup; a moment later (before the next one): still that backup.
  assert.equal((await restoreAsOf(iso(t1))).text, 'versão 1\n'.repeat(500));
  assert.equal((await restoreAsOf(iso(t2 - 1))).text, 'versão 1\n'.repeat(500), 'never a backup taken after the moment asked');
  assert.equal((await restoreAsOf(iso(t2))).text, 'versão 2\n'.repeat(500));
  assert.equal((await restoreAsOf(iso(t3 + 60_000))).text, 'versão 3\n'.repeat(500));

  // A day means the end of that day in the machine's time zone (TZ): today's backups all count.
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t3));
  assert.equal((await restoreAsOf(day)).text, 'versão 3\n'.repeat(500), day);

  // Before the first backup: an error that lists what exists; nothing is written.
  const early = await restoreAsOf('2001-02-03');
  assert.notEqual(early.code, 0);
  assert.equal(early.text, null);
  assert.match(early.out, new RegExp(list[0]!.id.slice(0, 8)), early.out);
  const bad = await restoreAsOf('ontem');
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /as-of/, bad.out);
});
