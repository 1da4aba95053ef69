/**
 * SOP-019 §3.2 criticality tiers of FHIR resource types, the restore order they imply, and the
 * RPO/RTO targets of SOP-019 §5.1.
 *
 * SOP-019 names two types per tier; the others below are our classification, justified inline.
 * Unknown types (custom or rarely used) are Important: restored after clinical data, before logs.
 * The restorer still orders by references inside a plan (ARCHITECTURE.md §6); tiers give the
 * priority, so that the data a clinician needs first is back first.
 */

import type { Tier } from '../shared/index.js';

export type { Tier } from '../shared/index.js';

/** Most important first. */
export const TIERS: readonly Tier[] = ['critical', 'essential', 'important', 'auxiliary'];

/**
 * Listed types per tier, in restore order within the tier (referenced types before the types that
 * usually reference them, e.g. Encounter before Observation).
 */
export const TIER_TYPES: Readonly<Record<Tier, readonly string[]>> = {
  // SOP-019: "vital for operation". Identity and allergies: without them no safe care at all.
  critical: ['Patient', 'AllergyIntolerance'],
  essential: [
    'Encounter', // SOP-019. Context of every clinical entry (who, when, where).
    'Condition', // Problem list and diagnoses: drive every clinical decision.
    'MedicationRequest', // Active prescriptions: missing ones cause dosing errors and interrupted treatment.
    'MedicationStatement', // Medication the patient takes (including from elsewhere): interaction checks.
    'Immunization', // Vaccination record: legally relevant, hard to rebuild, asked at every visit.
    'Procedure', // Surgical and procedure history: contraindications, follow-up.
    'Observation', // SOP-019. Vital signs and results; referenced by DiagnosticReport.
    'DiagnosticReport', // Lab and imaging reports grouping Observations: needed for follow-up of results.
    'DocumentReference', // Clinical notes and scanned documents of the record (prontuário).
    'Composition', // Structured clinical documents (discharge summaries, referrals).
  ],
  // SOP-019: "operational data". Running the clinic: agenda and the people and places it refers to.
  important: [
    'Organization',
    'Location',
    'Practitioner',
    'PractitionerRole',
    'HealthcareService',
    'Schedule',
    'Slot',
    'Appointment',
    'AppointmentResponse',
    'Coverage',
    'Task',
    'Communication',
    'Questionnaire',
    'QuestionnaireResponse',
  ],
  // SOP-019: "support data". Logs and conformance resources: recreated or only needed for audits.
  auxiliary: [
    'AuditEvent',
    'Provenance',
    'Subscription',
    'CapabilityStatement',
    'StructureDefinition',
    'SearchParameter',
    'OperationDefinition',
    'ValueSet',
    'CodeSystem',
    'ConceptMap',
    'NamingSystem',
    'ImplementationGuide',
  ],
};

const TIER_RANK: Readonly<Record<Tier, number>> = { critical: 0, essential: 1, important: 2, auxiliary: 3 };

const LOOKUP: ReadonlyMap<string, { tier: Tier; position: number }> = new Map(TIERS.flatMap((tier) => TIER_TYPES[tier].map((type, position) => [type, { tier, position }] as const)));

/** The tier of a resource type; unknown types are 'important'. */
export function tierOf(resourceType: string): Tier {
  return LOOKUP.get(resourceType)?.tier ?? 'important';
}

/**
 * The given types (deduplicated) in restore order: by tier, then by the listed order inside the
 * tier, then unknown types alphabetically after the listed ones of their tier.
 */
export function restoreOrder(resourceTypes: Iterable<string>): string[] {
  const key = (type: string): [number, number, string] => {
    const hit = LOOKUP.get(type);
    return hit ? [TIER_RANK[hit.tier], hit.position, type] : [TIER_RANK.important, Number.MAX_SAFE_INTEGER, type];
  };
  return [...new Set(resourceTypes)].sort((a, b) => {
    const [ta, pa, na] = key(a);
    const [tb, pb, nb] = key(b);
    return ta - tb || pa - pb || (na < nb ? -1 : na > nb ? 1 : 0);
  });
}

/** Recovery targets (minutes). */
export interface RecoveryTargets {
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
}

export type BackupLayer = 'local' | 'regional' | 'cloud';

/**
 * SOP-019 §5.1, verbatim: layer 1 local (RPO 15 min, RTO 1 h), layer 2 regional/asynchronous
 * replication with daily incrementals (RPO 1 h, RTO 4 h), layer 3 cloud long-term with weekly
 * full backups (RPO 24 h, RTO 24 h).
 */
export const LAYER_TARGETS: Readonly<Record<BackupLayer, RecoveryTargets>> = {
  local: { rpoMinutes: 15, rtoMinutes: 60 },
  regional: { rpoMinutes: 60, rtoMinutes: 240 },
  cloud: { rpoMinutes: 24 * 60, rtoMinutes: 24 * 60 },
};

/**
 * Targets per criticality tier. SOP-019 §5.1 sets them per backup layer, not per tier; we bind each
 * tier to the layer whose targets match its weight: Critical must be back within the local layer's
 * targets (15 min / 1 h), Essential within the regional layer's (1 h / 4 h), Important and Auxiliary
 * within the cloud layer's (24 h / 24 h). Drills compare time_to_first_critical and the full
 * recovery time against these.
 */
export const TIER_TARGETS: Readonly<Record<Tier, RecoveryTargets & { readonly layer: BackupLayer }>> = {
  critical: { ...LAYER_TARGETS.local, layer: 'local' },
  essential: { ...LAYER_TARGETS.regional, layer: 'regional' },
  important: { ...LAYER_TARGETS.cloud, layer: 'cloud' },
  auxiliary: { ...LAYER_TARGETS.cloud, layer: 'cloud' },
};

export function targetsOf(resourceType: string): RecoveryTargets {
  const { rpoMinutes, rtoMinutes } = TIER_TARGETS[tierOf(resourceType)];
  return { rpoMinutes, rtoMinutes };
}
