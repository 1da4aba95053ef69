import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobRunner, type Job, type RunnerEvent } from '../../src/scheduler/runner.js';
import { systemClock, systemTimer } from '../../src/scheduler/clock.js';
import type { SchedulePolicy } from '../../src/policy/schedule.js';
import { FakeTime } from './fakeTime.js';

const MIN = 60_000;
const iso = (d: Date): string => d.toISOString();

interface Recorder {
  readonly events: RunnerEvent[];
  starts(job: string): string[];
  maxConcurrent: number;
}

/** A job whose body takes `durationMs` of fake time and fails while `fail()` says so. */
function fakeJob(
  time: FakeTime,
  name: string,
  policy: SchedulePolicy,
  opts: { durationMs?: number; lockGroup?: string; fail?: (attempt: number) => boolean; concurrency?: { now: number; max: number } } = {},
): Job & { calls: number } {
  const job = {
    name,
    policy,
    lockGroup: opts.lockGroup,
    calls: 0,
    async run(signal: AbortSignal): Promise<void> {
      job.calls += 1;
      const attempt = job.calls;
      const c = opts.concurrency;
      if (c) {
        c.now += 1;
        c.max = Math.max(c.max, c.now);
      }
      try {
        if (opts.durationMs) await time.delay(opts.durationMs, signal);
        if (opts.fail?.(attempt)) throw new Error(`boom ${attempt}`);
      } finally {
        if (c) c.now -= 1;
      }
    },
  };
  return job;
}

function record(runner: JobRunner): Recorder {
  const events: RunnerEvent[] = [];
  runner.on((e) => events.push(e));
  return {
    events,
    starts: (job) => events.filter((e) => e.type === 'started' && e.job === job).map((e) => iso(e.at)),
    maxConcurrent: 0,
  };
}

describe('JobRunner with a fake clock', () => {
  it('runs a simulated week with an 8-hour sleep: exact runs, one catch-up each, no burst', async () => {
    // Monday 2026-03-02 00:00 in São Paulo (UTC-3).
    const start = new Date('2026-03-02T03:00:00Z');
    const time = new FakeTime(start);
    const conc = { now: 0, max: 0 };
    const local = fakeJob(time, 'local', { kind: 'interval', everyMinutes: 15 }, { durationMs: MIN, concurrency: conc });
    const daily = fakeJob(time, 'check', { kind: 'daily', at: '02:00' }, { durationMs: 10 * MIN });
    const weekly = fakeJob(time, 'full', { kind: 'weekly', weekday: 0, at: '02:00' }, { durationMs: 30 * MIN });
    const runner = new JobRunner([local, daily, weekly], {
      clock: time,
      timer: time,
      lastRuns: { local: start, check: start, full: start },
    });
    const rec = record(runner);
    runner.start();

    const sleepAt = new Date('2026-03-04T01:05:00Z'); // Tue 22:05 local
    const wakeAt = new Date(sleepAt.getTime() + 8 * 3_600_000); // Wed 06:05 local
    const end = new Date('2026-03-09T03:00:00Z'); // next Monday 00:00 local
    await time.advanceTo(sleepAt);
    await time.sleep(8 * 3_600_000);
    assert.equal(time.now().toISOString(), wakeAt.toISOString());
    await time.advanceTo(end);
    await runner.stop();

    // local: every 15 min until the sleep, one catch-up at wake-up, then every 15 min again.
    const expectedLocal: string[] = [];
    for (let t = start.getTime() + 15 * MIN; t <= sleepAt.getTime(); t += 15 * MIN) expectedLocal.push(iso(new Date(t)));
    for (let t = wakeAt.getTime(); t <= end.getTime(); t += 15 * MIN) expectedLocal.push(iso(new Date(t)));
    assert.deepEqual(rec.starts('local'), expectedLocal);
    assert.equal(expectedLocal.length, 184 + 456);

    // daily at 02:00 local: Wednesday's 02:00 fell in the sleep → caught up once at 06:05.
    assert.deepEqual(rec.starts('check'), [
      '2026-03-02T05:00:00.000Z',
      '2026-03-03T05:00:00.000Z',
      iso(wakeAt),
      '2026-03-05T05:00:00.000Z',
      '2026-03-06T05:00:00.000Z',
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
    ]);
    assert.deepEqual(rec.starts('full'), ['2026-03-08T05:00:00.000Z']);

    const catchUps = rec.events.filter((e) => e.type === 'started' && e.reason === 'catch-up');
    assert.deepEqual(
      catchUps.map((e) => (e.type === 'started' ? [e.job, iso(e.at), e.missedSlot && iso(e.missedSlot)] : [])),
      [
        ['local', iso(wakeAt), '2026-03-04T01:15:00.000Z'],
        ['check', iso(wakeAt), '2026-03-04T05:00:00.000Z'],
      ],
    );
    assert.equal(conc.max, 1);
    assert.equal(rec.events.filter((e) => e.type === 'failed').length, 0);
    assert.equal(time.pendingTimers, 0);
  });

  it('never overlaps a run that takes longer than the interval; the next one starts when it ends', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const conc = { now: 0, max: 0 };
    const job = fakeJob(time, 'slow', { kind: 'interval', everyMinutes: 15, timeZone: 'UTC' }, { durationMs: 20 * MIN, concurrency: conc });
    const runner = new JobRunner([job], { clock: time, timer: time });
    const rec = record(runner);
    runner.start();
    await time.advanceTo(new Date(t0.getTime() + 100 * MIN));
    await runner.stop();
    assert.deepEqual(
      rec.starts('slow'),
      [0, 20, 40, 60, 80, 100].map((m) => iso(new Date(t0.getTime() + m * MIN))),
    );
    assert.equal(conc.max, 1);
  });

  it('keeps jobs of one lock group apart', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const conc = { now: 0, max: 0 };
    const policy: SchedulePolicy = { kind: 'interval', everyMinutes: 15, timeZone: 'UTC' };
    const a = fakeJob(time, 'a', policy, { durationMs: 5 * MIN, lockGroup: 'repo', concurrency: conc });
    const b = fakeJob(time, 'b', policy, { durationMs: 5 * MIN, lockGroup: 'repo', concurrency: conc });
    const runner = new JobRunner([a, b], { clock: time, timer: time });
    const rec = record(runner);
    runner.start();
    await time.advanceTo(new Date(t0.getTime() + 59 * MIN));
    await runner.stop();
    const at = (...m: number[]): string[] => m.map((x) => iso(new Date(t0.getTime() + x * MIN)));
    assert.deepEqual(rec.starts('a'), at(0, 15, 30, 45));
    assert.deepEqual(rec.starts('b'), at(5, 20, 35, 50));
    assert.equal(conc.max, 1);
  });

  it('retries a failed run with backoff 1, 2, 4 min and then follows the schedule', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const job = fakeJob(time, 'flaky', { kind: 'interval', everyMinutes: 60, timeZone: 'UTC' }, { fail: (n) => n <= 3 });
    const runner = new JobRunner([job], { clock: time, timer: time });
    const rec = record(runner);
    runner.start();
    await time.advanceTo(new Date(t0.getTime() + 130 * MIN));
    await runner.stop();
    const at = (...m: number[]): string[] => m.map((x) => iso(new Date(t0.getTime() + x * MIN)));
    assert.deepEqual(rec.starts('flaky'), at(0, 1, 3, 7, 67, 127));
    const failed = rec.events.filter((e): e is Extract<RunnerEvent, { type: 'failed' }> => e.type === 'failed');
    assert.deepEqual(
      failed.map((e) => [e.attempt, e.retryAt && iso(e.retryAt)]),
      [
        [1, at(1)[0]],
        [2, at(3)[0]],
        [3, at(7)[0]],
      ],
    );
    const reasons = rec.events.filter((e) => e.type === 'started').map((e) => (e.type === 'started' ? e.reason : ''));
    assert.deepEqual(reasons, ['scheduled', 'retry', 'retry', 'retry', 'scheduled', 'scheduled']);
  });

  it('caps the backoff at the next regular run (no retry storm, no lost slot)', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const job = fakeJob(time, 'broken', { kind: 'interval', everyMinutes: 15, timeZone: 'UTC' }, { fail: () => true });
    const runner = new JobRunner([job], { clock: time, timer: time });
    const rec = record(runner);
    runner.start();
    await time.advanceTo(new Date(t0.getTime() + 60 * MIN));
    await runner.stop();
    const at = (...m: number[]): string[] => m.map((x) => iso(new Date(t0.getTime() + x * MIN)));
    assert.deepEqual(rec.starts('broken'), at(0, 1, 3, 7, 15, 30, 45, 60));
    assert.equal(runner.nextRuns()[0]?.failures, 8);
  });

  it('runs once when the clock is reset backwards, then follows the schedule from there', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const job = fakeJob(time, 'j', { kind: 'interval', everyMinutes: 15, timeZone: 'UTC' });
    const runner = new JobRunner([job], { clock: time, timer: time, lastRuns: { j: t0 } });
    const rec = record(runner);
    runner.start();
    await time.advanceTo('2026-01-10T10:10:00Z');
    time.setClock('2026-01-10T09:00:00Z');
    await time.advanceTo('2026-01-10T09:32:00Z');
    await runner.stop();
    // The next wake-up (≤ 1 min later) notices the step: one run, then every 15 min from it.
    assert.deepEqual(rec.starts('j'), ['2026-01-10T09:01:00.000Z', '2026-01-10T09:16:00.000Z', '2026-01-10T09:31:00.000Z']);
  });

  it('runs a job on demand and reports next runs', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    const job = fakeJob(time, 'backup', { kind: 'daily', at: '02:00', timeZone: 'UTC' }, { durationMs: 2 * MIN });
    const runner = new JobRunner([job], { clock: time, timer: time, lastRuns: { backup: new Date('2026-01-10T02:00:00Z') } });
    const rec = record(runner);
    runner.start();
    assert.deepEqual(
      runner.nextRuns().map((n) => [n.name, iso(n.at), n.running]),
      [['backup', '2026-01-11T02:00:00.000Z', false]],
    );
    runner.trigger('backup');
    assert.equal(runner.isRunning('backup'), true);
    await time.advanceBy(5 * MIN);
    assert.deepEqual(rec.starts('backup'), ['2026-01-10T10:00:00.000Z']);
    assert.equal(rec.events[0]?.type === 'started' && rec.events[0].reason, 'manual');
    assert.equal(rec.events[1]?.type, 'finished');
    assert.deepEqual(
      runner.nextRuns().map((n) => iso(n.at)),
      ['2026-01-11T02:00:00.000Z'],
    );
    assert.throws(() => runner.trigger('nope'), { code: 'NOT_FOUND' });
    await runner.stop();
  });

  it('stop() aborts the running job, waits for it and leaves no timer behind', async () => {
    const t0 = new Date('2026-01-10T10:00:00Z');
    const time = new FakeTime(t0);
    let sawAbort = false;
    const job: Job = {
      name: 'long',
      policy: { kind: 'interval', everyMinutes: 15, timeZone: 'UTC' },
      async run(signal) {
        signal.addEventListener('abort', () => {
          sawAbort = true;
        });
        await time.delay(60 * MIN, signal);
      },
    };
    const runner = new JobRunner([job], { clock: time, timer: time });
    const rec = record(runner);
    runner.start();
    await time.advanceBy(5 * MIN);
    assert.equal(runner.isRunning('long'), true);
    await runner.stop();
    assert.equal(sawAbort, true);
    assert.equal(runner.isRunning('long'), false);
    const last = rec.events.at(-1);
    assert.ok(last?.type === 'failed' && last.cancelled && last.retryAt === null);
    assert.equal(time.pendingTimers, 0);
    await time.advanceBy(60 * MIN);
    assert.equal(rec.starts('long').length, 1);
  });

  it('rejects duplicate job names and invalid policies', () => {
    const time = new FakeTime('2026-01-10T10:00:00Z');
    const p: SchedulePolicy = { kind: 'interval', everyMinutes: 15 };
    assert.throws(() => new JobRunner([fakeJob(time, 'x', p), fakeJob(time, 'x', p)]), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new JobRunner([fakeJob(time, 'x', { kind: 'daily', at: '25:00' })]), { code: 'INVALID_SETTINGS' });
  });
});

describe('JobRunner with real timers', () => {
  it('wakes up on the system timer and stops cleanly', async () => {
    let runs = 0;
    const runner = new JobRunner([{ name: 'now', policy: { kind: 'interval', everyMinutes: 60 }, run: async () => void (runs += 1) }], {
      clock: systemClock,
      timer: systemTimer,
      heartbeatMs: 20,
      lastRuns: { now: new Date() },
    });
    const done = new Promise<void>((resolve) => runner.on((e) => e.type === 'finished' && resolve()));
    runner.start();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(runs, 0);
    runner.trigger('now');
    await done;
    await runner.stop();
    assert.equal(runs, 1);
  });
});

describe('JobRunner.setPolicy', () => {
  it('a schedule changed while the runner runs takes effect at once, from the same last run; unknown jobs and bad policies are refused (INVALID_SETTINGS)', async () => {
    const time = new FakeTime('2026-03-02T06:00:00Z');
    const job = fakeJob(time, 'backup', { kind: 'daily', at: '02:00' });
    const runner = new JobRunner([job], { clock: time, timer: time, lastRuns: { backup: new Date('2026-03-02T05:00:00Z') } });
    const rec = record(runner);
    runner.start();
    await time.advanceTo('2026-03-02T06:30:00Z');
    assert.deepEqual(rec.starts('backup'), [], 'daily at 02:00 local: not before tomorrow');
    runner.setPolicy('backup', { kind: 'interval', everyMinutes: 30 });
    await time.advanceTo('2026-03-02T07:40:00Z');
    // The slot 30 min after 05:00 is past: one catch-up at once, then every 30 minutes.
    assert.deepEqual(rec.starts('backup'), ['2026-03-02T06:30:00.000Z', '2026-03-02T07:00:00.000Z', '2026-03-02T07:30:00.000Z']);
    assert.throws(() => runner.setPolicy('nope', { kind: 'interval', everyMinutes: 5 }), { code: 'NOT_FOUND' });
    assert.throws(() => runner.setPolicy('backup', { kind: 'interval', everyMinutes: 0 }), { code: 'INVALID_SETTINGS' });
    await runner.stop();
  });
});
