/**
 * The short soak (a backup every 6 hours through a simulated week of fault windows; the long one is
 * `npm run bench:soak`): one alert per condition per channel, one "resolvido" per alert and channel, every copy read
 * back whole at the end, no lock left behind, memory flat across the week.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runSoak } from '../support/soak.js';

it('a simulated week of 500s, a 429 storm, the server down, the scheduler killed mid-backup and a failing USB copy', async () => {
  const r = await runSoak({ backupEveryMinutes: 6 * 60 });
  if (process.env['SOAK_DEBUG']) console.log(JSON.stringify({ ...r, messages: r.messages.map((m) => `${m.channel} ${m.event} ${m.key} ${m.alertId ?? ''}`) }, null, 1));
  const alerts = (channel: string, key: string, event = 'alert'): number => r.messages.filter((m) => m.channel === channel && m.key === key && m.event === event).length;
  const usbKey = r.messages.find((m) => m.key.startsWith('copy:'))?.key ?? 'copy:?';
  for (const channel of ['email', 'webhook']) {
    // The server down for 14 hours: one failed-backup alert and one resolution (the 500s and the 429 storm were retried through).
    assert.equal(alerts(channel, 'failed:primary'), 1, `${channel}: one failed-backup alert`);
    assert.equal(alerts(channel, 'failed:primary', 'resolved'), 1, `${channel}: one resolution`);
    // The USB copy: read-only, then full, then not the clinic's: three conditions, each alerted and resolved once.
    assert.equal(alerts(channel, usbKey), 3, `${channel}: one alert per USB condition`);
    assert.equal(alerts(channel, usbKey, 'resolved'), 3, `${channel}: one resolution per USB condition`);
    assert.equal(alerts(channel, 'stale:primary'), 0, `${channel}: the outage stayed within the RPO`);
  }
  const webhookIds = r.messages.filter((m) => m.channel === 'webhook' && m.event === 'alert').map((m) => m.alertId);
  assert.equal(new Set(webhookIds).size, webhookIds.length, 'no alert is sent twice');
  assert.ok(r.backups.ok >= 20, JSON.stringify(r.backups));
  assert.ok(r.backups.interrupted >= 1, 'the scheduler was stopped during a backup');
  assert.deepEqual(r.primaryCheck, { ok: true, problems: 0 }, 'the NAS repository reads back whole');
  assert.deepEqual(r.copyCheck, { ok: true, problems: 0 }, 'the USB copy reads back whole');
  assert.equal(r.missingOnCopy, 0, `the copy holds every snapshot of the NAS (${r.snapshotsPrimary} there, ${r.snapshotsCopy} on the copy)`);
  assert.deepEqual(r.leftoverLocks, { primary: 0, copy: 0, scheduler: 'not-running' });
  assert.deepEqual(
    r.activeAlerts.filter((k) => k !== 'kit'),
    [],
    'nothing left active but the unconfirmed kit',
  );
  // Flat memory: the heap at the end of the week is not above the second day's by more than a margin.
  const day2 = r.heapMb[1] ?? 0;
  const last = r.heapMb.at(-1) ?? 0;
  assert.ok(last <= day2 * 1.5 + 64, `heap ${r.heapMb.join(' → ')} MB`);
});
