/**
 * The scheduler runs everything by itself (issue #19), through the real runner with an injected clock (no sleeping:
 * the fake clock jumps from one alarm to the next and waits only for the real work of each job), against a real
 * repository, a real sandbox FHIR server, a real SMTP server and a real webhook receiver on 127.0.0.1:
 * - a week passes → one summary e-mail with the week's figures; the verification rotation reads a new slice of the
 *   primary and of the copy each week; a month's drill slot passes while the PC is off → the drill runs once at
 *   wake-up (catch-up), never overlapping another repository job, and its record and report exist;
 * - the disk passes 80 % → an alert; 90 % → retention runs early (right after the backup) and keeps the legal
 *   floor; a drill fails → a CRITICAL alert by e-mail and webhook; the source goes down → the backup goes stale → alert.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import type { Backend, Capacity } from '../../src/backend/types.js';
import { createEngine, type Engine } from '../../src/index.js';
import type { RunnerEvent } from '../../src/scheduler/runner.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { parseMail, startSmtp, startWebhookReceiver, type SmtpHandle, type WebhookReceiver } from '../alerts/support.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { FakeTime } from '../scheduler/fakeTime.js';
import { startSchedulerUnderTest } from './schedulerHarness.js';

/** A backend whose reported size and free space the test sets (a disk filling up), with fault injection. */
class ControlledBackend extends FaultBackend {
  constructor(
    inner: Backend,
    private readonly usage: { percent: number | null },
  ) {
    super(inner);
  }
  override async capacity(signal?: AbortSignal): Promise<Capacity | null> {
    if (this.usage.percent === null) return super.capacity(signal);
    const totalBytes = 1_000_000_000;
    return { totalBytes, freeBytes: Math.round(totalBytes * (1 - this.usage.percent / 100)) } as Capacity;
  }
}

interface Sim {
  readonly time: FakeTime;
  readonly engine: Engine;
  readonly source: SandboxServer;
  readonly smtp: SmtpHandle;
  readonly hook: WebhookReceiver;
  readonly events: RunnerEvent[];
  readonly usage: { percent: number | null };
  readonly primary: ControlledBackend[];
  /** Max number of repository jobs seen running at once. */
  readonly overlap: { now: number; max: number };
  runUntil(iso: string): Promise<void>;
  stop(): Promise<void>;
}

const REPOSITORY_JOBS = new Set(['backup', 'check', 'drill', 'retention']);

async function simulate(start: string, extraSettings: Record<string, unknown> = {}, extraSchedule?: Record<string, unknown>): Promise<Sim> {
  const dir = await tempDir('cb-sched-jobs-');
  const repo = path.join(dir, 'repo');
  const usb = path.join(dir, 'usb');
  await mkdir(usb);
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const time = new FakeTime(start);
  const usage: { percent: number | null } = { percent: 50 };
  const primary: ControlledBackend[] = [];
  const wrapBackend = (location: string, backend: Backend): Backend => {
    if (path.resolve(location) !== repo) return backend;
    const b = new ControlledBackend(backend, usage);
    primary.push(b);
    return b;
  };
  const options = {
    repo,
    passwordFile: await writePasswordFile(dir),
    secretsDir,
    stateDir: path.join(dir, 'state'),
    locale: 'en' as const,
    copies: [{ location: usb, kind: 'usb' as const, label: 'USB' }],
    clock: time,
    timer: time,
    wrapBackend,
  };
  const first = createEngine(options);
  await first.init({ useKeychain: false });
  await first.close();
  const engine = createEngine(options);
  const source = await sandbox({ patients: 3, seed: 7 });
  const smtp = await startSmtp();
  const hook = await startWebhookReceiver();
  await engine.updateSettings({
    clinicName: 'Clínica Vida',
    source: { url: source.url, auth: { kind: 'none' } },
    schedule: { backup: { kind: 'daily', at: '02:00' }, drill: { kind: 'monthly', day: 1, at: '12:00' }, alerts: { kind: 'interval', everyMinutes: 360 }, ...(extraSchedule ?? {}) },
    alerts: { email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'backup@clinica.test', to: ['ti@clinica.test'] }, webhook: { url: hook.url } },
    ...extraSettings,
  } as Parameters<Engine['updateSettings']>[0]);
  const overlap = { now: 0, max: 0 };
  const scheduler = await startSchedulerUnderTest(engine, time, (e) => {
    if (!REPOSITORY_JOBS.has(e.job)) return;
    if (e.type === 'started') overlap.max = Math.max(overlap.max, ++overlap.now);
    else overlap.now--;
  });
  return {
    time,
    engine,
    source,
    smtp,
    hook,
    events: scheduler.events,
    usage,
    primary,
    overlap,
    runUntil: (iso) => scheduler.runUntil(iso),
    async stop() {
      await scheduler.stop();
      await engine.close();
    },
  };
}

const starts = (sim: Sim, job: string): string[] => sim.events.filter((e) => e.type === 'started' && e.job === job).map((e) => e.at.toISOString());

function mails(sim: Sim): { event: string; key: string; subject: string; text: string; raw: string }[] {
  return sim.smtp.mails.map((m) => {
    const p = parseMail(m.raw);
    return { event: p.headers.get('x-clinic-backup-event') ?? '', key: p.headers.get('x-clinic-backup-alert') ?? '', subject: p.subject, text: p.text, raw: m.raw };
  });
}

describe('the scheduler runs everything by itself (injected clock, real runner)', () => {
  it("a week and a month pass: one summary e-mail with the figures, the verification rotation, and the month's drill caught up after the PC was off", async () => {
    // Monday 2027-01-25 09:00 in São Paulo.
    const sim = await simulate('2027-01-25T12:00:00.000Z');
    try {
      await sim.runUntil('2027-02-01T14:00:00.000Z');
      // Backups: at start, then every day at 02:00 local (05:00 UTC).
      assert.deepEqual(starts(sim, 'backup'), ['2027-01-25T12:00:00.000Z', ...[26, 27, 28, 29, 30, 31].map((d) => `2027-01-${d}T05:00:00.000Z`), '2027-02-01T05:00:00.000Z']);
      // One summary: Monday 08:00 local, none at start (a new installation is not greeted with an empty week).
      assert.deepEqual(starts(sim, 'summary'), ['2027-02-01T11:00:00.000Z']);
      const summaries = mails(sim).filter((m) => m.event === 'summary');
      assert.equal(summaries.length, 1);
      const summary = summaries[0]!;
      assert.match(summary.subject, /Weekly summary/);
      assert.match(summary.text, /Backups: 8 of 8 worked \(0 failed or incomplete\); [\d.,]+ ?[kKMG]?B written; \d+ restore points kept\./);
      assert.match(summary.text, /Copies \(3-2-1-1-0 rule\): .*3 copies/);
      assert.match(summary.text, /Backup health score: \d+ out of 100\./);
      assert.match(summary.text, /Last restore test: .* \(it worked\)/);
      assert.match(summary.text, /Backup success rate|Backups that worked \(30 days\): 100%/);
      assert.match(summary.text, /Attached: this month's restore test report/);
      assert.match(summary.raw, /Content-Type: application\/pdf/i, "the month's first summary carries the drill report");
      const status = await sim.engine.status();
      assert.equal(status.weeklySummary?.backups.total, 8);
      assert.equal(status.weeklySummary?.emailed, true);

      // Verification rotation: a new slice each week (weekly check → 4 slices: every byte within 28 days), of the
      // primary and of the copy.
      assert.deepEqual(starts(sim, 'check'), ['2027-01-25T12:00:00.000Z', '2027-01-31T05:00:00.000Z']);
      const usb = status.destinations.find((d) => d.label === 'USB');
      assert.equal(usb?.verification?.ok, true);
      assert.equal(usb?.verification?.slice, '2/4');
      assert.deepEqual([status.primaryVerification?.ok, status.primaryVerification?.slice], [true, '2/4'], 'the main copy is read slice by slice too');

      // The PC is off from 14:00 to 17:00 UTC on the 1st: the drill's slot (12:00 local = 15:00 UTC) is missed and
      // the drill runs once at wake-up.
      sim.time.jump(3 * 3_600_000);
      await sim.runUntil('2027-02-01T18:00:00.000Z');
      const drillStarts = sim.events.filter((e) => e.type === 'started' && e.job === 'drill');
      assert.deepEqual(
        drillStarts.map((e) => e.at.toISOString()),
        ['2027-01-25T12:00:00.000Z', '2027-02-01T17:00:00.000Z'],
      );
      assert.equal(drillStarts[1]?.type === 'started' ? drillStarts[1].reason : null, 'catch-up');
      const drills = await sim.engine.listDrills();
      const monthly = drills.find((d) => d.startedAt === '2027-02-01T17:00:00.000Z');
      assert.equal(monthly?.status, 'success');
      const report = await sim.engine.drillReport(monthly.id);
      assert.equal(report.pdf.subarray(0, 5).toString(), '%PDF-');
      assert.equal(sim.overlap.max, 1, 'repository jobs never overlap (a drill never runs beside a backup)');

      // schedule show lists every job with its next time.
      const list = await sim.engine.schedules();
      assert.deepEqual(
        list.map((j) => j.name),
        ['backup', 'check', 'drill', 'retention', 'summary', 'alerts'],
      );
      const next = Object.fromEntries(list.map((j) => [j.name, j.nextAt]));
      assert.equal(next['drill'], '2027-03-01T15:00:00.000Z');
      assert.equal(next['summary'], '2027-02-08T11:00:00.000Z');
      assert.equal(next['backup'], '2027-02-02T05:00:00.000Z');
      assert.equal(next['retention'], '2027-02-02T04:30:00.000Z');

      // The clinic changes the backup schedule while the scheduler runs: it takes effect without a restart.
      await sim.engine.updateSettings({ schedule: { ...(await sim.engine.getSettings()).schedule, backup: { kind: 'interval', everyMinutes: 60 } } });
      await sim.runUntil('2027-02-01T21:30:00.000Z');
      // The hourly slot after the last backup (05:00) is long past: one catch-up now, then every hour.
      assert.deepEqual(
        starts(sim, 'backup').filter((t) => t >= '2027-02-01T18:00:00.000Z'),
        ['2027-02-01T18:00:00.000Z', '2027-02-01T19:00:00.000Z', '2027-02-01T20:00:00.000Z', '2027-02-01T21:00:00.000Z'],
      );
    } finally {
      await sim.stop();
    }
  });

  it('disk past 80 % → alert; past 90 % → early retention keeping the legal floor; a failed drill → CRITICAL by e-mail and webhook; a source down → stale alert', async () => {
    // Saturday 2027-02-27 09:00 in São Paulo. Retention keeps only the newest snapshot by its rules (the legal floor
    // still keeps each month's last one) and runs on the 15th, so only an early run can happen here.
    const sim = await simulate(
      '2027-02-27T12:00:00.000Z',
      {
        retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, legalFloorYears: 20 },
      },
      { retention: { kind: 'monthly', day: 15, at: '01:30' } },
    );
    try {
      await sim.runUntil('2027-02-27T13:00:00.000Z');
      assert.deepEqual(starts(sim, 'retention'), ['2027-02-27T12:00:00.000Z'], 'never run: once at start');

      // 85 % full: a MEDIUM disk alert after the next backup, delivered; no early retention.
      sim.usage.percent = 85;
      await sim.runUntil('2027-02-28T06:00:00.000Z');
      let status = await sim.engine.status();
      const disk = status.alerts.find((a) => a.rule === 'disk');
      assert.equal(disk?.severity, 'medium', JSON.stringify(status.alerts));
      assert.ok(mails(sim).some((m) => m.key === 'disk:primary' && m.event === 'alert'));
      assert.ok(sim.hook.requests.some((r) => JSON.parse(r.body.toString()).alert.key === 'disk:primary'));
      assert.deepEqual(starts(sim, 'retention'), ['2027-02-27T12:00:00.000Z']);

      // 92 % full: retention runs right after the 03-01 backup (05:00 UTC), and keeps February's last snapshot.
      sim.usage.percent = 92;
      await sim.runUntil('2027-03-01T06:00:00.000Z');
      assert.deepEqual(starts(sim, 'retention'), ['2027-02-27T12:00:00.000Z', '2027-03-01T05:00:00.000Z']);
      const snaps = (await sim.engine.snapshots()).map((s) => s.time).sort();
      assert.deepEqual(snaps, ['2027-02-28T05:00:00.000Z', '2027-03-01T05:00:00.000Z'], "the legal floor keeps February's last snapshot; the older one went");

      // The backups' data now reads back damaged: the monthly drill (03-01 12:00 local) fails → CRITICAL alert.
      for (const b of sim.primary) b.addRule(faults.corruptRead({ kind: 'data' }));
      const before = mails(sim).length;
      await sim.runUntil('2027-03-01T16:00:00.000Z');
      status = await sim.engine.status();
      const drillfail = status.alerts.find((a) => a.rule === 'drillfail');
      assert.equal(drillfail?.severity, 'critical', JSON.stringify(status.alerts));
      assert.match(drillfail.message, /restore test of .* (could not read the backup|records came back different|did not bring back)/);
      const critical = mails(sim)
        .slice(before)
        .filter((m) => m.key === 'drillfail');
      assert.equal(critical.length, 1);
      assert.match(critical[0]!.subject, /CRITICAL/);
      const hooks = sim.hook.requests.map((r) => JSON.parse(r.body.toString()) as { event: string; alert: { key: string; severity: string } });
      assert.equal(hooks.filter((h) => h.alert.key === 'drillfail' && h.event === 'alert' && h.alert.severity === 'critical').length, 1);
      for (const b of sim.primary) b.clearRules();

      // The clinic's server stops answering: the backups fail, and a day after the last good one it is stale.
      sim.source.faults.set({ serverError: { nth: 1, times: 1_000_000, status: 401 } });
      await sim.runUntil('2027-03-02T12:00:00.000Z');
      status = await sim.engine.status();
      assert.equal(status.alerts.find((a) => a.rule === 'stale')?.severity, 'high', JSON.stringify(status.alerts));
      assert.equal(mails(sim).filter((m) => m.key === 'stale:primary' && m.event === 'alert').length, 1);
      assert.equal(sim.hook.requests.filter((r) => JSON.parse(r.body.toString()).alert.key === 'stale:primary').length, 1);
      assert.equal(sim.overlap.max, 1);
    } finally {
      await sim.stop();
    }
  });
});
