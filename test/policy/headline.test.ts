/**
 * The headline rule: ok only when every tile is met, no alert is active and the score is good; each unmet point
 * carries its one action; problems come first; a condition reported by an alert is listed once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GOOD_SCORE, headlineOf, type HeadlineFacts } from '../../src/policy/headline.js';
import { hasMessage } from '../../src/i18n/index.js';

const NOW = new Date('2026-03-10T15:00:00Z');
const HEALTHY: HeadlineFacts = {
  now: NOW,
  rpoMs: 24 * 3600_000,
  lastBackup: { status: 'success', failedSide: null, errorCode: null },
  lastSuccessAt: '2026-03-10T14:45:00Z',
  lastCheckStatus: 'success',
  kitConfirmed: true,
  drill: { overdue: false, lastAt: '2026-03-01T12:00:00Z' },
  alerts: [],
  copiesMissing: [],
  usbOverdue: [],
  schedulerRunning: true,
  kpis: { backupSuccessRate: 1, validationRate: 1, recoveryTestSuccessRate: 1, healthScore: 94 },
};

describe('headline rule', () => {
  it('is ok only when nothing is unmet', () => {
    const h = headlineOf(HEALTHY, 'pt-BR');
    assert.deepEqual(h, { level: 'ok', points: [] });
  });

  it('a tile not met is attention, with the action that fixes it', () => {
    const h = headlineOf({ ...HEALTHY, copiesMissing: [{ rule: 'offsite', text: 'Falta 1 cópia fora da clínica.' }] }, 'pt-BR');
    assert.equal(h.level, 'attention');
    assert.deepEqual(h.points, [{ id: 'copies:offsite', level: 'attention', text: 'Falta 1 cópia fora da clínica.', action: 'add-offsite' }]);
  });

  it('a failed backup is a problem that names the side that failed, in plain words, without the code', () => {
    const source = headlineOf({ ...HEALTHY, lastBackup: { status: 'failed', failedSide: 'source', errorCode: 'SOURCE_UNREACHABLE' } }, 'pt-BR');
    assert.equal(source.level, 'problem');
    assert.equal(source.points[0]?.action, 'backup-now');
    assert.match(source.points[0]?.text ?? '', /servidor da clínica/);
    assert.doesNotMatch(source.points[0]?.text ?? '', /SOURCE_/);
    const dest = headlineOf({ ...HEALTHY, lastBackup: { status: 'failed', failedSide: 'destination', errorCode: 'DEST_OFFLINE' } }, 'pt-BR');
    assert.equal(dest.points[0]?.action, 'see-destinations');
    assert.match(dest.points[0]?.text ?? '', /onde as cópias ficam guardadas/);
  });

  it('a partial backup is a problem (red), never ok, even with a recent last success; with its alert open the point names what is missing', () => {
    const alert = { key: 'partial:primary', rule: 'partial', severity: 'high' as const, message: 'O backup NÃO copiou tudo (Observation-1.ndjson).' };
    for (const alerts of [[], [alert]]) {
      const h = headlineOf({ ...HEALTHY, lastBackup: { status: 'partial', failedSide: null, errorCode: null }, alerts }, 'pt-BR');
      assert.equal(h.level, 'problem');
      assert.deepEqual(
        h.points.map((p) => [p.id, p.level, p.action]),
        [['backup-partial', 'problem', 'backup-now']],
      );
      // With its alert open, the point names what is missing (the alert's words); without, the short reason.
      assert.equal(h.points[0]?.text, alerts.length > 0 ? alert.message : 'O último backup ficou incompleto: parte dos dados não foi copiada.');
    }
  });

  it('an alert is listed once (not also as the condition it reports) and its severity sets the level', () => {
    const alert = { key: 'stale:repo', rule: 'stale', severity: 'high' as const, message: 'Sem backup há 30 h.' };
    const h = headlineOf({ ...HEALTHY, lastSuccessAt: '2026-03-09T09:00:00Z', alerts: [alert] }, 'pt-BR');
    assert.equal(h.level, 'problem');
    assert.deepEqual(h.points, [{ id: 'alert:stale:repo', level: 'problem', text: 'Sem backup há 30 h.', action: 'backup-now' }]);
    const medium = headlineOf({ ...HEALTHY, alerts: [{ ...alert, rule: 'disk', severity: 'medium' }] }, 'pt-BR');
    assert.equal(medium.level, 'attention');
    assert.equal(medium.points[0]?.action, 'see-destinations');
  });

  it('a failed backup stays a problem worded by its side even when its alert is only medium', () => {
    const alert = { key: 'failed:repo', rule: 'failed', severity: 'medium' as const, message: 'O backup falhou (SOURCE_AUTH).' };
    const h = headlineOf({ ...HEALTHY, lastBackup: { status: 'failed', failedSide: 'source', errorCode: 'SOURCE_AUTH' }, alerts: [alert] }, 'pt-BR');
    assert.equal(h.level, 'problem');
    assert.deepEqual(
      h.points.map((p) => p.id),
      ['backup-failed'],
    );
  });

  it('problems come before points that only need attention', () => {
    const h = headlineOf({ ...HEALTHY, kitConfirmed: false, lastCheckStatus: 'failed' }, 'pt-BR');
    assert.deepEqual(
      h.points.map((p) => [p.id, p.level, p.action]),
      [
        ['integrity', 'problem', 'check-now'],
        ['kit', 'attention', 'confirm-kit'],
      ],
    );
  });

  it('a new clinic: never backed up, never checked, no drill, scheduler stopped — each with its action', () => {
    const h = headlineOf(
      {
        ...HEALTHY,
        lastBackup: null,
        lastSuccessAt: null,
        lastCheckStatus: null,
        drill: { overdue: false, lastAt: null },
        schedulerRunning: false,
        kpis: { backupSuccessRate: null, validationRate: null, recoveryTestSuccessRate: null, healthScore: 0 },
      },
      'pt-BR',
    );
    assert.equal(h.level, 'attention');
    assert.deepEqual(
      h.points.map((p) => p.action),
      ['backup-now', 'run-drill', 'start-scheduler'],
    );
  });

  it('never shows ok next to a score below good: the weakest part of the score is named', () => {
    const h = headlineOf({ ...HEALTHY, kpis: { backupSuccessRate: 0.5, validationRate: 1, recoveryTestSuccessRate: 1, healthScore: GOOD_SCORE - 1 } }, 'pt-BR');
    assert.equal(h.level, 'attention');
    assert.deepEqual(
      h.points.map((p) => [p.id, p.action]),
      [['score', 'backup-now']],
    );
    assert.match(h.points[0]?.text ?? '', /79 de 100/);
  });

  it('every text it can write exists in the catalogue', () => {
    for (const key of [
      'status.reason.failed.source',
      'status.reason.failed.destination',
      'status.reason.failed.unknown',
      'status.reason.partialShort',
      'status.reason.drillNever',
      'status.reason.neverChecked',
      'status.reason.score',
    ]) {
      assert.ok(hasMessage(key), key);
    }
  });
});
