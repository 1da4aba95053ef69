// Table tests of the pure alert rules: each case is a state, a time and the expected candidates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coversAlert, evaluateAlerts, parseAlertKey, type AlertCandidate, type AlertState } from '../../src/alerts/rules.js';
import { isEngineError } from '../../src/shared/errors.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

type Expect = Pick<AlertCandidate, 'key' | 'severity' | 'messageKey'> & { params?: AlertCandidate['params'] };

interface Case {
  readonly name: string;
  readonly state: AlertState;
  readonly expect: readonly Expect[];
}

const CASES: readonly Case[] = [
  { name: 'empty state raises nothing', state: {}, expect: [] },
  {
    name: 'backup 23 h old, RPO 24 h: fine',
    state: { destinations: [{ id: 'nas', label: 'NAS', lastSuccessAt: ago(23 * H) }] },
    expect: [],
  },
  {
    name: 'backup exactly at the RPO: still fine (older than, not equal)',
    state: { destinations: [{ id: 'nas', lastSuccessAt: ago(24 * H) }] },
    expect: [],
  },
  {
    name: 'backup 30 h old, default RPO 24 h: stale, high',
    state: { destinations: [{ id: 'nas', label: 'NAS', lastSuccessAt: ago(30 * H) }] },
    expect: [
      {
        key: 'stale:nas',
        severity: 'high',
        messageKey: 'alerts.stale.message',
        params: { destination: 'NAS', lastSuccessAt: ago(30 * H), ageMinutes: 30 * 60, rpoMinutes: 1440 },
      },
    ],
  },
  {
    name: 'custom RPO of 15 min (local tier): 20 min old is stale',
    state: { destinations: [{ id: 'usb', lastSuccessAt: ago(20 * 60_000), rpoMinutes: 15 }] },
    expect: [{ key: 'stale:usb', severity: 'high', messageKey: 'alerts.stale.message' }],
  },
  {
    name: 'never backed up, no set-up time: stale at once',
    state: { destinations: [{ id: 'nas', lastSuccessAt: null }] },
    expect: [{ key: 'stale:nas', severity: 'high', messageKey: 'alerts.stale.never', params: { destination: 'nas', rpoMinutes: 1440, sinceAt: null } }],
  },
  {
    name: 'never backed up but set up 2 h ago: grace until the RPO',
    state: { since: ago(2 * H), destinations: [{ id: 'nas', lastSuccessAt: null }] },
    expect: [],
  },
  {
    name: 'never backed up since set-up 2 days ago: stale',
    state: { since: ago(2 * D), destinations: [{ id: 'nas', lastSuccessAt: null }] },
    expect: [{ key: 'stale:nas', severity: 'high', messageKey: 'alerts.stale.never' }],
  },
  {
    name: 'last run failed, last success recent: failed, medium',
    state: { destinations: [{ id: 'nas', lastSuccessAt: ago(2 * H), lastRun: { status: 'failed', at: ago(H), errorCode: 'DEST_OFFLINE', consecutiveFailures: 3 } }] },
    expect: [{ key: 'failed:nas', severity: 'medium', messageKey: 'alerts.failed.message', params: { destination: 'nas', failedAt: ago(H), errorCode: 'DEST_OFFLINE', failures: 3 } }],
  },
  {
    name: 'last run succeeded: no failed alert',
    state: { destinations: [{ id: 'nas', lastRun: { status: 'success', at: ago(H) } }] },
    expect: [],
  },
  {
    name: 'integrity failure: critical',
    state: { destinations: [{ id: 'nas', integrity: { ok: false, checkedAt: ago(H), errorCode: 'PACK_CORRUPT', problems: 2 } }] },
    expect: [{ key: 'integrity:nas', severity: 'critical', messageKey: 'alerts.integrity.message', params: { destination: 'nas', checkedAt: ago(H), errorCode: 'PACK_CORRUPT', problems: 2 } }],
  },
  { name: 'integrity ok: nothing', state: { destinations: [{ id: 'nas', integrity: { ok: true, checkedAt: ago(H) } }] }, expect: [] },
  { name: 'disk 80 % used: not above the limit', state: { destinations: [{ id: 'nas', capacity: { totalBytes: 1000, freeBytes: 200 } }] }, expect: [] },
  {
    name: 'disk 85 % used: medium',
    state: { destinations: [{ id: 'nas', capacity: { totalBytes: 1000, freeBytes: 150 } }] },
    expect: [{ key: 'disk:nas', severity: 'medium', messageKey: 'alerts.disk.message', params: { destination: 'nas', usedPercent: 85, freeBytes: 150, totalBytes: 1000, limitPercent: 80 } }],
  },
  {
    name: 'disk 97 % used: high',
    state: { destinations: [{ id: 'nas', capacity: { totalBytes: 1000, freeBytes: 30 } }] },
    expect: [{ key: 'disk:nas', severity: 'high', messageKey: 'alerts.disk.message' }],
  },
  { name: 'disk unknown (S3): nothing', state: { destinations: [{ id: 's3', capacity: null }] }, expect: [] },
  {
    name: 'offsite behind by 30 h while the source has newer data: high',
    state: { destinations: [{ id: 's3', label: 'Nuvem', offsite: { newestCopiedAt: ago(30 * H), newestSourceAt: ago(H) } }] },
    expect: [{ key: 'offsite:s3', severity: 'high', messageKey: 'alerts.offsite.message', params: { destination: 'Nuvem', newestCopiedAt: ago(30 * H), lagMinutes: 30 * 60, rpoMinutes: 1440 } }],
  },
  {
    name: 'offsite holds the newest source snapshot: not behind (however old)',
    state: { destinations: [{ id: 's3', offsite: { newestCopiedAt: ago(40 * H), newestSourceAt: ago(40 * H) } }] },
    expect: [],
  },
  {
    name: 'offsite with an hourly RPO, 90 min behind: high',
    state: { destinations: [{ id: 's3', offsite: { newestCopiedAt: ago(90 * 60_000), newestSourceAt: ago(5 * 60_000), rpoMinutes: 60 } }] },
    expect: [{ key: 'offsite:s3', severity: 'high', messageKey: 'alerts.offsite.message' }],
  },
  {
    name: 'offsite never copied, first source snapshot 2 days ago: high',
    state: { destinations: [{ id: 's3', offsite: { newestCopiedAt: null, newestSourceAt: ago(2 * D) } }] },
    expect: [{ key: 'offsite:s3', severity: 'high', messageKey: 'alerts.offsite.never' }],
  },
  {
    name: 'offsite never copied, nothing at the source either: nothing to copy',
    state: { destinations: [{ id: 's3', offsite: { newestCopiedAt: null, newestSourceAt: null } }] },
    expect: [],
  },
  { name: 'drill 20 days ago, monthly: fine', state: { drill: { lastAt: ago(20 * D) } }, expect: [] },
  {
    name: 'drill 45 days ago, monthly: medium',
    state: { drill: { lastAt: ago(45 * D), intervalDays: 30 } },
    expect: [{ key: 'drill', severity: 'medium', messageKey: 'alerts.drill.message', params: { lastDrillAt: ago(45 * D), ageDays: 45, intervalDays: 30 } }],
  },
  { name: 'never drilled, set up 10 days ago: grace', state: { since: ago(10 * D), drill: { lastAt: null } }, expect: [] },
  { name: 'never drilled, set up 40 days ago: medium', state: { since: ago(40 * D), drill: { lastAt: null } }, expect: [{ key: 'drill', severity: 'medium', messageKey: 'alerts.drill.never' }] },
  {
    name: 'USB drive swapped 9 days ago, every 7: medium',
    state: { usbDrives: [{ id: 'usb-a', label: 'Disco A', lastRotatedAt: ago(9 * D) }] },
    expect: [{ key: 'usb:usb-a', severity: 'medium', messageKey: 'alerts.usb.message', params: { drive: 'Disco A', lastRotatedAt: ago(9 * D), ageDays: 9, everyDays: 7 } }],
  },
  { name: 'USB drive swapped 3 days ago: fine', state: { usbDrives: [{ id: 'usb-a', lastRotatedAt: ago(3 * D) }] }, expect: [] },
  {
    name: 'USB drive with a 14-day rotation, 10 days: fine',
    state: { usbDrives: [{ id: 'usb-b', lastRotatedAt: ago(10 * D), rotateEveryDays: 14 }] },
    expect: [],
  },
  { name: 'USB drive never rotated: medium', state: { usbDrives: [{ id: 'usb-b', lastRotatedAt: null }] }, expect: [{ key: 'usb:usb-b', severity: 'medium', messageKey: 'alerts.usb.never' }] },
  { name: 'recovery kit never confirmed: medium', state: { recoveryKit: { confirmed: false } }, expect: [{ key: 'kit', severity: 'medium', messageKey: 'alerts.kit.message', params: {} }] },
  { name: 'recovery kit confirmed: nothing', state: { recoveryKit: { confirmed: true } }, expect: [] },
  {
    name: 'several causes at once, in a stable order',
    state: {
      destinations: [
        { id: 'nas', lastSuccessAt: ago(2 * D), capacity: { totalBytes: 100, freeBytes: 10 }, integrity: { ok: false, checkedAt: ago(H) } },
        { id: 's3', offsite: { newestCopiedAt: ago(3 * D), newestSourceAt: ago(2 * D) } },
      ],
      drill: { lastAt: null },
      recoveryKit: { confirmed: false },
    },
    expect: [
      { key: 'stale:nas', severity: 'high', messageKey: 'alerts.stale.message' },
      { key: 'integrity:nas', severity: 'critical', messageKey: 'alerts.integrity.message' },
      { key: 'disk:nas', severity: 'medium', messageKey: 'alerts.disk.message' },
      { key: 'offsite:s3', severity: 'high', messageKey: 'alerts.offsite.message' },
      { key: 'drill', severity: 'medium', messageKey: 'alerts.drill.never' },
      { key: 'kit', severity: 'medium', messageKey: 'alerts.kit.message' },
    ],
  },
];

describe('evaluateAlerts', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const got = evaluateAlerts(c.state, NOW);
      assert.deepEqual(
        got.map((g) => ({ key: g.key, severity: g.severity, messageKey: g.messageKey })),
        c.expect.map((e) => ({ key: e.key, severity: e.severity, messageKey: e.messageKey })),
      );
      c.expect.forEach((e, i) => {
        if (e.params) assert.deepEqual(got[i]!.params, e.params);
        assert.equal(got[i]!.rule, parseAlertKey(e.key).rule);
      });
    });
  }

  it('is pure: the same input gives the same output, and the input is not changed', () => {
    const state: AlertState = { destinations: [{ id: 'nas', lastSuccessAt: ago(2 * D) }], recoveryKit: { confirmed: false } };
    const copy = JSON.stringify(state);
    assert.deepEqual(evaluateAlerts(state, NOW), evaluateAlerts(state, NOW));
    assert.equal(JSON.stringify(state), copy);
  });

  it('keys are stable across evaluations even when params change (deduplication)', () => {
    const a = evaluateAlerts({ destinations: [{ id: 'nas', lastSuccessAt: ago(30 * H) }] }, NOW);
    const b = evaluateAlerts({ destinations: [{ id: 'nas', lastSuccessAt: ago(30 * H) }] }, new Date(NOW.getTime() + 5 * H));
    assert.equal(a[0]!.key, b[0]!.key);
    assert.notDeepEqual(a[0]!.params, b[0]!.params);
  });

  it('thresholds can be changed', () => {
    const state: AlertState = { destinations: [{ id: 'nas', capacity: { totalBytes: 100, freeBytes: 30 } }] };
    assert.deepEqual(evaluateAlerts(state, NOW), []);
    assert.equal(evaluateAlerts(state, NOW, { diskWarnPercent: 60 })[0]?.key, 'disk:nas');
  });

  it('audit entries not written yet: one high alert naming how many and since when; none when all are written', () => {
    const [c, ...rest] = evaluateAlerts({ audit: { pending: 3, since: ago(2 * H), errorCode: 'DEST_OFFLINE' } }, NOW);
    assert.deepEqual(rest, []);
    assert.deepEqual(c, { rule: 'audit', key: 'audit', severity: 'high', messageKey: 'alerts.audit.message', params: { count: 3, firstFailedAt: ago(2 * H), code: 'DEST_OFFLINE' } });
    assert.deepEqual(evaluateAlerts({ audit: null }, NOW), []);
    assert.deepEqual(evaluateAlerts({ audit: { pending: 0, since: ago(H), errorCode: 'X' } }, NOW), []);
  });

  it('refuses bad input with INVALID_ARGUMENT', () => {
    const bad: AlertState[] = [
      { destinations: [{ id: 'nas', lastSuccessAt: 'yesterday' }] },
      { destinations: [{ id: 'nas', lastSuccessAt: ago(H), rpoMinutes: 0 }] },
      { destinations: [{ id: 'nas' }, { id: 'nas' }] },
      { destinations: [{ id: '' }] },
      { drill: { lastAt: ago(D), intervalDays: -1 } },
    ];
    for (const s of bad)
      assert.throws(
        () => evaluateAlerts(s, NOW),
        (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
      );
  });
});

describe('coversAlert', () => {
  const rows: readonly [string, AlertState, { rule: string; key: string }, boolean][] = [
    ['destination section absent: stale unknown', {}, { rule: 'stale', key: 'stale:nas' }, false],
    ['destination removed: its alerts are resolved', { destinations: [] }, { rule: 'disk', key: 'disk:nas' }, true],
    ['lastSuccessAt given: stale is known', { destinations: [{ id: 'nas', lastSuccessAt: ago(H) }] }, { rule: 'stale', key: 'stale:nas' }, true],
    ['lastSuccessAt not given: stale unknown', { destinations: [{ id: 'nas' }] }, { rule: 'stale', key: 'stale:nas' }, false],
    ['capacity unknown: disk alert kept', { destinations: [{ id: 'nas', capacity: null }] }, { rule: 'disk', key: 'disk:nas' }, false],
    ['capacity known: disk alert may clear', { destinations: [{ id: 'nas', capacity: { totalBytes: 10, freeBytes: 9 } }] }, { rule: 'disk', key: 'disk:nas' }, true],
    ['integrity known', { destinations: [{ id: 'nas', integrity: null }] }, { rule: 'integrity', key: 'integrity:nas' }, true],
    ['drill section present', { drill: { lastAt: ago(D) } }, { rule: 'drill', key: 'drill' }, true],
    ['usb section present, drive removed', { usbDrives: [] }, { rule: 'usb', key: 'usb:old' }, true],
    ['kit unknown', {}, { rule: 'kit', key: 'kit' }, false],
    ['audit trail unknown (no catalog): the alert is kept', {}, { rule: 'audit', key: 'audit' }, false],
    ['audit trail written: the alert may clear', { audit: null }, { rule: 'audit', key: 'audit' }, true],
    ['alerts of other rules are never covered', { destinations: [] }, { rule: 'engine', key: 'engine:x' }, false],
    ['destination ids may contain a colon', { destinations: [{ id: 's3:eu', lastSuccessAt: ago(H) }] }, { rule: 'stale', key: 'stale:s3:eu' }, true],
  ];
  for (const [name, state, alert, expected] of rows) it(name, () => assert.equal(coversAlert(state, alert), expected));
});

describe('copy and drill-failure rules', () => {
  const copy = (errorCode: string, kind: 'usb' | 'local' | 's3'): AlertState => ({ destinations: [{ id: '/media/usb', label: 'USB', copyFailure: { errorCode, kind } }] });
  it('a failing copy is HIGH and names the problem and the medium; an unplugged rotating drive is not a failure', () => {
    const cases: [string, 'usb' | 'local' | 's3', string | null][] = [
      ['DEST_FULL', 'usb', 'alerts.copy.full.usb'],
      ['DEST_READONLY', 'usb', 'alerts.copy.readonly.usb'],
      ['DEST_PERMISSION', 'local', 'alerts.copy.readonly.disk'],
      ['REPO_MARKER_MISSING', 'usb', 'alerts.copy.marker.usb'],
      ['DEST_OFFLINE', 'local', 'alerts.copy.offline.disk'],
      ['DEST_OFFLINE', 'usb', null],
      ['S3_AUTH', 's3', 'alerts.copy.failed.s3'],
    ];
    for (const [code, kind, messageKey] of cases) {
      const got = evaluateAlerts(copy(code, kind), NOW).filter((c) => c.rule === 'copy');
      assert.deepEqual(
        got.map((c) => [c.key, c.severity, c.messageKey]),
        messageKey ? [['copy:/media/usb', 'high', messageKey]] : [],
        `${code} on ${kind}`,
      );
    }
    // The copy's alert clears when its last update worked (null), stays when nothing is known (undefined).
    assert.equal(coversAlert({ destinations: [{ id: '/media/usb', copyFailure: null }] }, { rule: 'copy', key: 'copy:/media/usb' }), true);
    assert.equal(coversAlert({ destinations: [{ id: '/media/usb' }] }, { rule: 'copy', key: 'copy:/media/usb' }), false);
  });

  it('the last drill failed or was incomplete: CRITICAL naming what failed; a good drill clears it', () => {
    const at = ago(2 * H);
    const failed = evaluateAlerts({ lastDrill: { id: 7, status: 'failed', at, failureKind: 'count-mismatch', resourceType: 'Observation' } }, NOW);
    assert.deepEqual(
      failed.map((c) => [c.key, c.severity, c.messageKey, c.params['resourceType']]),
      [['drillfail', 'critical', 'alerts.drillfail.count-mismatch', 'Observation']],
    );
    const partial = evaluateAlerts({ lastDrill: { id: 8, status: 'partial', at, failureKind: 'weird' } }, NOW);
    assert.equal(partial[0]?.messageKey, 'alerts.drillfail.other');
    assert.deepEqual(evaluateAlerts({ lastDrill: { id: 9, status: 'success', at } }, NOW), []);
    assert.equal(coversAlert({ lastDrill: { id: 9, status: 'success', at } }, { rule: 'drillfail', key: 'drillfail' }), true);
  });
});
