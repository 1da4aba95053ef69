// Realistic report data shared by the report tests and the docs/images renderer.
import type { ComplianceData } from '../../src/reports/compliance.js';
import type { DrPlanData } from '../../src/reports/drPlan.js';
import type { DrillReportData } from '../../src/reports/drillReport.js';
import type { RecoveryKitData } from '../../src/reports/recoveryKit.js';

export const REPO_ID = '3f9c2a7be41d4c08a5e6b7d9012c3e4f';

/** A fixed recovery key whose last 4 bytes are the repository tag (as newRecoveryKey makes them). */
export function fixedRecoveryKey(repoId = REPO_ID): Uint8Array {
  const key = new Uint8Array(32);
  for (let i = 0; i < 28; i++) key[i] = (i * 37 + 11) & 0xff;
  key.set(Buffer.from(repoId, 'hex').subarray(0, 4), 28);
  return key;
}

export const GENERATED_AT = '2026-03-02T14:30:00Z';

export function kitData(overrides: Partial<RecoveryKitData> = {}): RecoveryKitData {
  return {
    repoId: REPO_ID,
    clinicName: 'Clínica São Lucas – Cardiologia',
    locations: [
      { location: '/mnt/nas-recepcao/clinic-backup', label: 'NAS da recepção' },
      { location: 's3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup', label: 'Nuvem Magalu (São Paulo)' },
    ],
    createdAt: '2026-03-01T12:05:00Z',
    recoveryKey: fixedRecoveryKey(),
    slotId: '9a1b2c3d4e5f6071',
    generatedAt: GENERATED_AT,
    toolVersion: '0.1.0',
    ...overrides,
  };
}

export function drillData(overrides: Partial<DrillReportData> = {}): DrillReportData {
  return {
    id: 14,
    clinicName: 'Clínica São Lucas – Cardiologia',
    status: 'success',
    trigger: 'scheduled',
    startedAt: '2026-03-01T15:00:00Z',
    endedAt: '2026-03-01T15:07:42Z',
    operator: 'recepcao',
    host: 'PC-RECEPCAO',
    snapshot: { id: 'c0ffee1234567890abcdef1234567890abcdef1234567890abcdef1234567890', time: '2026-03-01T14:45:00Z', source: 'https://fhir.saolucas.local/fhir/R4' },
    repository: { id: REPO_ID, location: '/mnt/nas-recepcao/clinic-backup' },
    target: null,
    resources: [
      { resourceType: 'Observation', expected: 48210, restored: 48210 },
      { resourceType: 'Patient', expected: 1250, restored: 1250 },
      { resourceType: 'AllergyIntolerance', expected: 610, restored: 610 },
      { resourceType: 'Encounter', expected: 9870, restored: 9870 },
      { resourceType: 'Condition', expected: 3120, restored: 3120 },
      { resourceType: 'MedicationRequest', expected: 5400, restored: 5400 },
      { resourceType: 'Appointment', expected: 7300, restored: 7300 },
      { resourceType: 'Practitioner', expected: 12, restored: 12 },
      { resourceType: 'AuditEvent', expected: 20400, restored: 20400 },
    ],
    checks: {
      counts: { outcome: 'passed', typesChecked: 9, typesMismatched: 0 },
      content: { outcome: 'passed', checked: 96172, mismatched: 0 },
      references: { outcome: 'passed', checked: 151004, unresolved: 0 },
      compartment: { outcome: 'passed', patientsSampled: 25, patientsComplete: 25, resourcesChecked: 2140 },
    },
    integrityScore: 1,
    recoveryTimeMs: 441_000,
    timeToFirstCriticalMs: 9_500,
    tierCompletedMs: { critical: 21_000, essential: 260_000, important: 330_000, auxiliary: 441_000 },
    bytesRead: 183_400_000,
    failures: [],
    timeZone: 'America/Sao_Paulo',
    toolVersion: '0.1.0',
    generatedAt: GENERATED_AT,
    ...overrides,
  };
}

export function failedDrillData(): DrillReportData {
  return drillData({
    id: 15,
    status: 'failed',
    resources: [
      { resourceType: 'Patient', expected: 1250, restored: 1250 },
      { resourceType: 'AllergyIntolerance', expected: 610, restored: 610 },
      { resourceType: 'Observation', expected: 48210, restored: 48190, contentMismatches: 3 },
    ],
    checks: {
      counts: { outcome: 'failed', typesChecked: 3, typesMismatched: 1 },
      content: { outcome: 'failed', checked: 50050, mismatched: 3 },
      references: { outcome: 'failed', checked: 80200, unresolved: 20 },
      compartment: { outcome: 'passed', patientsSampled: 25, patientsComplete: 25, resourcesChecked: 2140 },
    },
    integrityScore: 0.9995,
    recoveryTimeMs: 3 * 3_600_000,
    timeToFirstCriticalMs: 95 * 60_000,
    tierCompletedMs: null,
    failures: [
      { kind: 'count-mismatch', resourceType: 'Observation', count: 20 },
      { kind: 'content-mismatch', resourceType: 'Observation', count: 3, errorCode: 'PACK_CORRUPT', errorDetails: { file: 'data/3a/3a91c4' } },
      { kind: 'unresolved-reference', count: 20, example: 'DiagnosticReport/881 -> Observation/52011' },
      { kind: 'rto-exceeded' },
    ],
  });
}

export function planData(overrides: Partial<DrPlanData> = {}): DrPlanData {
  return {
    clinicName: 'Clínica São Lucas – Cardiologia',
    repoId: REPO_ID,
    sources: [{ name: 'Prontuário eletrônico', baseUrl: 'https://fhir.saolucas.local/fhir/R4', fhirVersion: '4.0.1' }],
    destinations: [
      { id: 'nas', label: 'NAS da recepção', kind: 'local', location: '/mnt/nas-recepcao/clinic-backup', offsite: false, immutable: false },
      { id: 'usb', label: 'Disco USB 2 (rodízio)', kind: 'local', location: '/media/backup-usb2/clinic-backup', offsite: true, immutable: false, removable: true },
      {
        id: 'cloud',
        label: 'Nuvem Magalu',
        kind: 's3',
        location: 's3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup',
        offsite: true,
        immutable: true,
        retainDays: 30,
        region: 'br-se1',
      },
    ],
    schedules: [
      { task: 'backup', policy: { kind: 'interval', everyMinutes: 15, timeZone: 'America/Sao_Paulo' }, destination: 'NAS da recepção' },
      { task: 'replicate', policy: { kind: 'interval', everyMinutes: 60, timeZone: 'America/Sao_Paulo' }, destination: 'Nuvem Magalu' },
      { task: 'full', policy: { kind: 'weekly', weekday: 0, at: '02:00', timeZone: 'America/Sao_Paulo' } },
      { task: 'drill', policy: { kind: 'monthly', day: 1, at: '12:00', timeZone: 'America/Sao_Paulo' } },
    ],
    retention: { keepLast: 96, keepDaily: 30, keepWeekly: 12, keepMonthly: 24, keepYearly: -1, legalFloorYears: 20 },
    recoveryKit: { location: 'Cofre do consultório 2 (chave com a Dra. Ana)', createdAt: '2026-03-01T12:05:00Z', confirmedAt: '2026-03-01T18:00:00Z', confirmedBy: 'Dra. Ana Ribeiro' },
    contacts: [
      { role: 'owner', name: 'Dra. Ana Ribeiro', phone: '(11) 98888-1234', email: 'ana@saolucas.med.br' },
      { role: 'it', name: 'TecSaúde Informática – João', phone: '(11) 3333-4444', email: 'suporte@tecsaude.com.br' },
      { role: 'dpo', name: 'Marcos Lima', email: 'dpo@saolucas.med.br' },
      { role: 'Contador', name: 'Escritório Prado', phone: '(11) 2222-0000' },
    ],
    lastDrill: { at: '2026-03-01T15:07:42Z', passed: true },
    timeZone: 'America/Sao_Paulo',
    generatedAt: GENERATED_AT,
    toolVersion: '0.1.0',
    ...overrides,
  };
}

function monthlyDrills(): ComplianceData['drills'] {
  const out: { startedAt: string; status: string; integrityScore: number; recoveryTimeMs: number }[] = [];
  for (let m = 0; m < 12; m++) {
    const d = new Date(Date.UTC(2025, 3 + m, 1, 15, 0, 0));
    out.push({ startedAt: d.toISOString(), status: m === 4 ? 'failed' : 'success', integrityScore: m === 4 ? 0.97 : 1, recoveryTimeMs: 400_000 + m * 5_000 });
  }
  // one drill outside the period: ignored
  out.push({ startedAt: '2024-12-01T15:00:00Z', status: 'failed', integrityScore: 0.5, recoveryTimeMs: 1 });
  return out;
}

export function complianceData(overrides: Partial<ComplianceData> = {}): ComplianceData {
  return {
    clinicName: 'Clínica São Lucas – Cardiologia',
    repoId: REPO_ID,
    generatedAt: GENERATED_AT,
    timeZone: 'America/Sao_Paulo',
    encryption: {
      keySlots: [
        { kind: 'keychain', name: 'PC-RECEPCAO keychain', created: '2025-02-10T10:00:00Z', host: 'PC-RECEPCAO' },
        { kind: 'recovery', name: 'recovery kit 2026-03-01', created: '2026-03-01T12:05:00Z', host: 'PC-RECEPCAO' },
      ],
      opensWith: 'keychain',
      recoveryKitConfirmedAt: '2026-03-01T18:00:00Z',
    },
    destinations: [
      { label: 'NAS da recepção', kind: 'local', location: '/mnt/nas-recepcao/clinic-backup', residency: 'local' },
      { label: 'Nuvem Magalu', kind: 's3', location: 's3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup', region: 'br-se1', residency: 'brazilian-region', immutable: true, retainDays: 30 },
      {
        label: 'AWS Virgínia (cópia extra)',
        kind: 's3',
        location: 's3:clinica-sao-lucas-dr/backup',
        region: 'us-east-1',
        residency: 'acknowledged',
        acknowledgedBy: 'Dra. Ana Ribeiro',
        acknowledgedAt: '2025-06-10T13:00:00Z',
      },
    ],
    retention: { legalFloorYears: 20, oldestSnapshot: '2025-02-10T10:15:00Z', snapshotCount: 412 },
    drills: monthlyDrills(),
    alerts: [
      { rule: 'stale', severity: 'high', messageKey: 'alerts.stale.title', params: { destination: 'NAS da recepção' }, firstAt: '2025-08-14T09:00:00Z', clearedAt: '2025-08-14T15:00:00Z' },
      { rule: 'disk', severity: 'medium', messageKey: 'alerts.disk.title', text: 'NAS da recepção 83% cheio', firstAt: '2026-02-20T09:00:00Z', clearedAt: null },
      { rule: 'disk', severity: 'low', messageKey: 'alerts.disk.title', text: 'NAS da recepção 70% cheio', firstAt: '2025-05-20T09:00:00Z', clearedAt: '2025-05-21T09:00:00Z' },
    ],
    incidents: [{ at: '2025-08-14T09:00:00Z', summary: 'NAS desligado por queda de energia; backups retomados no mesmo dia.', resolvedAt: '2025-08-14T15:00:00Z', reported: false }],
    audit: { ok: true, count: 8123, lastHash: 'a3f1c9e07b2d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b', firstAt: '2025-02-10T10:00:00Z', lastAt: '2026-03-02T14:00:00Z' },
    backups: { total: 34_900, succeeded: 34_871, lastSuccessAt: '2026-03-02T14:15:00Z' },
    toolVersion: '0.1.0',
    ...overrides,
  };
}
