/**
 * SOP-019 §7's indicators from a hand-written catalog history (a real SQLite catalog), each figure worked out by hand
 * below and in docs/indicators.md. "Now" is 2026-03-31 00:00 UTC; the 30-day window starts 2026-03-01 00:00.
 *
 * Backups (start → end, status)             Checks                          Drills (12 months)
 *  B0 02-28 12:00 → 12:10 success (before)   C1 03-02 01:00 → 01:30 success   D0 2025-02-01 success (too old)
 *  B1 03-01 00:00 → 00:10 success            C2 03-09 01:00 → 01:30 failed    D1 2025-10-01 success, 50 min
 *  B2 03-02 00:00 → 00:20 success            C3 03-20 01:00 → 02:00 failed    D2 2026-01-05 failed
 *  B3 03-03 00:00 → 00:05 failed             C4 03-30 13:00 running           D3 2026-02-05 partial
 *  B4 03-03 06:00 → 06:30 partial                                             D4 2026-03-05 success, 64 min
 *  B5 03-03 12:00 → 12:30 success
 *  B6 03-10 00:00 → 00:10 interrupted
 *  B7 03-10 02:00 → 02:20 success
 *  B8 03-30 12:00 → 12:05 failed (still failing now)
 *  B9 03-30 18:00 running (not counted)
 * Cloud copy holds the snapshots of 03-29 12:00 and 03-30 12:00. Latest snapshot 1000 bytes, 300 stored.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Catalog } from '../../src/catalog/catalog.js';
import { indicatorsFromCatalog, indicatorViews } from '../../src/engine/indicators.js';
import { findIndicator, type Indicator, type IndicatorId } from '../../src/policy/indicators.js';
import { tempDir } from '../support/tmp.js';

const NOW = new Date('2026-03-31T00:00:00.000Z');
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const CLOUD = 's3:clinic-bucket/backups';

let list: Indicator[];
const get = (id: IndicatorId, subject: string | null = null): Indicator => {
  const i = findIndicator(list, id, subject);
  assert.ok(i, id);
  return i;
};

describe('SOP-019 §7 indicators from a hand-computed catalog history', () => {
  before(async () => {
    const catalog = Catalog.open(path.join(await tempDir('cb-indicators-'), 'catalog.db')).catalog;
    const run = (kind: string, start: string, end: string | null, status: 'success' | 'partial' | 'failed' | 'interrupted' | 'running'): void => {
      const id = catalog.startRun({ kind, startedAt: new Date(start) });
      if (status !== 'running' && end !== null) catalog.finishRun(id, { status, endedAt: new Date(end) });
    };
    run('backup', '2026-02-28T12:00:00Z', '2026-02-28T12:10:00Z', 'success');
    run('backup', '2026-03-01T00:00:00Z', '2026-03-01T00:10:00Z', 'success');
    run('backup', '2026-03-02T00:00:00Z', '2026-03-02T00:20:00Z', 'success');
    run('backup', '2026-03-03T00:00:00Z', '2026-03-03T00:05:00Z', 'failed');
    run('backup', '2026-03-03T06:00:00Z', '2026-03-03T06:30:00Z', 'partial');
    run('backup', '2026-03-03T12:00:00Z', '2026-03-03T12:30:00Z', 'success');
    run('backup', '2026-03-10T00:00:00Z', '2026-03-10T00:10:00Z', 'interrupted');
    run('backup', '2026-03-10T02:00:00Z', '2026-03-10T02:20:00Z', 'success');
    run('backup', '2026-03-30T12:00:00Z', '2026-03-30T12:05:00Z', 'failed');
    run('backup', '2026-03-30T18:00:00Z', null, 'running');
    run('check', '2026-03-02T01:00:00Z', '2026-03-02T01:30:00Z', 'success');
    run('check', '2026-03-09T01:00:00Z', '2026-03-09T01:30:00Z', 'failed');
    run('check', '2026-03-20T01:00:00Z', '2026-03-20T02:00:00Z', 'failed');
    run('check', '2026-03-30T13:00:00Z', null, 'running');
    const drill = (start: string, status: 'success' | 'partial' | 'failed', recoveryTimeMs: number | null): void => {
      const id = catalog.startDrill({ snapshotId: null, startedAt: new Date(start) });
      catalog.finishDrill(id, { status, endedAt: new Date(Date.parse(start) + (recoveryTimeMs ?? 10 * MIN)), recoveryTimeMs });
    };
    drill('2025-02-01T03:00:00Z', 'success', 20 * MIN);
    drill('2025-10-01T03:00:00Z', 'success', 50 * MIN);
    drill('2026-01-05T03:00:00Z', 'failed', null);
    drill('2026-02-05T03:00:00Z', 'partial', 30 * MIN);
    drill('2026-03-05T03:00:00Z', 'success', 64 * MIN);
    for (const [id, time, destinations] of [
      ['a', '2026-03-28T12:00:00.000Z', []],
      ['b', '2026-03-29T12:00:00.000Z', [CLOUD]],
      ['c', '2026-03-30T12:00:00.000Z', [CLOUD]],
    ] as const) {
      catalog.upsertSnapshot({ id: id.repeat(64), time, parent: null, source: 'fhir', counts: {}, destinations: [...destinations] });
    }
    list = indicatorsFromCatalog({ catalog, now: NOW, copies: [{ location: CLOUD, kind: 's3' }], latestBytes: 1000, storedBytes: 300, localRpoMs: DAY });
    catalog.close();
  });

  it('backup success rate: 4 successes of 8 finished runs in the window (partial, failed and interrupted are failures) = 50 %', () => {
    const i = get('backupSuccessRate');
    assert.equal(i.value, 0.5);
    assert.equal(i.target, 0.99);
    assert.equal(i.met, false);
  });

  it('validation rate: of the 4 successful backups ended before the last check (03-20), C1 validated B1 and B2 = 50 %', () => {
    assert.equal(get('validationRate').value, 0.5);
    assert.equal(get('validationRate').met, false);
  });

  it('mean backup duration: (10 + 20 + 30 + 20) / 4 = 20 min, within the 30-minute target', () => {
    const i = get('meanBackupDuration');
    assert.equal(i.value, 20 * MIN);
    assert.equal(i.met, true);
  });

  it('compression: (1000 − 300) / 1000 = 70 %', () => {
    assert.equal(get('compressionRate').value, 0.7);
    assert.equal(get('compressionRate').met, true);
  });

  it('recovery (drill) success rate: D1 and D4 of D1-D4 (the partial D3 is a failure; D0 is older than 12 months) = 50 %', () => {
    assert.equal(get('recoverySuccessRate').value, 0.5);
    assert.equal(get('recoverySuccessRate').met, false);
  });

  it('RPO achieved, local tier: the longest gap between successful backups is the open one, 03-10 02:00 → now = 502 h, over 24 h', () => {
    const i = get('rpo', 'local');
    assert.equal(i.value, 502 * H);
    assert.equal(i.target, DAY);
    assert.equal(i.tolerance, 0.05);
    assert.equal(i.met, false);
  });

  it('RPO achieved, cloud tier: 03-29 12:00 → 03-30 12:00 = 24 h, within 24 h ±5 %', () => {
    const i = get('rpo', 'cloud');
    assert.equal(i.value, DAY);
    assert.equal(i.met, true);
  });

  it('RTO achieved: the last successful drill (D4) took 64 min; objective 1 h ±10 % = 66 min → met', () => {
    const i = get('rto');
    assert.equal(i.value, 64 * MIN);
    assert.equal(i.target, H);
    assert.equal(i.met, true);
  });

  it('MTTR: outages 03-03 00:05 → 12:30 (12 h 25 min) and 03-10 00:10 → 02:20 (2 h 10 min) were repaired: mean 7 h 17.5 min', () => {
    const i = get('mttr');
    assert.equal(i.value, (12 * H + 25 * MIN + 2 * H + 10 * MIN) / 2);
    assert.equal(i.met, false);
  });

  it('availability: 30 days minus 12 h 25 min, 2 h 10 min and the open outage 03-30 12:05 → now (11 h 55 min)', () => {
    const down = 12 * H + 25 * MIN + 2 * H + 10 * MIN + 11 * H + 55 * MIN;
    assert.equal(get('availability').value, (30 * DAY - down) / (30 * DAY));
    assert.ok(Math.abs((get('availability').value ?? 0) - 0.963194) < 1e-6);
  });

  it('MTBF: the up time divided by the 3 outages that began in the window', () => {
    const down = 12 * H + 25 * MIN + 2 * H + 10 * MIN + 11 * H + 55 * MIN;
    assert.equal(get('mtbf').value, (30 * DAY - down) / 3);
  });

  it('health score: (0.5·0.3 + 0.7·0.2 + 0.5·0.3 + 0.5·0.2) × 100 = 54', () => {
    assert.equal(get('healthScore').value, 54);
  });

  it("is shown in the reader's words, with its target", () => {
    const views = indicatorViews(list, 'pt-BR');
    const rate = views.find((v) => v.id === 'backupSuccessRate');
    assert.equal(rate?.valueText, '50 %');
    assert.equal(rate?.targetText, 'meta: pelo menos 99 %');
    const rpo = views.find((v) => v.id === 'rpo' && v.subject === 'cloud');
    assert.match(rpo?.label ?? '', /nuvem/);
    assert.equal(rpo?.targetText, 'meta: até 24 horas (±5 %)');
  });
});

describe('indicators with no history', () => {
  it('say "no data" rather than a figure, and a partial backup alone is a failure', async () => {
    const catalog = Catalog.open(path.join(await tempDir('cb-indicators-'), 'catalog.db')).catalog;
    let views = indicatorViews(indicatorsFromCatalog({ catalog, now: NOW, copies: [], latestBytes: 0, storedBytes: 0, localRpoMs: DAY }), 'en');
    assert.deepEqual(
      views.filter((v) => v.value === null).map((v) => v.id),
      ['backupSuccessRate', 'validationRate', 'meanBackupDuration', 'compressionRate', 'recoverySuccessRate', 'rpo', 'rto', 'mttr', 'availability', 'mtbf'],
    );
    const id = catalog.startRun({ kind: 'backup', startedAt: new Date(NOW.getTime() - H) });
    catalog.finishRun(id, { status: 'partial', endedAt: new Date(NOW.getTime() - 30 * MIN) });
    list = indicatorsFromCatalog({ catalog, now: NOW, copies: [], latestBytes: 0, storedBytes: 0, localRpoMs: DAY });
    views = indicatorViews(list, 'en');
    assert.equal(get('backupSuccessRate').value, 0);
    assert.equal(get('rpo', 'local').value, null, 'a partial backup is no recovery point');
    assert.equal(get('availability').value, 0.5, 'down since the partial run ended, 30 of the 60 minutes since the first backup');
    catalog.close();
  });
});
