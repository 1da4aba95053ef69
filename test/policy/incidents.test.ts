import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anpdDeadline, businessDaysLeft, incidentClock } from '../../src/policy/incidents.js';

const SP = 'America/Sao_Paulo';

describe('the ANPD 3-business-day clock (LGPD incident register)', () => {
  it('a Friday afternoon discovery: Monday, Tuesday and Wednesday count; the deadline is the end of Wednesday', () => {
    // Friday 2026-03-13 15:00 in São Paulo (UTC-3).
    assert.equal(anpdDeadline(new Date('2026-03-13T18:00:00Z'), SP).toISOString(), '2026-03-19T02:59:59.999Z');
  });

  it('a Monday discovery: the deadline is the end of Thursday', () => {
    assert.equal(anpdDeadline(new Date('2026-03-16T13:00:00Z'), SP).toISOString(), '2026-03-20T02:59:59.999Z');
  });

  it('counts the days left while the ANPD has not been told, and says when it is late', () => {
    const friday = { discoveredAt: '2026-03-13T18:00:00Z', anpdNotifiedAt: null };
    assert.deepEqual(incidentClock(friday, new Date('2026-03-16T12:00:00Z'), SP), { anpdDeadline: '2026-03-19T02:59:59.999Z', anpdOverdue: false, anpdBusinessDaysLeft: 2 });
    assert.equal(incidentClock(friday, new Date('2026-03-18T23:00:00Z'), SP).anpdBusinessDaysLeft, 0, 'Wednesday 20:00: the last day');
    assert.deepEqual(incidentClock(friday, new Date('2026-03-19T13:00:00Z'), SP), { anpdDeadline: '2026-03-19T02:59:59.999Z', anpdOverdue: true, anpdBusinessDaysLeft: -1 });
    assert.equal(businessDaysLeft(new Date('2026-03-19T02:59:59.999Z'), new Date('2026-03-14T12:00:00Z'), SP), 3, 'on the Saturday after: 3 business days ahead');
  });

  it('stops once the ANPD was told', () => {
    assert.deepEqual(incidentClock({ discoveredAt: '2026-03-13T18:00:00Z', anpdNotifiedAt: '2026-03-17T12:00:00Z' }, new Date('2026-04-01T12:00:00Z'), SP), {
      anpdDeadline: '2026-03-19T02:59:59.999Z',
      anpdOverdue: false,
      anpdBusinessDaysLeft: null,
    });
  });
});
