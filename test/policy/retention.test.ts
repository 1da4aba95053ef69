import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRetention,
  assertForgetAllowed,
  explainForget,
  parseRetentionDuration,
  validateRetentionPolicy,
  type RetentionDecision,
  type RetentionPolicy,
  type SnapshotInfo,
} from '../../src/policy/retention.js';
import { describeFieldErrors, FieldValidationError } from '../../src/policy/fieldErrors.js';
import { localParts } from '../../src/policy/zonedTime.js';
import { isEngineError } from '../../src/shared/errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const snap = (id: string, time: string, tags?: string[]): SnapshotInfo => (tags ? { id, time, tags } : { id, time });

/** One snapshot per step from `from` (inclusive) to `to` (inclusive); ids are the ISO times. */
function series(from: string, to: string, stepMs: number): SnapshotInfo[] {
  const out: SnapshotInfo[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) out.push(snap(new Date(t).toISOString(), new Date(t).toISOString()));
  return out;
}

const kept = (ds: readonly RetentionDecision[]): string[] => ds.filter((d) => d.keep).map((d) => d.id);
const keysOf = (ds: readonly RetentionDecision[], id: string): string[] => ds.find((d) => d.id === id)?.reasons.map((r) => r.key) ?? [];

interface Case {
  readonly name: string;
  readonly snapshots: readonly SnapshotInfo[];
  readonly policy: RetentionPolicy;
  readonly now: string;
  readonly keep: readonly string[];
}

const NO_FLOOR = { legalFloorYears: 0, timeZone: 'UTC' } as const;

const five = [snap('a', '2026-01-01T10:00:00Z'), snap('b', '2026-01-02T10:00:00Z'), snap('c', '2026-01-03T10:00:00Z'), snap('d', '2026-01-04T10:00:00Z'), snap('e', '2026-01-05T10:00:00Z')];
const daysWithSeveral = [
  snap('d1-a', '2026-01-01T08:00:00Z'),
  snap('d1-b', '2026-01-01T20:00:00Z'),
  snap('d2-a', '2026-01-02T08:00:00Z'),
  snap('d2-b', '2026-01-02T20:00:00Z'),
  snap('d3-a', '2026-01-03T08:00:00Z'),
  snap('d4-a', '2026-01-04T08:00:00Z'),
  snap('d4-b', '2026-01-04T20:00:00Z'),
  snap('d5-a', '2026-01-05T08:00:00Z'),
];

const cases: readonly Case[] = [
  { name: 'keepLast 3', snapshots: five, policy: { ...NO_FLOOR, keepLast: 3 }, now: '2026-01-06T00:00:00Z', keep: ['e', 'd', 'c'] },
  { name: 'keepLast larger than the list keeps all', snapshots: five, policy: { ...NO_FLOOR, keepLast: 9 }, now: '2026-01-06T00:00:00Z', keep: ['e', 'd', 'c', 'b', 'a'] },
  { name: 'keepLast -1 keeps all', snapshots: five, policy: { ...NO_FLOOR, keepLast: -1 }, now: '2026-01-06T00:00:00Z', keep: ['e', 'd', 'c', 'b', 'a'] },
  { name: 'keepDaily 3: newest of each of the last 3 days', snapshots: daysWithSeveral, policy: { ...NO_FLOOR, keepDaily: 3 }, now: '2026-01-06T00:00:00Z', keep: ['d5-a', 'd4-b', 'd3-a'] },
  {
    name: 'keepDaily with room left also keeps the oldest',
    snapshots: daysWithSeveral,
    policy: { ...NO_FLOOR, keepDaily: 10 },
    now: '2026-01-06T00:00:00Z',
    keep: ['d5-a', 'd4-b', 'd3-a', 'd2-b', 'd1-b', 'd1-a'],
  },
  { name: 'keepDaily -1 keeps one per day', snapshots: daysWithSeveral, policy: { ...NO_FLOOR, keepDaily: -1 }, now: '2026-01-06T00:00:00Z', keep: ['d5-a', 'd4-b', 'd3-a', 'd2-b', 'd1-b', 'd1-a'] },
  {
    name: 'days are local days (São Paulo, UTC-3)',
    snapshots: [snap('x', '2026-01-02T01:00:00Z'), snap('y', '2026-01-01T22:00:00Z'), snap('z', '2026-01-02T04:00:00Z')],
    policy: { keepDaily: 2, legalFloorYears: 0 },
    now: '2026-01-03T00:00:00Z',
    keep: ['z', 'x'],
  },
  {
    name: 'keepHourly: the repeated 01:xx hour of a fall-back night is one bucket (New York)',
    snapshots: [snap('edt', '2026-11-01T05:10:00Z'), snap('est', '2026-11-01T06:10:00Z'), snap('two', '2026-11-01T07:10:00Z')],
    policy: { keepHourly: 2, legalFloorYears: 0, timeZone: 'America/New_York' },
    now: '2026-11-01T08:00:00Z',
    keep: ['two', 'est'],
  },
  {
    name: 'keepWeekly uses ISO weeks across the new year (2027-01-03 is still 2026-W53)',
    snapshots: [snap('thu', '2026-12-31T12:00:00Z'), snap('sun', '2027-01-03T12:00:00Z'), snap('mon', '2027-01-04T12:00:00Z'), snap('old', '2026-12-20T12:00:00Z')],
    policy: { ...NO_FLOOR, keepWeekly: 2 },
    now: '2027-01-05T00:00:00Z',
    keep: ['mon', 'sun'],
  },
  {
    name: 'keepMonthly 2 and keepYearly 3 combine',
    snapshots: [
      snap('2024-12', '2024-12-15T12:00:00Z'),
      snap('2025-06', '2025-06-15T12:00:00Z'),
      snap('2025-11', '2025-11-15T12:00:00Z'),
      snap('2025-12', '2025-12-15T12:00:00Z'),
      snap('2026-01', '2026-01-15T12:00:00Z'),
    ],
    policy: { ...NO_FLOOR, keepMonthly: 2, keepYearly: 3 },
    now: '2026-02-01T00:00:00Z',
    keep: ['2026-01', '2025-12', '2024-12'],
  },
  {
    name: 'keepWithin is relative to the newest snapshot, not to now',
    snapshots: five,
    policy: { ...NO_FLOOR, keepWithin: '2d' },
    now: '2026-03-01T00:00:00Z',
    keep: ['e', 'd'],
  },
  {
    name: 'keepWithin ignores snapshots from the future (clock skew) when finding the newest',
    snapshots: [...five, snap('future', '2027-01-01T00:00:00Z')],
    policy: { ...NO_FLOOR, keepWithin: '36h' },
    now: '2026-01-06T00:00:00Z',
    keep: ['future', 'e', 'd'],
  },
  {
    name: 'keepTags keeps tagged snapshots; the newest is always kept',
    snapshots: [snap('t1', '2026-01-01T00:00:00Z', ['pre-upgrade']), snap('t2', '2026-01-02T00:00:00Z'), snap('t3', '2026-01-03T00:00:00Z', ['other'])],
    policy: { ...NO_FLOOR, keepTags: ['pre-upgrade'] },
    now: '2026-01-04T00:00:00Z',
    keep: ['t3', 't1'],
  },
  { name: 'no rule and no floor keeps everything', snapshots: five, policy: { ...NO_FLOOR }, now: '2026-01-06T00:00:00Z', keep: ['e', 'd', 'c', 'b', 'a'] },
  { name: 'keepWithin 0d counts as no rule', snapshots: five, policy: { ...NO_FLOOR, keepWithin: '0d' }, now: '2026-01-06T00:00:00Z', keep: ['e', 'd', 'c', 'b', 'a'] },
  {
    name: 'legal floor alone keeps the last snapshot of every month in the window',
    snapshots: [
      snap('jan-1', '2026-01-05T12:00:00Z'),
      snap('jan-2', '2026-01-28T12:00:00Z'),
      snap('feb-1', '2026-02-10T12:00:00Z'),
      snap('mar-1', '2026-03-01T12:00:00Z'),
      snap('mar-2', '2026-03-02T12:00:00Z'),
    ],
    policy: { legalFloorYears: 20, timeZone: 'UTC' },
    now: '2026-03-03T00:00:00Z',
    keep: ['mar-2', 'feb-1', 'jan-2'],
  },
  {
    name: 'legal floor months are local months (31 Jan 22:00 in São Paulo is 1 Feb UTC)',
    snapshots: [snap('jan-late', '2026-02-01T01:00:00Z'), snap('jan-early', '2026-01-20T12:00:00Z'), snap('feb', '2026-02-10T12:00:00Z')],
    policy: { legalFloorYears: 20 },
    now: '2026-02-11T00:00:00Z',
    keep: ['feb', 'jan-late'],
  },
  {
    name: 'legal floor of 1 year: months from June 2025, plus the state just before the window',
    snapshots: [
      snap('2025-03', '2025-03-20T12:00:00Z'),
      snap('2025-04', '2025-04-20T12:00:00Z'),
      snap('2025-05a', '2025-05-10T12:00:00Z'),
      snap('2025-05b', '2025-05-20T12:00:00Z'),
      snap('2025-06', '2025-06-20T12:00:00Z'),
      snap('2025-09', '2025-09-20T12:00:00Z'),
      snap('2026-06a', '2026-06-01T12:00:00Z'),
      snap('2026-06b', '2026-06-10T12:00:00Z'),
    ],
    policy: { legalFloorYears: 1, timeZone: 'UTC' },
    now: '2026-06-15T00:00:00Z',
    keep: ['2026-06b', '2025-09', '2025-06', '2025-05b'],
  },
  {
    name: 'legal floor adds to user rules (keepLast 1 with a 20-year floor)',
    snapshots: five,
    policy: { keepLast: 1, legalFloorYears: 20, timeZone: 'UTC' },
    now: '2026-01-06T00:00:00Z',
    keep: ['e'],
  },
  {
    name: 'legal floor 0 with keepLast 1 keeps only the newest',
    snapshots: five,
    policy: { keepLast: 1, legalFloorYears: 0, timeZone: 'UTC' },
    now: '2026-01-06T00:00:00Z',
    keep: ['e'],
  },
  {
    name: 'a floor older than all snapshots keeps the newest one as the anchor',
    snapshots: [snap('old1', '2000-01-01T00:00:00Z'), snap('old2', '2000-06-01T00:00:00Z')],
    policy: { legalFloorYears: 20, timeZone: 'UTC' },
    now: '2026-01-06T00:00:00Z',
    keep: ['old2'],
  },
  { name: 'empty list', snapshots: [], policy: { keepLast: 3 }, now: '2026-01-06T00:00:00Z', keep: [] },
];

describe('applyRetention', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = applyRetention(c.snapshots, c.policy, new Date(c.now));
      assert.equal(result.length, c.snapshots.length);
      assert.deepEqual(kept(result), [...c.keep]);
    });
  }

  it('returns decisions newest first with restic-style reasons', () => {
    const r = applyRetention(daysWithSeveral, { ...NO_FLOOR, keepDaily: 10, keepLast: 1 }, new Date('2026-01-06T00:00:00Z'));
    assert.deepEqual(
      r.map((d) => d.id),
      ['d5-a', 'd4-b', 'd4-a', 'd3-a', 'd2-b', 'd2-a', 'd1-b', 'd1-a'],
    );
    assert.deepEqual(r[0]?.reasons, [
      { key: 'policy.keep.last', params: { count: 1 } },
      { key: 'policy.keep.daily', params: { day: '2026-01-05' } },
      { key: 'policy.keep.newest', params: {} },
    ]);
    assert.deepEqual(keysOf(r, 'd1-a'), ['policy.keep.oldest']);
    assert.deepEqual(r.find((d) => d.id === 'd4-a')?.reasons, [{ key: 'policy.remove.superseded', params: { by: 'd4-b', byTime: '2026-01-04 20:00' } }]);
  });

  it('marks the snapshots the legal floor needs', () => {
    const r = applyRetention(series('2026-01-01T12:00:00Z', '2026-03-31T12:00:00Z', DAY), { keepDaily: 7, timeZone: 'UTC' }, new Date('2026-04-01T00:00:00Z'));
    const legal = r.filter((d) => d.legallyRequired).map((d) => d.id);
    assert.deepEqual(legal, ['2026-03-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-01-31T12:00:00.000Z']);
    assert.deepEqual(keysOf(r, '2026-02-28T12:00:00.000Z'), ['policy.keep.legalFloor']);
    assert.equal(kept(r).length, 7 + 2);
  });

  it('with a 20-year floor, three years of daily snapshots keep one per month (36)', () => {
    const snaps = series('2023-07-01T12:00:00Z', '2026-06-30T12:00:00Z', DAY);
    const r = applyRetention(snaps, {}, new Date('2026-06-30T13:00:00Z'));
    const keptIds = kept(r);
    assert.equal(keptIds.length, 36);
    for (const id of keptIds) {
      const p = localParts(new Date(id), 'America/Sao_Paulo');
      const nextDay = localParts(new Date(Date.parse(id) + DAY), 'America/Sao_Paulo');
      assert.notEqual(p.month, nextDay.month, `${id} is the last of its month`);
    }
  });

  it('never lets user rules break the legal floor (randomised)', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 60; round++) {
      const now = Date.parse('2026-06-15T00:00:00Z');
      const floor = 1 + Math.floor(rand() * 3);
      const snaps: SnapshotInfo[] = [];
      let t = now - Math.floor((floor + 1.5) * 365 * DAY * rand()) - DAY;
      for (let i = 0; t < now && i < 400; i++) {
        snaps.push(snap(`s${i}`, new Date(t).toISOString()));
        t += Math.floor(rand() * 20 * DAY) + HOUR;
      }
      const policy: RetentionPolicy = {
        keepLast: Math.floor(rand() * 3),
        keepDaily: Math.floor(rand() * 5),
        keepWeekly: Math.floor(rand() * 3),
        legalFloorYears: floor,
        timeZone: 'America/Sao_Paulo',
      };
      const r = applyRetention(snaps, policy, new Date(now));
      const nowLocal = localParts(new Date(now), 'America/Sao_Paulo');
      const startKey = (nowLocal.year - floor) * 12 + nowLocal.month - 1;
      const monthKey = (id: string): number => {
        const s = snaps.find((x) => x.id === id)!;
        const p = localParts(new Date(s.time), 'America/Sao_Paulo');
        return p.year * 12 + p.month - 1;
      };
      // For every month of the window that has snapshots, its newest snapshot is kept.
      const newestPerMonth = new Map<number, string>();
      for (const d of r) {
        const k = monthKey(d.id);
        if (k >= startKey && !newestPerMonth.has(k)) newestPerMonth.set(k, d.id);
      }
      for (const id of newestPerMonth.values()) assert.ok(r.find((d) => d.id === id)?.keep, `round ${round}: ${id}`);
      // The newest snapshot before the window is kept too.
      const anchor = r.find((d) => monthKey(d.id) < startKey);
      if (anchor) assert.ok(anchor.keep, `round ${round}: anchor ${anchor.id}`);
      if (r.length > 0) assert.ok(r[0]?.keep);
    }
  });

  it('rejects malformed input', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.throws(() => applyRetention([snap('a', 'yesterday')], {}, now), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => applyRetention([snap('a', '2026-01-01T00:00:00Z'), snap('a', '2026-01-02T00:00:00Z')], {}, now), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => applyRetention([], { keepDaily: 1.5 }, now), { code: 'INVALID_SETTINGS' });
  });
});

describe('validateRetentionPolicy', () => {
  it('fills defaults (20-year floor, São Paulo)', () => {
    const p = validateRetentionPolicy({ keepDaily: 7 });
    assert.equal(p.legalFloorYears, 20);
    assert.equal(p.timeZone, 'America/Sao_Paulo');
    assert.equal(p.keepDaily, 7);
    assert.equal(validateRetentionPolicy({}, 25).legalFloorYears, 25);
  });

  const floorCases: [RetentionPolicy, number][] = [
    [{ legalFloorYears: 0 }, 20],
    [{ legalFloorYears: 19, keepDaily: 30 }, 20],
    [{ legalFloorYears: 20 }, 25],
  ];
  for (const [policy, minimum] of floorCases) {
    it(`refuses legalFloorYears ${policy.legalFloorYears} below the minimum ${minimum}`, () => {
      assert.throws(
        () => validateRetentionPolicy(policy, minimum),
        (err: unknown) =>
          err instanceof FieldValidationError &&
          err.code === 'RETENTION_LEGAL_FLOOR' &&
          err.details['years'] === minimum &&
          err.details['configured'] === policy.legalFloorYears &&
          err.details['field'] === 'legalFloorYears' &&
          err.fieldErrors.some((e) => e.key === 'policy.retention.belowLegalFloor'),
      );
    });
  }

  it('accepts a floor at or above the minimum', () => {
    assert.equal(validateRetentionPolicy({ legalFloorYears: 20 }).legalFloorYears, 20);
    assert.equal(validateRetentionPolicy({ legalFloorYears: 30 }).legalFloorYears, 30);
  });

  it('lists every bad field, with text in both languages', () => {
    const bad = { keepDaily: -2, keepWithin: '3x', timeZone: 'Nope/Nowhere', keepDayly: 7, keepTags: [''] };
    try {
      validateRetentionPolicy(bad);
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof FieldValidationError);
      assert.equal(err.code, 'INVALID_SETTINGS');
      assert.deepEqual(
        err.fieldErrors.map((e) => e.field),
        ['keepDayly', 'keepDaily', 'keepWithin', 'keepTags', 'timeZone'],
      );
      assert.equal(err.details['reason'], 'keepDayly, keepDaily, keepWithin, keepTags, timeZone');
      const en = describeFieldErrors(err.fieldErrors, 'en');
      const pt = describeFieldErrors(err.fieldErrors, 'pt-BR');
      assert.match(en[2] ?? '', /^keepWithin: "3x" is not a duration/);
      assert.match(pt[2] ?? '', /^keepWithin: "3x" não é uma duração/);
      for (const line of [...en, ...pt]) assert.doesNotMatch(line, /policy\./);
    }
  });

  it('reports the legal floor together with other problems', () => {
    assert.throws(
      () => validateRetentionPolicy({ legalFloorYears: 0, keepLast: 'x' }),
      (err: unknown) => err instanceof FieldValidationError && err.code === 'RETENTION_LEGAL_FLOOR' && err.fieldErrors.length === 2,
    );
  });

  it('parses restic-style durations', () => {
    assert.deepEqual(parseRetentionDuration('1y6m2w3d4h'), { years: 1, months: 6, weeks: 2, days: 3, hours: 4 });
    assert.deepEqual(parseRetentionDuration('48h'), { years: 0, months: 0, weeks: 0, days: 0, hours: 48 });
    for (const bad of ['', '1', 'd', '1d1d', '1.5d', '-1d', '1s']) assert.equal(parseRetentionDuration(bad), null, bad);
  });
});

describe('assertForgetAllowed', () => {
  const snaps = [snap('jan', '2026-01-28T12:00:00Z'), snap('feb-a', '2026-02-10T12:00:00Z'), snap('feb-b', '2026-02-20T12:00:00Z')];
  const now = new Date('2026-02-21T00:00:00Z');

  it('refuses to forget a snapshot the legal floor needs', () => {
    assert.throws(
      () => assertForgetAllowed(snaps, ['jan', 'feb-a'], { timeZone: 'UTC' }, now),
      (err: unknown) => isEngineError(err, 'RETENTION_LEGAL_FLOOR') && err.details['years'] === 20 && JSON.stringify(err.details['snapshots']) === '["jan"]',
    );
  });

  it('allows forgetting one the floor does not need', () => {
    assert.doesNotThrow(() => assertForgetAllowed(snaps, ['feb-a'], { timeZone: 'UTC' }, now));
  });
});

describe('explainForget', () => {
  const id = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';
  const snaps = [snap(id, '2026-11-21T02:45:00Z'), snap('0f0f0f0f0f0f0f0f0f', '2026-11-20T15:00:00Z'), snap('older', '2026-11-19T15:00:00Z')];
  const decisions = applyRetention(snaps, { keepDaily: 2, legalFloorYears: 0 }, new Date('2026-11-21T03:00:00Z'));

  it('explains in English', () => {
    assert.deepEqual(explainForget(decisions, 'en'), [
      'keep 1a2b3c4d (2026-11-20 23:45): last daily of 2026-11-20; the newest snapshot',
      'remove 0f0f0f0f (2026-11-20 12:00): superseded by 1a2b3c4d (2026-11-20 23:45)',
      'keep older (2026-11-19 12:00): last daily of 2026-11-19',
    ]);
  });

  it('explains in Portuguese', () => {
    assert.deepEqual(explainForget(decisions, 'pt-BR'), [
      'manter 1a2b3c4d (2026-11-20 23:45): última do dia 2026-11-20; o ponto de restauração mais recente',
      'remover 0f0f0f0f (2026-11-20 12:00): substituída por 1a2b3c4d (2026-11-20 23:45)',
      'manter older (2026-11-19 12:00): última do dia 2026-11-19',
    ]);
  });

  it('has text for every reason in every locale', () => {
    const all = applyRetention(
      [...series('2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 11 * DAY), snap('tagged', '2023-01-01T00:00:00Z', ['keep'])],
      { keepLast: 2, keepHourly: 2, keepDaily: 2, keepWeekly: 2, keepMonthly: 2, keepYearly: 9, keepWithin: '30d', keepTags: ['keep'], legalFloorYears: 1 },
      new Date('2026-01-02T00:00:00Z'),
    );
    const keys = new Set(all.flatMap((d) => d.reasons.map((r) => r.key)));
    assert.ok(keys.size >= 10, [...keys].join());
    for (const locale of ['en', 'pt-BR'] as const) for (const line of explainForget(all, locale)) assert.doesNotMatch(line, /policy\.|\{/);
  });
});
