// Every report text comes from the catalogue, in both languages, with matching placeholders, and in
// the character set the PDF's built-in fonts can print.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { reportsMessages } from '../../src/i18n/messages/reports.js';
import { complianceDocument } from '../../src/reports/compliance.js';
import { documentText, type ReportDocument } from '../../src/reports/document.js';
import { DR_SCENARIOS, drPlanDocument } from '../../src/reports/drPlan.js';
import { DRILL_FAILURE_KINDS, drillReportDocument } from '../../src/reports/drillReport.js';
import { isWinAnsiText } from '../../src/reports/pdf.js';
import { recoveryKitDocument } from '../../src/reports/recoveryKit.js';
import { complianceData, drillData, failedDrillData, kitData, planData } from './fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Documents that between them reach every branch that picks a message. */
function allDocuments(locale: (typeof LOCALES)[number]): ReportDocument[] {
  return [
    recoveryKitDocument(kitData(), locale),
    recoveryKitDocument(kitData({ locations: [], slotId: null, clinicName: null }), locale),
    recoveryKitDocument(kitData({ locations: ['/a', '/b', '/c', '/d', '/e'] }), locale),
    drillReportDocument(drillData(), locale),
    drillReportDocument(failedDrillData(), locale),
    drillReportDocument(
      drillData({
        status: 'interrupted',
        trigger: 'manual',
        endedAt: null,
        operator: null,
        recoveryTimeMs: null,
        timeToFirstCriticalMs: null,
        integrityScore: null,
        resources: [],
        failures: DRILL_FAILURE_KINDS.map((kind) => ({ kind, resourceType: 'Patient', count: 2 })),
      }),
      locale,
    ),
    drillReportDocument(drillData({ status: 'partial' }), locale),
    drPlanDocument(planData(), locale),
    drPlanDocument(
      planData({
        sources: [],
        destinations: [],
        schedules: [],
        contacts: [],
        retention: { legalFloorYears: 5 },
        recoveryKit: { location: null },
        lastDrill: null,
      }),
      locale,
    ),
    drPlanDocument(
      planData({
        destinations: [{ kind: 'local', location: '/mnt/nas', offsite: false, immutable: false }],
        contacts: [
          { role: 'support', name: 'x' },
          { role: 'cloudProvider', name: 'y' },
          { role: 'fhirVendor', name: 'z' },
        ],
        retention: { keepLast: -1, keepHourly: 24, keepDaily: -1, keepWeekly: -1, keepMonthly: -1, keepYearly: 3, keepWithin: '30d', keepTags: ['x'] },
        recoveryKit: { location: 'cofre' },
        lastDrill: { at: '2026-01-01T00:00:00Z', passed: false },
      }),
      locale,
    ),
    drPlanDocument(planData({ retention: {} }), locale),
    complianceDocument(complianceData(), locale),
    complianceDocument(
      complianceData({
        encryption: { keySlots: [{ kind: 'passphrase', name: 'p', created: '2026-01-01T00:00:00Z' }] },
        destinations: [
          { kind: 's3', location: 's3:b/p', residency: 'unknown' },
          { kind: 's3', location: 's3:c/p', residency: 'private-endpoint' },
        ],
        retention: { legalFloorYears: 10 },
        drills: [{ startedAt: '2026-02-01T00:00:00Z', status: 'failed' }],
        alerts: [{ rule: 'integrity', severity: 'critical', messageKey: 'alerts.stale.title', params: { destination: 'x' }, firstAt: '2026-02-01T00:00:00Z', clearedAt: null }],
        audit: { ok: false, count: 10, firstBadSeq: 4, problem: 'chain-broken' },
        backups: { total: 100, succeeded: 90 },
      }),
      locale,
    ),
    complianceDocument(complianceData({ encryption: { keySlots: [{ kind: 'recovery', name: 'r', created: '2026-01-01T00:00:00Z' }] }, drills: [], alerts: [], backups: null }), locale),
    ...(['hash-mismatch', 'missing', 'unreadable'] as const).map((problem) => complianceDocument(complianceData({ audit: { ok: false, count: 3, firstBadSeq: 2, problem } }), locale)),
  ];
}

describe('report messages', () => {
  it('no document shows a raw catalogue key (every key it asks for exists)', () => {
    for (const locale of LOCALES) {
      for (const d of allDocuments(locale)) {
        const raw = documentText(d).filter((s) => /\breports\.[a-zA-Z]/.test(s) || /\balerts\.[a-z]+\.[a-z]/.test(s));
        assert.deepEqual(raw, [], `${locale} ${d.title}`);
        const placeholders = documentText(d).filter((s) => /\{[a-zA-Z]+\}/.test(s) && !s.includes('{page}'));
        assert.deepEqual(placeholders, [], `${locale} ${d.title}: unfilled placeholders`);
      }
    }
  });

  it('every literal key in src/reports exists', () => {
    const dir = path.join(root, 'src', 'reports');
    const missing: string[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/'(reports\.[A-Za-z0-9.-]+)'/g)) if (!hasMessage(m[1]!) && !m[1]!.endsWith('.')) missing.push(`${f}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
  });

  it('keys built from data exist', () => {
    for (const kind of DRILL_FAILURE_KINDS) {
      assert.ok(hasMessage(`reports.drill.failure.${kind}`), kind);
      assert.ok(hasMessage(`reports.drill.next.${kind}`), kind);
    }
    for (const id of DR_SCENARIOS) for (const k of ['title', 'when', 'goal', 's1', 's2', 's3', 's4', 's5', 's6']) assert.ok(hasMessage(`reports.plan.sc.${id}.${k}`), `${id}.${k}`);
  });

  it('each message has both languages, the same placeholders, and only WinAnsi characters', () => {
    // Placeholders and plural arguments (not the words inside a plural's branches).
    const placeholders = messageArguments;
    for (const [key, msg] of Object.entries(reportsMessages)) {
      assert.ok(key.startsWith('reports.'), key);
      for (const l of LOCALES) {
        assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
        assert.ok(isWinAnsiText(msg[l]), `${key} ${l} has characters the built-in PDF fonts cannot print`);
      }
      assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), key);
    }
  });
});
