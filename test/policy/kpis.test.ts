import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actualRpoMs, backupHealthScore, compressionRate, KPI_TARGETS, withinObjective } from '../../src/policy/kpis.js';

describe('SOP-019 §7 KPIs', () => {
  it('computes compression as the share of bytes saved', () => {
    assert.equal(compressionRate(1000, 300), 0.7);
    assert.equal(compressionRate(0, 0), 0);
    assert.equal(compressionRate(100, 150), 0);
    assert.ok(compressionRate(1000, 300) > KPI_TARGETS.compressionRate);
  });

  it('computes the RPO actually achieved', () => {
    assert.equal(actualRpoMs(new Date('2026-01-01T10:00:00Z'), new Date('2026-01-01T10:20:00Z')), 20 * 60_000);
    assert.equal(actualRpoMs(null, new Date()), null);
    assert.equal(actualRpoMs(new Date('2026-01-01T10:00:00Z'), new Date('2026-01-01T09:00:00Z')), 0);
  });

  it('checks objectives with their tolerance', () => {
    assert.equal(withinObjective(15.7, 15, KPI_TARGETS.rpoTolerance), true);
    assert.equal(withinObjective(15.8, 15, KPI_TARGETS.rpoTolerance), false);
    assert.equal(withinObjective(66, 60, KPI_TARGETS.rtoTolerance), true);
  });

  it('computes the health score of §7.3', () => {
    assert.equal(backupHealthScore({ backupSuccessRate: 1, compressionRate: 1, validationRate: 1, recoveryTestSuccessRate: 1 }), 100);
    assert.equal(backupHealthScore({ backupSuccessRate: 0.99, compressionRate: 0.6, validationRate: 1, recoveryTestSuccessRate: 1 }), 91.7);
    assert.equal(backupHealthScore({ backupSuccessRate: Number.NaN, compressionRate: 2, validationRate: -1, recoveryTestSuccessRate: 0 }), 20);
  });
});
