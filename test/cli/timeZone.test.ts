/** One time zone in every output: the clinic's (a setting), with the zone shown, never UTC nor the machine's. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** "YYYY-MM-DD HH:MM" of an instant on the wall clock of a zone. */
function wall(iso: string, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}`;
}

test('snapshots, status and schedules print times in the clinic time zone and name it', async () => {
  const dir = await tempDir('cb-tz-');
  const data = path.join(dir, 'data');
  await writeNdjsonDataset(data, { patients: 2, seed: 3 });
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), TZ: 'Asia/Tokyo' };
  assert.equal((await runCli(['init'], env)).code, 0);
  assert.equal((await runCli(['backup', data], env)).code, 0);
  for (const zone of ['America/Sao_Paulo', 'America/Manaus']) {
    if (zone !== 'America/Sao_Paulo') {
      const file = path.join(dir, 'tz.json');
      await writeFile(file, JSON.stringify({ timeZone: zone }));
      assert.equal((await runCli(['settings', 'set', '--from-file', file], env)).code, 0);
    }
    const snap = (JSON.parse((await runCli(['snapshots', '--json'], env)).stdout) as { shortId: string; time: string }[])[0] as { shortId: string; time: string };
    const list = await runCli(['snapshots'], env);
    assert.match(list.stdout, new RegExp(`Time \\(${zone.replace('/', '\\/')}\\)`));
    assert.ok(list.stdout.includes(`${snap.shortId}  ${wall(snap.time, zone)}`), `${zone}: ${list.stdout}`);
    const status = await runCli(['status'], env);
    const s = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { lastSuccessAt: string; timeZone: string };
    assert.equal(s.timeZone, zone);
    assert.ok(status.stdout.includes(`Last successful backup: ${wall(s.lastSuccessAt, zone)} (${zone})`), status.stdout);
    const schedule = await runCli(['schedule'], env);
    assert.match(schedule.stdout, new RegExp(`next run \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(${zone.replace('/', '\\/')}\\)`));
    assert.doesNotMatch(list.stdout + status.stdout + schedule.stdout, /Asia\/Tokyo|\d{2}:\d{2}:\d{2}(\.\d+)?Z/);
  }
});
