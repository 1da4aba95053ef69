/**
 * Use case: the status for the status command, the dashboard and the tray — facts gathered from the catalog, the
 * repository, the copies and the scheduler's lock; the state, reasons and KPIs are decided by policy/health.
 */
import { renderAlert } from '../alerts/render.js';
import { drillDue } from '../drills/schedule.js';
import { copiesStatus } from '../policy/copies.js';
import { DEFAULT_RPO_MS, healthOf, kpisOf } from '../policy/health.js';
import { DEFAULT_SCHEDULES, inZone } from '../policy/settings.js';
import { t } from '../i18n/index.js';
import { nextRunAt } from '../scheduler/nextRunAt.js';
import { schedulerState } from '../scheduler/schedulerLock.js';
import type { StatusAlert, StatusSummary } from '../shared/contract.js';
import type { EngineContext } from './context.js';
import { destinations as destinationStates } from './copies.js';
import { recoveryKitStatus } from './keys.js';
import { getSettings, scheduleSetting } from './settings.js';
import { storageUsage } from './snapshots.js';

const DAY_MS = 24 * 3600_000;

export async function status(ctx: EngineContext): Promise<StatusSummary> {
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const now = ctx.clock.now();
  const locale = ctx.locale;
  const since = new Date(now.getTime() - 30 * DAY_MS);
  const last = catalog.lastRun('backup');
  // A partial backup (data left out) is not a success: it neither resets the RPO clock nor counts as one.
  const lastOk = catalog.lastRun('backup', ['success']);
  const lastSuccessAt = lastOk?.endedAt ?? null;
  // Status reads only file sizes and snapshot manifests: loading the whole index here cost seconds and hundreds of MB.
  const stats = await storageUsage(ctx);
  const kit = await recoveryKitStatus(ctx);
  const lastDrill = catalog.lastDrill(['success', 'partial', 'failed']);
  const settings = await getSettings(ctx);
  const zone = settings.timeZone as string;
  // Schedules without a zone of their own run on the clinic's clock.
  const drillPolicy = inZone(scheduleSetting(catalog.getSetting('schedule.drill'), DEFAULT_SCHEDULES.drill), zone);
  const due = drillDue(lastDrill ? new Date(lastDrill.startedAt) : null, drillPolicy, now, { since: new Date(repo.config.created) });
  const backupPolicy = inZone(scheduleSetting(catalog.getSetting('schedule.backup'), DEFAULT_SCHEDULES.backup), zone);
  const alerts: StatusAlert[] = catalog.listActiveAlerts().map((a) => ({ key: a.key, rule: a.rule, severity: a.severity, message: renderAlert(a, { locale, timeZone: zone }).message, since: a.firstAt }));
  const destinations = await destinationStates(ctx);
  const copies = copiesStatus(
    destinations.map((d) => {
      const configured = ctx.copies().find((c) => c.location === d.location);
      return {
        id: d.location,
        kind: d.kind === 'local' ? 'nas' : d.kind,
        medium: d.kind === 's3' ? 'cloud' : d.kind === 'usb' ? 'usb' : 'disk',
        offsite: configured?.offsite ?? d.kind === 's3',
        immutable: configured?.immutable ?? false,
        offline: d.offline,
        lastSuccessAt: d.lastSuccessAt,
        lastCheckErrors: d.errorCode ? 1 : 0,
      };
    }),
    now,
    DEFAULT_RPO_MS,
  );
  // The same reading of the scheduler lock as doctor's check: not running means no automatic backups.
  const sched = await schedulerState(ctx.stateDir(repo.id), repo.id);
  const schedulerRunning = sched.state === 'running' || sched.state === 'other-host';
  const running = [...ctx.runningRuns.values()][0] ?? null;
  const { state, reasons } = healthOf(
    {
      now,
      timeZone: zone,
      lastBackup: last ? { status: last.status, startedAt: last.startedAt, endedAt: last.endedAt, errorCode: last.errorCode } : null,
      lastSuccessAt,
      lastCheckStatus: catalog.lastRun('check')?.status ?? null,
      kitConfirmed: kit.confirmed,
      drill: due,
      alerts,
      usbOverdue: destinations.filter((d) => d.overdue).map((d) => d.label),
      schedulerRunning,
      running: running !== null,
    },
    locale,
  );
  // Each source with its latest snapshot (the catalog's snapshot cache holds the source's label).
  const cached = catalog.listSnapshots();
  const latestOf = (location: string): (typeof cached)[number] | null => cached.find((x) => x.source === location) ?? null;
  const sources = [
    ...(settings.source ? [{ kind: 'fhir' as const, name: 'FHIR', location: settings.source.url }] : []),
    ...(settings.sources ?? []).map((x) => ({ kind: x.kind, name: x.name, location: x.name })),
  ].map((x) => {
    const snap = latestOf(x.location);
    return { kind: x.kind, name: x.name, lastSnapshotAt: snap?.time ?? null, lastSnapshotId: snap?.id ?? null, files: x.kind === 'fhir' ? null : (snap?.counts['files'] ?? null) };
  });
  const drills = catalog.listDrills(100).filter((d) => Date.parse(d.startedAt) > now.getTime() - 365 * DAY_MS);
  return {
    repoId: repo.id,
    location: ctx.location,
    state,
    reasons,
    lastBackup: last ? { at: last.endedAt ?? last.startedAt, status: last.status, snapshotId: last.snapshotId, errorCode: last.errorCode } : null,
    lastSuccessAt,
    nextBackupAt: schedulerRunning ? nextRunAt(backupPolicy, lastOk?.startedAt ? new Date(lastOk.startedAt) : null, now).toISOString() : null,
    scheduler: { running: schedulerRunning, state: sched.state, pid: 'pid' in sched ? sched.pid : null, since: 'since' in sched ? sched.since : null, host: 'host' in sched ? sched.host : null },
    timeZone: zone,
    running,
    snapshots: catalog.listSnapshots().length,
    alerts,
    kpis: kpisOf({
      now,
      lastSuccessAt,
      backupSuccessRate: catalog.runStats('backup', since).successRate,
      validationRate: catalog.runStats('check', since).successRate,
      drills,
      latestBytes: stats.latestBytes,
      storedBytes: stats.storedBytes,
    }),
    recoveryKit: { confirmed: kit.confirmed },
    copies: { copies: copies.copies, media: copies.media, offsite: copies.offsite, immutable: copies.immutable, errors: copies.errors, ok: copies.ok, text: t(copies.text.key, copies.text.params, locale) },
    destinations,
    drill: { lastAt: lastDrill?.startedAt ?? null, dueAt: due.dueAt.toISOString(), overdue: due.overdue },
    history: catalog
      .listRuns({ kind: 'backup', limit: 30 })
      .map((r) => ({ at: r.startedAt, status: r.status, resources: r.resourcesTotal, bytesAdded: r.bytesAdded })),
    sources,
  };
}
