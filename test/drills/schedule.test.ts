// drillDue: when the next drill is due, when reminders start, when it is overdue (pure; tables of cases).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DRILL_SCHEDULE, drillDue, localReference, seededSample } from '../../src/drills/index.js';
import type { SchedulePolicy } from '../../src/policy/schedule.js';

const d = (iso: string): Date => new Date(iso);
const DAY = 86_400_000;
// Monthly, day 1 at 12:00 São Paulo (UTC-3, no DST) = 15:00Z.
const monthly = DEFAULT_DRILL_SCHEDULE;

describe('drillDue', () => {
  it('defaults to monthly (SOP-019 §6.3), reminders 3 days before', () => {
    assert.deepEqual(monthly, { kind: 'monthly', day: 1, at: '12:00', timeZone: 'America/Sao_Paulo' });
    const r = drillDue(d('2026-03-01T15:30:00Z'), monthly, d('2026-03-10T00:00:00Z'));
    assert.equal(r.dueAt.toISOString(), '2026-04-01T15:00:00.000Z');
    assert.equal(r.remindFrom.toISOString(), '2026-03-29T15:00:00.000Z');
  });

  const cases: {
    name: string;
    last: string | null;
    now: string;
    policy?: SchedulePolicy;
    opts?: Parameters<typeof drillDue>[3];
    want: { dueAt: string; overdue: boolean; due: boolean; remind: boolean };
  }[] = [
    { name: 'well before: nothing to do', last: '2026-03-01T15:30:00Z', now: '2026-03-28T16:00:00Z', want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: false, due: false, remind: false } },
    { name: 'inside the reminder window', last: '2026-03-01T15:30:00Z', now: '2026-03-30T09:00:00Z', want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: false, due: false, remind: true } },
    {
      name: 'the due moment: due, and overdue without grace',
      last: '2026-03-01T15:30:00Z',
      now: '2026-04-01T15:00:00Z',
      want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: true, due: true, remind: true },
    },
    {
      name: 'with a day of grace: due, not yet overdue',
      last: '2026-03-01T15:30:00Z',
      now: '2026-04-01T18:00:00Z',
      opts: { graceMs: DAY },
      want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: false, due: true, remind: true },
    },
    {
      name: 'a month missed: overdue since the missed date',
      last: '2026-03-01T15:30:00Z',
      now: '2026-05-10T10:00:00Z',
      want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: true, due: true, remind: true },
    },
    { name: 'never drilled: due now, not overdue', last: null, now: '2026-03-10T10:00:00Z', want: { dueAt: '2026-03-10T10:00:00.000Z', overdue: false, due: true, remind: true } },
    {
      name: 'never drilled, backups since January: overdue since Feb 1',
      last: null,
      now: '2026-03-10T10:00:00Z',
      opts: { since: d('2026-01-05T10:00:00Z') },
      want: { dueAt: '2026-02-01T15:00:00.000Z', overdue: true, due: true, remind: true },
    },
    {
      name: 'never drilled, backups since last week: not yet',
      last: null,
      now: '2026-01-12T10:00:00Z',
      opts: { since: d('2026-01-05T10:00:00Z') },
      want: { dueAt: '2026-02-01T15:00:00.000Z', overdue: false, due: false, remind: false },
    },
    {
      name: 'reminders 7 days before',
      last: '2026-03-01T15:30:00Z',
      now: '2026-03-26T09:00:00Z',
      opts: { remindDaysBefore: 7 },
      want: { dueAt: '2026-04-01T15:00:00.000Z', overdue: false, due: false, remind: true },
    },
    {
      name: 'configurable: weekly on Mondays 08:00 UTC',
      last: '2026-03-02T08:30:00Z',
      now: '2026-03-04T00:00:00Z',
      policy: { kind: 'weekly', weekday: 1, at: '08:00', timeZone: 'UTC' },
      want: { dueAt: '2026-03-09T08:00:00.000Z', overdue: false, due: false, remind: false },
    },
    {
      name: 'last drill far in the future (clock reset): due now',
      last: '2027-01-01T00:00:00Z',
      now: '2026-03-10T10:00:00Z',
      want: { dueAt: '2026-03-10T10:00:00.000Z', overdue: false, due: true, remind: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = drillDue(c.last === null ? null : d(c.last), c.policy ?? monthly, d(c.now), c.opts);
      assert.deepEqual({ dueAt: r.dueAt.toISOString(), overdue: r.overdue, due: r.due, remind: r.remind }, c.want);
      assert.equal(r.remindFrom.getTime(), r.dueAt.getTime() - (c.opts?.remindDaysBefore ?? 3) * DAY);
      assert.equal(r.neverDrilled, c.last === null);
    });
  }

  it('refuses a negative reminder window', () => {
    assert.throws(() => drillDue(null, monthly, new Date(), { remindDaysBefore: -1 }), TypeError);
  });
});

describe('seededSample', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
  it('is determined by the seed, not by the input order', () => {
    const a = seededSample(ids, 10, 123);
    assert.deepEqual(a, seededSample([...ids].reverse(), 10, 123));
    assert.equal(new Set(a).size, 10);
    assert.ok(a.every((x) => ids.includes(x)));
    assert.notDeepEqual(a, seededSample(ids, 10, 124));
  });
  it('takes everything when asked for more, nothing for 0', () => {
    assert.deepEqual(seededSample(['b', 'a', 'a'], 5, 1), ['a', 'b']);
    assert.deepEqual(seededSample(ids, 0, 1), []);
  });
});

describe('localReference', () => {
  const bases = ['http://clinic.example/fhir', 'http://127.0.0.1:5000/fhir'];
  it('keeps Type/id (and versioned) references and the source/target absolute ones; skips the rest', () => {
    assert.equal(localReference('Patient/p1', bases), 'Patient/p1');
    assert.equal(localReference('Patient/p1/_history/3', bases), 'Patient/p1');
    assert.equal(localReference('http://clinic.example/fhir/Encounter/e.1', bases), 'Encounter/e.1');
    assert.equal(localReference('http://other.example/fhir/Patient/p1', bases), null);
    assert.equal(localReference('#contained1', bases), null);
    assert.equal(localReference('urn:uuid:1234', bases), null);
    assert.equal(localReference('Patient?identifier=123', bases), null);
  });
});
