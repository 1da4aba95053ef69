// Every alert text exists in both languages with the same placeholders, and every candidate the rules
// can produce renders completely (no "{placeholder}" left) in both languages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { alertsMessages } from '../../src/i18n/messages/alerts.js';
import { ALERT_RULES, evaluateAlerts, type AlertState } from '../../src/alerts/rules.js';
import { renderAlert } from '../../src/alerts/render.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOW = new Date('2026-03-10T12:00:00.000Z');
const D = 86_400_000;
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();

describe('alerts i18n', () => {
  it('every literal alerts.* key in src/alerts exists', () => {
    const dir = path.join(root, 'src', 'alerts');
    const missing: string[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/'(alerts\.[A-Za-z0-9.-]+)'/g)) if (!hasMessage(m[1]!)) missing.push(`${f}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
  });

  it('generated keys exist: title and fix per rule, severities, durations, e-mail labels', () => {
    for (const r of [...ALERT_RULES, 'test']) for (const k of ['title', 'fix']) assert.ok(hasMessage(`alerts.${r}.${k}`), `${r}.${k}`);
    for (const s of ['low', 'medium', 'high', 'critical']) assert.ok(hasMessage(`alerts.severity.${s}`));
    for (const k of ['minute', 'minutes', 'hours', 'days']) assert.ok(hasMessage(`alerts.duration.${k}`));
    for (const k of ['subject', 'subjectTest', 'what', 'since', 'sinceValue', 'todo', 'clinic', 'source', 'severity', 'footer']) assert.ok(hasMessage(`alerts.email.${k}`));
  });

  it('both languages, same placeholders, module prefix', () => {
    // Placeholders and plural arguments (not the words inside a plural's branches).
    const ph = messageArguments;
    for (const [key, msg] of Object.entries(alertsMessages)) {
      assert.ok(key.startsWith('alerts.'), key);
      for (const l of LOCALES) assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
      assert.deepEqual(ph(msg['pt-BR']), ph(msg.en), key);
    }
  });

  it('every candidate renders without leftover placeholders', () => {
    const state: AlertState = {
      destinations: [
        {
          id: 'a',
          label: 'NAS',
          lastSuccessAt: ago(2 * D),
          lastRun: { status: 'failed', at: ago(D), errorCode: 'DEST_OFFLINE' },
          integrity: { ok: false, checkedAt: ago(D) },
          capacity: { totalBytes: 100, freeBytes: 1 },
        },
        { id: 'p', partial: { at: ago(D), snapshotId: 'f'.repeat(64), missing: ['Observation.ndjson', 'Encounter.ndjson'], problems: 13 } },
        { id: 'b', lastSuccessAt: null, offsite: { newestCopiedAt: ago(3 * D), newestSourceAt: ago(D) } },
        { id: 'c', offsite: { newestCopiedAt: null, newestSourceAt: ago(3 * D) } },
      ],
      drill: { lastAt: ago(40 * D) },
      usbDrives: [
        { id: 'u1', lastRotatedAt: ago(9 * D) },
        { id: 'u2', lastRotatedAt: null },
      ],
      recoveryKit: { confirmed: false },
      suspicious: [{ source: 'https://fhir.clinica/fhir', snapshotId: 'e'.repeat(64), at: ago(D), previousResources: 4044, resources: 1200, dropPercent: 70.3, recovered: false }],
      audit: { pending: 2, since: ago(D), errorCode: 'DEST_OFFLINE' },
    };
    const never = evaluateAlerts({ drill: { lastAt: null } }, NOW);
    const all = [...evaluateAlerts(state, NOW), ...never];
    const seen = new Set(all.map((c) => c.messageKey));
    for (const key of Object.keys(alertsMessages).filter((k) => /\.(message|never)$/.test(k) && !k.startsWith('alerts.test'))) assert.ok(seen.has(key), `no case renders ${key}`);
    for (const c of all) {
      for (const locale of LOCALES) {
        const r = renderAlert(c, { locale });
        for (const text of [r.title, r.message, r.fix, r.severityLabel]) assert.doesNotMatch(text, /\{\w+\}/, `${c.messageKey} ${locale}: ${text}`);
      }
    }
  });
});
