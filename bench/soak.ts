/**
 * The long soak (issue #19): the real scheduler on an injected clock through a simulated week with a backup every
 * 15 minutes (672 backups) and the fault windows of the field report (500s, a 429 storm, the server down for 14 h,
 * the scheduler stopped mid-backup, the USB copy read-only, full and without its marker). Prints what was sent, the
 * checks at the end and memory per simulated day; exits 1 when an expectation fails. The short version runs in
 * `npm test` (test/engine/soak.test.ts).
 *   npm run bench:soak [-- --every MINUTES]
 */
import { runSoak } from '../test/support/soak.js';

const arg = process.argv.indexOf('--every');
const every = arg > 0 ? Number(process.argv[arg + 1]) : 15;
if (!Number.isInteger(every) || every < 1) {
  console.error('--every takes whole minutes');
  process.exit(2);
}
const r = await runSoak({ backupEveryMinutes: every, log: (line) => console.log(`  … ${line}`) });
const count = (channel: string, key: (k: string) => boolean, event: string): number => r.messages.filter((m) => m.channel === channel && key(m.key) && m.event === event).length;
const rows: [string, string, boolean][] = [];
for (const channel of ['email', 'webhook']) {
  rows.push([
    `${channel}: failed-backup alerts / resolutions`,
    `${count(channel, (k) => k === 'failed:primary', 'alert')} / ${count(channel, (k) => k === 'failed:primary', 'resolved')}`,
    count(channel, (k) => k === 'failed:primary', 'alert') === 1 && count(channel, (k) => k === 'failed:primary', 'resolved') === 1,
  ]);
  rows.push([
    `${channel}: USB copy alerts / resolutions`,
    `${count(channel, (k) => k.startsWith('copy:'), 'alert')} / ${count(channel, (k) => k.startsWith('copy:'), 'resolved')}`,
    count(channel, (k) => k.startsWith('copy:'), 'alert') === 3 && count(channel, (k) => k.startsWith('copy:'), 'resolved') === 3,
  ]);
}
const ids = r.messages.filter((m) => m.channel === 'webhook' && m.event === 'alert').map((m) => m.alertId);
rows.push(['no alert sent twice', `${ids.length} alerts, ${new Set(ids).size} distinct`, new Set(ids).size === ids.length]);
rows.push(['backups ok / failed / stopped', `${r.backups.ok} / ${r.backups.failed} / ${r.backups.interrupted}`, r.backups.interrupted >= 1]);
rows.push(['NAS read back whole', `${r.primaryCheck.problems} problems`, r.primaryCheck.ok]);
rows.push(['USB copy read back whole', `${r.copyCheck.problems} problems`, r.copyCheck.ok]);
rows.push(['NAS snapshots missing on the copy', `${r.missingOnCopy} (of ${r.snapshotsPrimary})`, r.missingOnCopy === 0]);
rows.push([
  'locks left (NAS, USB, scheduler)',
  `${r.leftoverLocks.primary}, ${r.leftoverLocks.copy}, ${r.leftoverLocks.scheduler}`,
  r.leftoverLocks.primary === 0 && r.leftoverLocks.copy === 0 && r.leftoverLocks.scheduler === 'not-running',
]);
const day2 = r.heapMb[1] ?? 0;
rows.push(['heap per simulated day (MB)', r.heapMb.join(' → '), (r.heapMb.at(-1) ?? 0) <= day2 * 1.5 + 64]);
rows.push(['RSS per simulated day (MB)', r.rssMb.join(' → '), true]);
rows.push(['real time', `${r.realSeconds} s`, true]);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nSoak: a week, a backup every ${every} min\n`);
for (const [k, v, ok] of rows) console.log(`${ok ? '✓' : '✗'} ${k.padEnd(width)}  ${v}`);
process.exit(rows.every(([, , ok]) => ok) ? 0 : 1);
