/**
 * The facts the disaster-recovery plan and the compliance summary state, gathered by the engine from the actual
 * configuration and history (settings, key slots, snapshots, copies, catalog), and mapped here to the documents'
 * data. Nothing is assumed: a source is listed because a backup read it or the settings name it, keys are
 * described from the key slots and from how this computer opens the repository, times are in the clinic's zone.
 */
import type { AlertRecord, AuditVerification, DrillRecord } from '../catalog/index.js';
import type { RetentionPolicy, SchedulePolicy } from '../policy/index.js';
import type { KeySlotInfo, SnapshotSource } from '../repository/index.js';
import type { ComplianceData, ComplianceDestination } from './compliance.js';
import type { DrPlanContact, DrPlanIncident, DrPlanData, DrPlanDestination } from './drPlan.js';

export interface ReportDestinationFact {
  readonly location: string;
  readonly kind: 'local' | 's3';
  readonly offsite: boolean;
  readonly immutable: boolean;
  readonly removable: boolean;
  readonly region?: string;
  readonly residency: ComplianceDestination['residency'];
  readonly acknowledgedBy?: string | null;
  readonly acknowledgedAt?: string | null;
}

export interface ConfigurationFacts {
  readonly clinicName: string;
  readonly repoId: string;
  readonly timeZone: string;
  readonly toolVersion: string;
  /** How this computer opens the repository. */
  readonly opensWith: 'keychain' | 'password-file' | 'app';
  readonly keySlots: readonly KeySlotInfo[];
  /** The FHIR server in the settings, if any. */
  readonly settingsSource: string | null;
  /** Sources of the snapshots in the repository (what was actually backed up), newest last. */
  readonly snapshotSources: readonly { readonly kind: SnapshotSource['kind']; readonly location: string }[];
  readonly destinations: readonly ReportDestinationFact[];
  readonly schedules: { readonly backup: SchedulePolicy; readonly drill: SchedulePolicy };
  readonly retention: RetentionPolicy;
  readonly kit: { readonly location: string | null; readonly createdAt: string | null; readonly confirmedAt: string | null; readonly confirmedBy: string | null };
  readonly contacts: readonly DrPlanContact[];
  /** The incident register (newest first). */
  readonly incidents: readonly DrPlanIncident[];
  readonly drills: readonly DrillRecord[];
  readonly alerts: readonly AlertRecord[];
  readonly audit: AuditVerification & { readonly firstAt: string | null; readonly lastAt: string | null };
  readonly backups: { readonly total: number; readonly succeeded: number; readonly lastSuccessAt: string | null };
  readonly snapshots: { readonly count: number; readonly oldest: string | null };
}

/** Sources: the configured server first, then every other source backups actually read (FHIR servers and folders). */
function sources(f: ConfigurationFacts): DrPlanData['sources'] {
  const out: { kind: 'fhir' | 'files'; name: string; baseUrl: string }[] = [];
  const seen = new Set<string>();
  const add = (kind: 'fhir' | 'files', location: string, name: string): void => {
    const key = location.replace(/\/+$/, '');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind, name, baseUrl: location });
  };
  if (f.settingsSource) add('fhir', f.settingsSource, f.clinicName);
  for (const s of [...f.snapshotSources].reverse()) if (s.kind === 'fhir') add('fhir', s.location, f.clinicName);
  for (const s of [...f.snapshotSources].reverse()) if (s.kind === 'ndjson') add('files', s.location, 'NDJSON');
  return out;
}

export function drPlanDataOf(f: ConfigurationFacts): DrPlanData {
  const lastDrill = f.drills.find((d) => d.status !== 'running') ?? null;
  return {
    clinicName: f.clinicName,
    repoId: f.repoId,
    sources: sources(f),
    destinations: f.destinations.map((d): DrPlanDestination => ({
      kind: d.kind,
      location: d.location,
      offsite: d.offsite,
      immutable: d.immutable,
      removable: d.removable,
      ...(d.region ? { region: d.region } : {}),
    })),
    schedules: [
      { task: 'backup', policy: f.schedules.backup },
      { task: 'drill', policy: f.schedules.drill },
    ],
    retention: f.retention,
    recoveryKit: { location: f.kit.location, createdAt: f.kit.createdAt, confirmedAt: f.kit.confirmedAt, confirmedBy: f.kit.confirmedBy },
    contacts: f.contacts,
    incidents: f.incidents,
    lastDrill: lastDrill ? { at: lastDrill.startedAt, passed: lastDrill.status === 'success' } : null,
    timeZone: f.timeZone,
    toolVersion: f.toolVersion,
  };
}

export function complianceDataOf(f: ConfigurationFacts): ComplianceData {
  return {
    clinicName: f.clinicName,
    repoId: f.repoId,
    timeZone: f.timeZone,
    encryption: { algorithm: 'AES-256-GCM', keySlots: f.keySlots, opensWith: f.opensWith, recoveryKitConfirmedAt: f.kit.confirmedAt },
    destinations: f.destinations.map((d) => ({
      kind: d.kind,
      location: d.location,
      residency: d.residency,
      offsite: d.offsite,
      immutable: d.immutable,
      ...(d.region ? { region: d.region } : {}),
      ...(d.acknowledgedBy !== undefined ? { acknowledgedBy: d.acknowledgedBy } : {}),
      ...(d.acknowledgedAt !== undefined ? { acknowledgedAt: d.acknowledgedAt } : {}),
    })),
    retention: { legalFloorYears: f.retention.legalFloorYears ?? 20, snapshotCount: f.snapshots.count, oldestSnapshot: f.snapshots.oldest },
    drills: f.drills.map((d) => ({ startedAt: d.startedAt, status: d.status, integrityScore: d.integrityScore, recoveryTimeMs: d.recoveryTimeMs })),
    alerts: f.alerts.map((a) => ({ rule: a.rule, severity: a.severity, messageKey: a.messageKey, params: a.params, firstAt: a.firstAt, clearedAt: a.clearedAt })),
    incidents: f.incidents.map((i) => ({ at: i.discoveredAt, summary: i.dataAffected ? `${i.title} — ${i.dataAffected}` : i.title, resolvedAt: i.closedAt, reported: i.anpdNotifiedAt !== null })),
    contacts: f.contacts,
    kitLocation: f.kit.location,
    audit: f.audit,
    backups: f.backups,
    toolVersion: f.toolVersion,
  };
}
