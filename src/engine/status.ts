/**
 * Use case: the status for the status command, the dashboard and the tray — facts gathered from the catalog, the
 * repository, the copies and the scheduler's lock; the KPIs are decided by policy/health, the headline (and the
 * state derived from it) by policy/headline.
 */
import { copiesStatus, DEFAULT_RPO_MS, DEFAULT_SCHEDULES, findIndicator, headlineOf, type IndicatorId, inZone, kpisOf } from '../policy/index.js';
import { copyOfLocation } from '../backend/index.js';
import { errorSide, type HealthState, type StatusAlert, type StatusSummary, type WeeklySummaryView } from '../shared/index.js';
import { t } from '../i18n/index.js';
import { nextRunAt, schedulerState } from '../scheduler/index.js';
import type { EngineContext } from './context.js';
import { destinations as destinationStates } from './copies.js';
import { recoveryKitStatus } from './keys.js';
import { getSettings, scheduleSetting } from './settings.js';
import { cachedStorageUsage } from './usage.js';
import { indicatorsFromCatalog, indicatorViews } from './indicators.js';

const DAY_MS = 24 * 3600_000;

export async function status(ctx: EngineContext): Promise<StatusSummary> {
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const now = ctx.clock.now();
  const locale = ctx.locale;
  const last = catalog.lastRun('backup');
  // A partial backup (data left out) is not a success: it neither resets the RPO clock nor counts as one.
  const lastOk = catalog.lastRun('backup', ['success']);
  const lastSuccessAt = lastOk?.endedAt ?? null;
  // Status never lists the store: the last measure from the catalog, refreshed in the background (engine/usage.ts).
  const usage = cachedStorageUsage(ctx, catalog, repo.id);
  const stats = { latestBytes: usage?.latestBytes ?? 0, storedBytes: usage?.storedBytes ?? 0 };
  const kit = await recoveryKitStatus(ctx);
  const lastDrill = catalog.lastDrill(['success', 'partial', 'failed']);
  const settings = await getSettings(ctx);
  const zone = settings.timeZone as string;
  // Schedules without a zone of their own run on the clinic's clock.
  const drillPolicy = inZone(scheduleSetting(catalog.getSetting('schedule.drill'), DEFAULT_SCHEDULES.drill), zone);
  // The two pure functions status needs, from their own files: the drills and alerts modules' surfaces would also
  // load the drill runner (restorer, archiver) and the alert channels, which a status never runs.
  const [{ drillDue }, { renderAlert }] = await Promise.all([import('../drills/schedule.js'), import('../alerts/render.js')]);
  const due = drillDue(lastDrill ? new Date(lastDrill.startedAt) : null, drillPolicy, now, { since: new Date(repo.config.created) });
  const backupPolicy = inZone(scheduleSetting(catalog.getSetting('schedule.backup'), DEFAULT_SCHEDULES.backup), zone);
  const alerts: StatusAlert[] = catalog
    .listActiveAlerts()
    .map((a) => ({ key: a.key, rule: a.rule, severity: a.severity, message: renderAlert(a, { locale, timeZone: zone }).message, since: a.firstAt }));
  const destinations = await destinationStates(ctx);
  // The primary repository is a copy too (a NAS with a USB drive in rotation is server + NAS + USB = 3).
  const primaryKind = copyOfLocation(ctx.location).kind;
  const lastCheck = catalog.lastRun('check', ['success', 'partial', 'failed']);
  const primaryCopy = {
    id: ctx.location,
    kind: primaryKind === 's3' ? 's3' : primaryKind === 'usb' ? 'usb' : 'nas',
    medium: primaryKind === 's3' ? 'cloud' : primaryKind === 'usb' ? 'usb' : 'disk',
    offsite: primaryKind === 's3',
    immutable: false,
    offline: false,
    lastSuccessAt,
    lastCheckErrors: lastCheck && lastCheck.status !== 'success' ? 1 : 0,
  } as const;
  const copies = copiesStatus(
    [
      primaryCopy,
      ...destinations.map((d) => {
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
    ],
    now,
    DEFAULT_RPO_MS,
  );
  // The same reading of the scheduler lock as doctor's check: not running means no automatic backups.
  const sched = await schedulerState(ctx.stateDir(repo.id), repo.id);
  const schedulerRunning = sched.state === 'running' || sched.state === 'other-host';
  // A run of this process, else one the scheduler (another process, alive: it holds its lock) has in progress.
  // Runs left "running" by a process that died are not shown: the next scheduler closes them as interrupted.
  const elsewhere = schedulerRunning ? catalog.listRuns({ status: 'running', limit: 1 })[0] : undefined;
  const running = [...ctx.runningRuns.values()][0] ?? (elsewhere ? { kind: elsewhere.kind, since: elsewhere.startedAt } : null);
  const indicators = indicatorsFromCatalog({ catalog, now, copies: ctx.copies(), latestBytes: stats.latestBytes, storedBytes: stats.storedBytes, localRpoMs: DEFAULT_RPO_MS });
  const value = (id: IndicatorId): number | null => findIndicator(indicators, id)?.value ?? null;
  const drills = catalog.listDrills(100).filter((d) => Date.parse(d.startedAt) > now.getTime() - 365 * DAY_MS);
  const kpis = {
    ...kpisOf({ now, lastSuccessAt, backupSuccessRate: null, validationRate: null, drills, latestBytes: stats.latestBytes, storedBytes: stats.storedBytes }),
    // The same figures as the indicators (one formula each: docs/indicators.md).
    backupSuccessRate: value('backupSuccessRate'),
    validationRate: value('validationRate'),
    recoveryTestSuccessRate: value('recoverySuccessRate'),
    mttrMs: value('mttr'),
    healthScore: value('healthScore') ?? 0,
  };
  const failedSide = last?.status === 'failed' && last.errorCode ? errorSide(last.errorCode) : null;
  // One rule decides the headline from the same facts as the score, the tiles and the alerts.
  const headline = headlineOf(
    {
      now,
      rpoMs: DEFAULT_RPO_MS,
      lastBackup: last ? { status: last.status, failedSide, errorCode: last.errorCode } : null,
      lastSuccessAt,
      lastCheckStatus: catalog.lastRun('check')?.status ?? null,
      kitConfirmed: kit.confirmed,
      drill: { overdue: due.overdue, lastAt: lastDrill?.startedAt ?? null },
      alerts,
      copiesMissing: copies.missing.map((m) => ({ rule: m.rule, text: t(m.key, m.params, locale) })),
      usbOverdue: destinations.filter((d) => d.overdue).map((d) => d.label),
      schedulerRunning,
      kpis,
    },
    locale,
  );
  // While something runs it is shown (progress), unless there is a problem to see first.
  const state: HealthState = running !== null && headline.level !== 'problem' ? 'running' : headline.level === 'problem' ? 'error' : headline.level === 'attention' ? 'warning' : 'ok';
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
  return {
    repoId: repo.id,
    location: ctx.location,
    state,
    headline,
    reasons: headline.points.map((p) => p.text),
    lastBackup: last ? { at: last.endedAt ?? last.startedAt, status: last.status, snapshotId: last.snapshotId, errorCode: last.errorCode, failedSide } : null,
    lastSuccessAt,
    nextBackupAt: schedulerRunning ? nextRunAt(backupPolicy, lastOk?.startedAt ? new Date(lastOk.startedAt) : null, now).toISOString() : null,
    scheduler: { running: schedulerRunning, state: sched.state, pid: 'pid' in sched ? sched.pid : null, since: 'since' in sched ? sched.since : null, host: 'host' in sched ? sched.host : null },
    timeZone: zone,
    running,
    snapshots: catalog.listSnapshots().length,
    alerts,
    kpis,
    indicators: indicatorViews(indicators, locale),
    // Kept by the weekly summary job (engine/summary.ts).
    weeklySummary: (catalog.getSetting('summary.last') as WeeklySummaryView | undefined) ?? null,
    recoveryKit: { confirmed: kit.confirmed },
    copies: {
      copies: copies.copies,
      media: copies.media,
      offsite: copies.offsite,
      immutable: copies.immutable,
      errors: copies.errors,
      ok: copies.ok,
      text: t(copies.text.key, copies.text.params, locale),
      missing: copies.missing.map((m) => ({ rule: m.rule, text: t(m.key, m.params, locale) })),
    },
    destinations,
    primaryVerification: (() => {
      const c = catalog.lastRun('check', ['success', 'failed']);
      return c ? { at: c.endedAt ?? c.startedAt, ok: c.status === 'success', slice: /slice (\d+\/\d+)/.exec(c.errorMessage ?? '')?.[1] ?? null, errorCode: c.errorCode } : null;
    })(),
    drill: { lastAt: lastDrill?.startedAt ?? null, dueAt: due.dueAt.toISOString(), overdue: due.overdue },
    history: catalog.listRuns({ kind: 'backup', limit: 30 }).map((r) => ({ at: r.startedAt, status: r.status, resources: r.resourcesTotal, bytesAdded: r.bytesAdded })),
    sources,
  };
}
