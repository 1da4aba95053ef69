import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LAYER_TARGETS, restoreOrder, TIER_TARGETS, TIER_TYPES, TIERS, targetsOf, tierOf, type Tier } from '../../src/policy/tiers.js';
import { hasMessage } from '../../src/i18n/index.js';

describe('tierOf', () => {
  const table: [string, Tier][] = [
    ['Patient', 'critical'],
    ['AllergyIntolerance', 'critical'],
    ['Observation', 'essential'],
    ['Encounter', 'essential'],
    ['Condition', 'essential'],
    ['MedicationRequest', 'essential'],
    ['Procedure', 'essential'],
    ['Immunization', 'essential'],
    ['DiagnosticReport', 'essential'],
    ['Appointment', 'important'],
    ['Schedule', 'important'],
    ['Slot', 'important'],
    ['Practitioner', 'important'],
    ['AuditEvent', 'auxiliary'],
    ['Provenance', 'auxiliary'],
    ['SomethingCustom', 'important'],
    ['patient', 'important'], // types are case-sensitive in FHIR
  ];
  for (const [type, tier] of table) it(`${type} → ${tier}`, () => assert.equal(tierOf(type), tier));

  it('lists each type in one tier only', () => {
    const all = TIERS.flatMap((t) => TIER_TYPES[t]);
    assert.equal(new Set(all).size, all.length);
  });
});

describe('restoreOrder', () => {
  it('puts Patient and AllergyIntolerance first and audit data last', () => {
    assert.deepEqual(restoreOrder(['AuditEvent', 'Observation', 'Zeta', 'Appointment', 'AllergyIntolerance', 'Alpha', 'Encounter', 'Patient', 'Provenance', 'Observation']), [
      'Patient',
      'AllergyIntolerance',
      'Encounter',
      'Observation',
      'Appointment',
      'Alpha',
      'Zeta',
      'AuditEvent',
      'Provenance',
    ]);
  });

  it('is stable for an empty list and a single unknown type', () => {
    assert.deepEqual(restoreOrder([]), []);
    assert.deepEqual(restoreOrder(new Set(['X'])), ['X']);
  });

  it('orders every listed type by tier', () => {
    const shuffled = TIERS.flatMap((t) => TIER_TYPES[t]).reverse();
    const ordered = restoreOrder(shuffled);
    const ranks = ordered.map((t) => TIERS.indexOf(tierOf(t)));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
  });
});

describe('recovery targets (SOP-019 §5.1)', () => {
  it('has the layer targets of the SOP', () => {
    assert.deepEqual(LAYER_TARGETS.local, { rpoMinutes: 15, rtoMinutes: 60 });
    assert.deepEqual(LAYER_TARGETS.regional, { rpoMinutes: 60, rtoMinutes: 240 });
    assert.deepEqual(LAYER_TARGETS.cloud, { rpoMinutes: 1440, rtoMinutes: 1440 });
  });

  it('binds tiers to layers, tightest first', () => {
    assert.deepEqual(targetsOf('Patient'), { rpoMinutes: 15, rtoMinutes: 60 });
    assert.deepEqual(targetsOf('Observation'), { rpoMinutes: 60, rtoMinutes: 240 });
    assert.deepEqual(targetsOf('Unknown'), { rpoMinutes: 1440, rtoMinutes: 1440 });
    for (let i = 1; i < TIERS.length; i++) {
      const a = TIER_TARGETS[TIERS[i - 1]!];
      const b = TIER_TARGETS[TIERS[i]!];
      assert.ok(a.rpoMinutes <= b.rpoMinutes && a.rtoMinutes <= b.rtoMinutes);
    }
  });

  it('has names for tiers and layers', () => {
    for (const t of TIERS) assert.ok(hasMessage(`policy.tier.${t}`));
    for (const l of Object.keys(LAYER_TARGETS)) assert.ok(hasMessage(`policy.layer.${l}`));
  });
});
