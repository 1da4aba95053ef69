/**
 * Gathers what the configuration reports (disaster-recovery plan, compliance summary) may state, from the
 * repository (key slots, snapshots), the catalog (settings, runs, drills, alerts, audit trail) and the configured
 * copies. Nothing is assumed: each statement of the documents comes from one of these.
 */
import { residencyOf } from '../backend/index.js';
import type { Catalog } from '../catalog/index.js';
import { anpdDeadline, DEFAULT_TIME_ZONE, inZone, type RetentionPolicy, type SchedulePolicy } from '../policy/index.js';
import type { Repository } from '../repository/index.js';
import type { AppSettings, DestinationConfig } from '../shared/index.js';
import type { ConfigurationFacts } from './configurationData.js';
import type { DrPlanData } from './drPlan.js';

const YEAR_MS = 365 * 24 * 3600_000;

export interface ConfigurationInputs {
  readonly repo: Repository;
  readonly catalog: Catalog;
  readonly settings: AppSettings;
  readonly retention: RetentionPolicy;
  /** Where the repository is, and its copies. */
  readonly location: string;
  readonly copies: readonly DestinationConfig[];
  /** The S3 region of a location. */
  readonly regionFor: (location: string) => string;
  /** The clinic accepted storing data outside Brazil for every destination (engine option). */
  readonly residencyAcknowledged: boolean;
  readonly opensWith: ConfigurationFacts['opensWith'];
  readonly kit: { readonly createdAt: string | null; readonly confirmedAt: string | null };
  readonly toolVersion: string;
  readonly signal?: AbortSignal;
}

export async function gatherConfigurationFacts(input: ConfigurationInputs): Promise<ConfigurationFacts> {
  const { repo, catalog, settings } = input;
  const snaps = await repo.listSnapshots(input.signal);
  const slots = await repo.listKeys();
  const recovery = slots.filter((x) => x.kind === 'recovery').at(-1);
  const acks = (catalog.getSetting('residency.acknowledgements') as Record<string, { by?: string; at?: string }> | undefined) ?? {};
  const s3 = input.location.startsWith('s3:');
  const all: DestinationConfig[] = [{ location: input.location, kind: s3 ? 's3' : 'nas', offsite: s3, immutable: false }, ...input.copies];
  const stats = catalog.runStats('backup', new Date(Date.now() - YEAR_MS));
  const audit = catalog.listAudit({ limit: 100_000 });
  const zone = settings.timeZone ?? DEFAULT_TIME_ZONE;
  return {
    clinicName: settings.clinicName ?? 'Clinic Backup',
    repoId: repo.id,
    timeZone: zone,
    toolVersion: input.toolVersion,
    opensWith: input.opensWith,
    keySlots: slots,
    settingsSource: settings.source?.url ?? null,
    snapshotSources: snaps.map((x) => ({ kind: x.manifest.source.kind, location: x.manifest.source.location })),
    destinations: all.map((d) => {
      const isS3 = d.location.startsWith('s3:');
      const region = input.regionFor(d.location);
      const ack = acks[d.location];
      return {
        location: d.location,
        kind: isS3 ? 's3' : 'local',
        offsite: d.offsite ?? false,
        immutable: d.immutable ?? false,
        removable: d.kind === 'usb',
        residency: residencyOf(d.location, region, Boolean(ack) || input.residencyAcknowledged),
        ...(isS3 ? { region } : {}),
        ...(ack ? { acknowledgedBy: ack.by ?? null, acknowledgedAt: ack.at ?? null } : {}),
      };
    }),
    schedules: { backup: inZone(settings.schedule.backup as SchedulePolicy, zone), drill: inZone(settings.schedule.drill as SchedulePolicy, zone) },
    retention: input.retention,
    // The kit was made when its recovery slot was (a new computer's catalog does not know, the repository does).
    kit: {
      location: (catalog.getSetting('recoveryKit.location') as string | undefined) ?? null,
      createdAt: recovery?.created ?? input.kit.createdAt,
      confirmedAt: input.kit.confirmedAt,
      // Who confirmed it: the audit trail's entry for the confirmation of the current kit.
      confirmedBy: input.kit.confirmedAt ? ([...audit].reverse().find((x) => x.action === 'recovery-kit.confirmed')?.actor ?? null) : null,
    },
    contacts: (catalog.getSetting('contacts') as DrPlanData['contacts'] | undefined) ?? [],
    incidents: catalog.listIncidents().map((i) => ({
      title: i.title,
      discoveredAt: i.discoveredAt,
      dataAffected: i.dataAffected,
      anpdNotifiedAt: i.anpdNotifiedAt,
      closedAt: i.closedAt,
      anpdDeadline: anpdDeadline(new Date(i.discoveredAt), zone).toISOString(),
    })),
    drills: catalog.listDrills(100),
    alerts: catalog.listAlerts(200),
    audit: { ...catalog.verifyAuditChain(), firstAt: audit[0]?.at ?? null, lastAt: audit.at(-1)?.at ?? null },
    // Only complete backups count as successes.
    backups: { total: stats.total, succeeded: stats.byStatus.success, lastSuccessAt: catalog.lastRun('backup', ['success'])?.endedAt ?? null },
    snapshots: { count: snaps.length, oldest: snaps[0]?.manifest.time ?? null },
  };
}
