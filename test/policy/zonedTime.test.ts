import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, daysInMonth, isoWeek, isValidTimeZone, localParts, localToInstant, zoneOffsetMs } from '../../src/policy/zonedTime.js';

describe('zonedTime', () => {
  const table: [string, [number, number, number, number, number], string][] = [
    ['UTC', [2026, 1, 1, 0, 0], '2026-01-01T00:00:00.000Z'],
    ['America/Sao_Paulo', [2026, 7, 1, 9, 0], '2026-07-01T12:00:00.000Z'],
    ['America/Sao_Paulo', [2018, 11, 4, 0, 30], '2018-11-04T03:00:00.000Z'], // gap at midnight → 01:00 -02
    ['America/New_York', [2026, 3, 8, 2, 30], '2026-03-08T07:00:00.000Z'], // gap → 03:00 EDT
    ['America/New_York', [2026, 11, 1, 1, 30], '2026-11-01T05:30:00.000Z'], // overlap → first (EDT)
    ['Europe/Lisbon', [2026, 3, 29, 1, 0], '2026-03-29T01:00:00.000Z'], // the gap's first minute
    ['Europe/Lisbon', [2026, 10, 25, 1, 59], '2026-10-25T00:59:00.000Z'],
    ['Asia/Kolkata', [2026, 1, 1, 5, 30], '2026-01-01T00:00:00.000Z'], // half-hour offset
    ['Pacific/Apia', [2011, 12, 30, 12, 0], '2011-12-30T10:00:00.000Z'], // a skipped day → the first instant after it
  ];
  for (const [zone, [y, m, d, h, min], expected] of table) {
    it(`${zone} ${y}-${m}-${d} ${h}:${min}`, () => {
      assert.equal(localToInstant({ year: y, month: m, day: d }, h, min, zone).toISOString(), expected);
    });
  }

  it('reads offsets and local parts', () => {
    assert.equal(zoneOffsetMs(new Date('2026-07-01T12:00:00Z'), 'America/Sao_Paulo'), -3 * 3_600_000);
    assert.equal(zoneOffsetMs(new Date('2026-07-01T12:00:00Z'), 'Europe/Lisbon'), 3_600_000);
    assert.deepEqual(localParts(new Date('2026-03-01T02:59:00Z'), 'America/Sao_Paulo'), { year: 2026, month: 2, day: 28, hour: 23, minute: 59, second: 0, weekday: 6 });
  });

  it('does calendar arithmetic', () => {
    assert.deepEqual(addDays({ year: 2026, month: 2, day: 28 }, 1), { year: 2026, month: 3, day: 1 });
    assert.deepEqual(addDays({ year: 2028, month: 2, day: 28 }, 1), { year: 2028, month: 2, day: 29 });
    assert.deepEqual(addDays({ year: 2026, month: 12, day: 31 }, 1), { year: 2027, month: 1, day: 1 });
    assert.deepEqual(addDays({ year: 2026, month: 1, day: 1 }, -1), { year: 2025, month: 12, day: 31 });
    assert.deepEqual([daysInMonth(2026, 2), daysInMonth(2028, 2), daysInMonth(2100, 2), daysInMonth(2000, 2), daysInMonth(2026, 4)], [28, 29, 28, 29, 30]);
    assert.deepEqual(isoWeek({ year: 2027, month: 1, day: 3 }), { year: 2026, week: 53 });
    assert.deepEqual(isoWeek({ year: 2027, month: 1, day: 4 }), { year: 2027, week: 1 });
    assert.deepEqual(isoWeek({ year: 2024, month: 12, day: 30 }), { year: 2025, week: 1 });
  });

  it('knows valid zone names', () => {
    assert.equal(isValidTimeZone('America/Sao_Paulo'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.equal(isValidTimeZone(''), false);
    assert.equal(isValidTimeZone(3), false);
  });
});
