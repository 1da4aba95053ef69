import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeSchedule, nextRunAt, nextRunInfo, SCHEDULE_PRESETS, type SchedulePolicy } from '../../src/scheduler/nextRunAt.js';
import { FieldValidationError } from '../../src/policy/fieldErrors.js';
import { localParts, formatLocalDate } from '../../src/policy/zonedTime.js';
import { LOCALES } from '../../src/i18n/index.js';

const d = (iso: string): Date => new Date(iso);

interface Case {
  readonly name: string;
  readonly policy: SchedulePolicy;
  readonly last: string | null;
  readonly now: string;
  readonly expected: string;
}

const UTC = 'UTC';
const SP = 'America/Sao_Paulo';
const NY = 'America/New_York';
const LIS = 'Europe/Lisbon';

const cases: readonly Case[] = [
  // never run → due now
  { name: 'interval, never run', policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC }, last: null, now: '2026-01-10T10:00:00Z', expected: '2026-01-10T10:00:00Z' },
  { name: 'weekly, never run', policy: { kind: 'weekly', weekday: 0, at: '03:00', timeZone: UTC }, last: null, now: '2026-01-07T10:00:00Z', expected: '2026-01-07T10:00:00Z' },
  // interval
  { name: 'interval, next slot', policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC }, last: '2026-01-10T10:00:00Z', now: '2026-01-10T10:05:00Z', expected: '2026-01-10T10:15:00Z' },
  { name: 'interval, slot is now', policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC }, last: '2026-01-10T10:00:00Z', now: '2026-01-10T10:15:00Z', expected: '2026-01-10T10:15:00Z' },
  {
    name: 'interval, 8 h asleep → one catch-up now',
    policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC },
    last: '2026-01-10T10:00:00Z',
    now: '2026-01-10T18:07:00Z',
    expected: '2026-01-10T18:07:00Z',
  },
  {
    name: 'interval, clock reset back 1 h → due now',
    policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC },
    last: '2026-01-10T10:00:00Z',
    now: '2026-01-10T09:00:00Z',
    expected: '2026-01-10T09:00:00Z',
  },
  {
    name: 'interval, NTP step back 30 s → ignored',
    policy: { kind: 'interval', everyMinutes: 15, timeZone: UTC },
    last: '2026-01-10T10:00:30Z',
    now: '2026-01-10T10:00:00Z',
    expected: '2026-01-10T10:15:30Z',
  },
  {
    name: 'monthly, NTP step back 4 min → ignored',
    policy: { kind: 'monthly', day: 1, at: '12:00', timeZone: UTC },
    last: '2026-01-01T12:00:00Z',
    now: '2026-01-01T11:56:00Z',
    expected: '2026-02-01T12:00:00Z',
  },
  {
    name: 'interval, clock jumped a year forward',
    policy: { kind: 'interval', everyMinutes: 60, timeZone: UTC },
    last: '2026-01-10T10:00:00Z',
    now: '2027-01-10T10:30:00Z',
    expected: '2027-01-10T10:30:00Z',
  },
  { name: 'interval default zone', policy: { kind: 'interval', everyMinutes: 1440 }, last: '2026-01-10T10:00:00Z', now: '2026-01-10T10:00:01Z', expected: '2026-01-11T10:00:00Z' },
  // daily
  { name: 'daily, tomorrow', policy: { kind: 'daily', at: '02:00', timeZone: UTC }, last: '2026-01-10T02:00:00Z', now: '2026-01-10T12:00:00Z', expected: '2026-01-11T02:00:00Z' },
  { name: 'daily, later today', policy: { kind: 'daily', at: '22:00', timeZone: UTC }, last: '2026-01-09T22:00:00Z', now: '2026-01-10T12:00:00Z', expected: '2026-01-10T22:00:00Z' },
  { name: 'daily, 3 days missed → once now', policy: { kind: 'daily', at: '02:00', timeZone: UTC }, last: '2026-01-10T02:00:00Z', now: '2026-01-13T08:00:00Z', expected: '2026-01-13T08:00:00Z' },
  {
    name: 'daily, after a catch-up the regular time resumes',
    policy: { kind: 'daily', at: '02:00', timeZone: UTC },
    last: '2026-01-13T08:00:00Z',
    now: '2026-01-13T08:30:00Z',
    expected: '2026-01-14T02:00:00Z',
  },
  {
    name: 'daily, clock reset 2 days back → due now',
    policy: { kind: 'daily', at: '02:00', timeZone: UTC },
    last: '2026-01-12T02:00:00Z',
    now: '2026-01-10T12:00:00Z',
    expected: '2026-01-10T12:00:00Z',
  },
  {
    name: 'daily, after that run the schedule restarts',
    policy: { kind: 'daily', at: '02:00', timeZone: UTC },
    last: '2026-01-10T12:00:00Z',
    now: '2026-01-10T12:00:01Z',
    expected: '2026-01-11T02:00:00Z',
  },
  // weekly (2026-01-04 is a Sunday)
  { name: 'weekly, next Sunday', policy: { kind: 'weekly', weekday: 0, at: '03:00', timeZone: UTC }, last: '2026-01-04T03:00:00Z', now: '2026-01-05T00:00:00Z', expected: '2026-01-11T03:00:00Z' },
  { name: 'weekly, same week', policy: { kind: 'weekly', weekday: 5, at: '18:00', timeZone: UTC }, last: '2026-01-06T09:00:00Z', now: '2026-01-06T10:00:00Z', expected: '2026-01-09T18:00:00Z' },
  {
    name: 'weekly, last run weeks in the future (clock reset) → due now',
    policy: { kind: 'weekly', weekday: 0, at: '03:00', timeZone: UTC },
    last: '2026-02-01T03:00:00Z',
    now: '2026-01-06T10:00:00Z',
    expected: '2026-01-06T10:00:00Z',
  },
  // monthly: month ends and leap years
  { name: 'monthly 31 → Feb 28', policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC }, last: '2026-01-31T02:00:00Z', now: '2026-02-01T00:00:00Z', expected: '2026-02-28T02:00:00Z' },
  { name: 'monthly 31 → Feb 29 (leap)', policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC }, last: '2028-01-31T02:00:00Z', now: '2028-02-01T00:00:00Z', expected: '2028-02-29T02:00:00Z' },
  {
    name: 'monthly 31 → Feb 28 in 2100 (not leap)',
    policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC },
    last: '2100-01-31T02:00:00Z',
    now: '2100-02-01T00:00:00Z',
    expected: '2100-02-28T02:00:00Z',
  },
  {
    name: 'monthly 29 → Feb 29 in 2000 (leap)',
    policy: { kind: 'monthly', day: 29, at: '02:00', timeZone: UTC },
    last: '2000-01-29T02:00:00Z',
    now: '2000-02-01T00:00:00Z',
    expected: '2000-02-29T02:00:00Z',
  },
  {
    name: 'monthly 31 after Feb → Mar 31',
    policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC },
    last: '2026-02-28T02:00:00Z',
    now: '2026-03-01T00:00:00Z',
    expected: '2026-03-31T02:00:00Z',
  },
  { name: 'monthly 31 → Apr 30', policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC }, last: '2026-03-31T02:00:00Z', now: '2026-04-01T00:00:00Z', expected: '2026-04-30T02:00:00Z' },
  { name: 'monthly 31, Dec → Jan', policy: { kind: 'monthly', day: 31, at: '02:00', timeZone: UTC }, last: '2026-12-31T02:00:00Z', now: '2027-01-01T00:00:00Z', expected: '2027-01-31T02:00:00Z' },
  {
    name: 'monthly 1, months missed → once now',
    policy: { kind: 'monthly', day: 1, at: '12:00', timeZone: UTC },
    last: '2026-01-01T12:00:00Z',
    now: '2026-04-15T09:00:00Z',
    expected: '2026-04-15T09:00:00Z',
  },
  // America/Sao_Paulo: UTC-3 all year since 2019
  { name: 'SP daily', policy: { kind: 'daily', at: '02:00', timeZone: SP }, last: '2026-06-01T05:00:00Z', now: '2026-06-01T12:00:00Z', expected: '2026-06-02T05:00:00Z' },
  { name: 'SP no DST in 2026 (old start date)', policy: { kind: 'daily', at: '00:30', timeZone: SP }, last: '2026-10-31T03:30:00Z', now: '2026-10-31T12:00:00Z', expected: '2026-11-01T03:30:00Z' },
  { name: 'SP 2018 gap at midnight → 01:00', policy: { kind: 'daily', at: '00:30', timeZone: SP }, last: '2018-11-03T03:30:00Z', now: '2018-11-03T12:00:00Z', expected: '2018-11-04T03:00:00Z' },
  { name: 'SP 2019 overlap → first 23:30', policy: { kind: 'daily', at: '23:30', timeZone: SP }, last: '2019-02-16T01:30:00Z', now: '2019-02-16T12:00:00Z', expected: '2019-02-17T01:30:00Z' },
  { name: 'SP 2019 overlap → not twice', policy: { kind: 'daily', at: '23:30', timeZone: SP }, last: '2019-02-17T01:30:00Z', now: '2019-02-17T02:45:00Z', expected: '2019-02-18T02:30:00Z' },
  { name: 'SP monthly preset day 1 12:00', policy: SCHEDULE_PRESETS.restoreDrill, last: '2026-01-01T15:00:00Z', now: '2026-01-20T00:00:00Z', expected: '2026-02-01T15:00:00Z' },
  { name: 'SP weekly preset Sunday 02:00', policy: SCHEDULE_PRESETS.fullReconciliation, last: '2026-01-04T05:00:00Z', now: '2026-01-05T00:00:00Z', expected: '2026-01-11T05:00:00Z' },
  // America/New_York: DST 2026-03-08 02:00→03:00, 2026-11-01 02:00→01:00
  { name: 'NY gap 02:30 → 03:00 EDT', policy: { kind: 'daily', at: '02:30', timeZone: NY }, last: '2026-03-07T07:30:00Z', now: '2026-03-07T12:00:00Z', expected: '2026-03-08T07:00:00Z' },
  { name: 'NY day after the gap', policy: { kind: 'daily', at: '02:30', timeZone: NY }, last: '2026-03-08T07:00:00Z', now: '2026-03-08T08:00:00Z', expected: '2026-03-09T06:30:00Z' },
  { name: 'NY overlap → first 01:30 (EDT)', policy: { kind: 'daily', at: '01:30', timeZone: NY }, last: '2026-10-31T05:30:00Z', now: '2026-10-31T12:00:00Z', expected: '2026-11-01T05:30:00Z' },
  { name: 'NY overlap → only once', policy: { kind: 'daily', at: '01:30', timeZone: NY }, last: '2026-11-01T05:30:00Z', now: '2026-11-01T06:00:00Z', expected: '2026-11-02T06:30:00Z' },
  {
    name: 'NY interval counts elapsed time over DST',
    policy: { kind: 'interval', everyMinutes: 60, timeZone: NY },
    last: '2026-03-08T06:30:00Z',
    now: '2026-03-08T06:40:00Z',
    expected: '2026-03-08T07:30:00Z',
  },
  { name: 'NY weekly into the gap', policy: { kind: 'weekly', weekday: 0, at: '02:30', timeZone: NY }, last: '2026-03-01T07:30:00Z', now: '2026-03-02T00:00:00Z', expected: '2026-03-08T07:00:00Z' },
  {
    name: 'NY window closes → next opening',
    policy: { kind: 'interval', everyMinutes: 30, window: { from: '08:00', to: '18:00' }, timeZone: NY },
    last: '2026-03-06T22:45:00Z',
    now: '2026-03-06T23:00:00Z',
    expected: '2026-03-07T13:00:00Z',
  },
  {
    name: 'NY window, asleep over a weekend → opening after wake',
    policy: { kind: 'interval', everyMinutes: 30, window: { from: '08:00', to: '18:00' }, timeZone: NY },
    last: '2026-03-06T14:00:00Z',
    now: '2026-03-09T03:00:00Z',
    expected: '2026-03-09T12:00:00Z',
  },
  {
    name: 'NY window, never run, outside',
    policy: { kind: 'interval', everyMinutes: 30, window: { from: '08:00', to: '18:00' }, timeZone: NY },
    last: null,
    now: '2026-01-10T03:00:00Z',
    expected: '2026-01-10T13:00:00Z',
  },
  {
    name: 'NY window, never run, inside',
    policy: { kind: 'interval', everyMinutes: 30, window: { from: '08:00', to: '18:00' }, timeZone: NY },
    last: null,
    now: '2026-01-10T15:00:00Z',
    expected: '2026-01-10T15:00:00Z',
  },
  {
    name: 'UTC window across midnight',
    policy: { kind: 'interval', everyMinutes: 60, window: { from: '22:00', to: '06:00' }, timeZone: UTC },
    last: '2026-01-10T05:30:00Z',
    now: '2026-01-10T05:40:00Z',
    expected: '2026-01-10T22:00:00Z',
  },
  {
    name: 'UTC window across midnight, inside',
    policy: { kind: 'interval', everyMinutes: 60, window: { from: '22:00', to: '06:00' }, timeZone: UTC },
    last: '2026-01-10T23:30:00Z',
    now: '2026-01-10T23:40:00Z',
    expected: '2026-01-11T00:30:00Z',
  },
  // Europe/Lisbon: DST 2026-03-29 01:00→02:00, 2026-10-25 02:00→01:00
  { name: 'Lisbon gap 01:30 → 02:00 WEST', policy: { kind: 'daily', at: '01:30', timeZone: LIS }, last: '2026-03-28T01:30:00Z', now: '2026-03-28T12:00:00Z', expected: '2026-03-29T01:00:00Z' },
  { name: 'Lisbon overlap → first 01:30 (WEST)', policy: { kind: 'daily', at: '01:30', timeZone: LIS }, last: '2026-10-24T00:30:00Z', now: '2026-10-24T12:00:00Z', expected: '2026-10-25T00:30:00Z' },
  { name: 'Lisbon overlap → only once', policy: { kind: 'daily', at: '01:30', timeZone: LIS }, last: '2026-10-25T00:30:00Z', now: '2026-10-25T01:10:00Z', expected: '2026-10-26T01:30:00Z' },
  {
    name: 'Lisbon monthly 31 in March (summer time)',
    policy: { kind: 'monthly', day: 31, at: '01:30', timeZone: LIS },
    last: '2026-02-28T01:30:00Z',
    now: '2026-03-01T00:00:00Z',
    expected: '2026-03-31T00:30:00Z',
  },
];

describe('nextRunAt', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = nextRunAt(c.policy, c.last === null ? null : d(c.last), d(c.now));
      assert.equal(got.toISOString(), d(c.expected).toISOString());
    });
  }

  it('reports the missed slot of a catch-up, and none otherwise', () => {
    const p: SchedulePolicy = { kind: 'daily', at: '02:00', timeZone: UTC };
    const missed = nextRunInfo(p, d('2026-01-10T02:00:00Z'), d('2026-01-13T08:00:00Z'));
    assert.equal(missed.missedSlot?.toISOString(), '2026-01-11T02:00:00.000Z');
    const regular = nextRunInfo(p, d('2026-01-10T02:00:00Z'), d('2026-01-10T08:00:00Z'));
    assert.equal(regular.missedSlot, null);
  });

  it('never returns a time before now, and never equal to a last run in the past', () => {
    const policies: SchedulePolicy[] = [
      { kind: 'interval', everyMinutes: 15, timeZone: NY },
      { kind: 'daily', at: '02:30', timeZone: NY },
      { kind: 'weekly', weekday: 3, at: '01:30', timeZone: LIS },
      { kind: 'monthly', day: 31, at: '00:00', timeZone: SP },
    ];
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 400; i++) {
      const p = policies[i % policies.length]!;
      const last = new Date(base + Math.floor(rand() * 365 * 86_400_000));
      const now = new Date(last.getTime() + Math.floor((rand() - 0.2) * 40 * 86_400_000));
      const next = nextRunAt(p, last, now);
      assert.ok(next.getTime() >= now.getTime(), `${JSON.stringify(p)} ${last.toISOString()} ${now.toISOString()}`);
      if (last.getTime() <= now.getTime()) assert.ok(next.getTime() > last.getTime());
    }
  });

  // Walk a whole year through DST changes: a daily job runs exactly once on every local day.
  for (const [zone, at] of [
    [NY, '02:30'],
    [NY, '01:30'],
    [LIS, '01:30'],
    [LIS, '00:30'],
    [SP, '00:00'],
    [UTC, '23:59'],
  ] as const) {
    it(`daily at ${at} in ${zone}: once per local day through 2026`, () => {
      const p: SchedulePolicy = { kind: 'daily', at, timeZone: zone };
      const days = new Map<string, number>();
      let last = d('2025-12-31T12:00:00Z');
      for (let i = 0; i < 400; i++) {
        const next = nextRunAt(p, last, last);
        if (next.getTime() > Date.parse('2027-01-02T00:00:00Z')) break;
        const day = formatLocalDate(localParts(next, zone));
        days.set(day, (days.get(day) ?? 0) + 1);
        last = next;
      }
      const in2026 = [...days.entries()].filter(([k]) => k.startsWith('2026-'));
      assert.equal(in2026.length, 365);
      assert.ok(in2026.every(([, n]) => n === 1));
    });
  }

  it('rejects invalid policies with field-level errors', () => {
    const bad: [unknown, string][] = [
      [{ kind: 'daily', at: '24:00' }, 'at'],
      [{ kind: 'daily', at: '7:00' }, 'at'],
      [{ kind: 'weekly', weekday: 7, at: '01:00' }, 'weekday'],
      [{ kind: 'monthly', day: 0, at: '01:00' }, 'day'],
      [{ kind: 'monthly', day: 32, at: '01:00' }, 'day'],
      [{ kind: 'interval', everyMinutes: 0 }, 'everyMinutes'],
      [{ kind: 'interval', everyMinutes: 1.5 }, 'everyMinutes'],
      [{ kind: 'interval', everyMinutes: 15, window: { from: '08:00', to: '08:00' } }, 'window'],
      [{ kind: 'interval', everyMinutes: 15, window: { from: '8h', to: '18:00' } }, 'window.from'],
      [{ kind: 'daily', at: '01:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ kind: 'hourly' }, 'kind'],
    ];
    for (const [policy, field] of bad) {
      assert.throws(
        () => nextRunAt(policy as SchedulePolicy, null, d('2026-01-01T00:00:00Z')),
        (err: unknown) => err instanceof FieldValidationError && err.code === 'INVALID_SETTINGS' && err.details['field'] === field,
        JSON.stringify(policy),
      );
    }
  });
});

describe('describeSchedule', () => {
  it('describes each kind in both languages', () => {
    assert.equal(describeSchedule({ kind: 'interval', everyMinutes: 15 }, 'en'), 'Every 15 minutes (America/Sao_Paulo time)');
    assert.equal(describeSchedule({ kind: 'interval', everyMinutes: 15 }, 'pt-BR'), 'A cada 15 minutos (fuso America/Sao_Paulo)');
    assert.equal(describeSchedule({ kind: 'interval', everyMinutes: 60, timeZone: UTC }, 'en'), 'Every hour (UTC time)');
    assert.equal(describeSchedule({ kind: 'interval', everyMinutes: 120, timeZone: UTC }, 'pt-BR'), 'A cada 2 horas (fuso UTC)');
    assert.equal(describeSchedule({ kind: 'interval', everyMinutes: 30, window: { from: '08:00', to: '18:00' }, timeZone: UTC }, 'en'), 'Every 30 minutes, between 08:00 and 18:00 (UTC time)');
    assert.equal(describeSchedule({ kind: 'daily', at: '02:00', timeZone: UTC }, 'pt-BR'), 'Todos os dias às 02:00 (fuso UTC)');
    assert.equal(describeSchedule({ kind: 'weekly', weekday: 0, at: '02:00', timeZone: UTC }, 'pt-BR'), 'Toda semana, aos domingos, às 02:00 (fuso UTC)');
    assert.equal(describeSchedule({ kind: 'weekly', weekday: 1, at: '02:00', timeZone: UTC }, 'en'), 'Weekly, on Mondays, at 02:00 (UTC time)');
    assert.equal(describeSchedule({ kind: 'monthly', day: 1, at: '12:00', timeZone: UTC }, 'en'), 'Monthly, on day 1, at 12:00 (UTC time)');
    assert.match(describeSchedule({ kind: 'monthly', day: 31, at: '12:00', timeZone: UTC }, 'pt-BR'), /último dia dos meses mais curtos/);
  });

  it('has text for every preset and weekday in every locale (no raw keys)', () => {
    for (const locale of LOCALES) {
      for (const p of Object.values(SCHEDULE_PRESETS)) assert.doesNotMatch(describeSchedule(p, locale), /scheduler\./);
      for (let w = 0; w < 7; w++) assert.doesNotMatch(describeSchedule({ kind: 'weekly', weekday: w, at: '01:00' }, locale), /scheduler\./);
    }
  });

  it('presets follow SOP-019 §5.1', () => {
    assert.deepEqual(SCHEDULE_PRESETS.localIncremental, { kind: 'interval', everyMinutes: 15, timeZone: SP });
    assert.deepEqual(SCHEDULE_PRESETS.offsiteReplication, { kind: 'interval', everyMinutes: 60, timeZone: SP });
    assert.equal(SCHEDULE_PRESETS.fullReconciliation.kind, 'weekly');
    assert.equal(SCHEDULE_PRESETS.restoreDrill.kind, 'monthly');
  });
});
