/**
 * The status dashboard: state and "Back up now" with live progress, the 3-2-1-1-0 meter, last/next backup per
 * destination, health score and KPIs, alerts with fix-it actions, and the history of runs and sizes.
 * Everything shown is computed by the engine (status()); this screen only lays it out.
 */
import type { ReactNode } from 'react';
import type { StatusAlert, StatusSummary } from '../../../../src/shared/contract.js';
import { useApp, type Route } from '../../app/state';
import type { OperationKind } from '../../../../src/shared/events.js';
import { CancelledNotice, RunningTasks } from '../../components/tasks';
import { Card, ErrorBox, Notice } from '../../components/ui';
import { formatBytes, formatDateTime, formatDuration, formatNumber, formatPercent, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';
import { Headline, scoreClass } from './Headline';
import { HistoryChart } from './HistoryChart';
import { IndicatorsPanel } from './IndicatorsPanel';
import { CopiesMissing } from './CopiesMissing';
import { VerificationPanel } from './VerificationPanel';
import { WeeklySummaryCard } from './WeeklySummaryCard';
import { SourcesCard } from './SourcesCard';

/** Every long operation shows here while it runs, with its Cancel button. */
const ALL_TASKS: readonly OperationKind[] = ['backup', 'check', 'restore', 'replicate', 'prune', 'drill', 'repair', 'report', 'rebuild'];
const RUNNING_LABEL: Readonly<Partial<Record<OperationKind, MessageKey>>> = { backup: 'dashboard.backupRunning', restore: 'dashboard.restoreRunning', check: 'dashboard.checkRunning' };

/** What the user can do about each kind of alert. */
const ALERT_FIX: Readonly<Record<string, { label: MessageKey; action: 'backup' | 'check' | Route }>> = {
  stale: { label: 'alert.fix.backup', action: 'backup' },
  failed: { label: 'alert.fix.backup', action: 'backup' },
  integrity: { label: 'alert.fix.check', action: 'check' },
  disk: { label: 'alert.fix.destinations', action: 'destinations' },
  offsite: { label: 'alert.fix.destinations', action: 'destinations' },
  usb: { label: 'alert.fix.destinations', action: 'destinations' },
  drill: { label: 'alert.fix.drill', action: 'drills' },
  kit: { label: 'alert.fix.kit', action: 'settings' },
};

function CopiesMeter({ copies }: { copies: StatusSummary['copies'] }): ReactNode {
  const { t } = useI18n();
  const cells: { key: string; have: number; need: number; label: MessageKey; ok: boolean }[] = [
    { key: 'copies', have: copies.copies, need: 3, label: 'meter.copies', ok: copies.copies >= 3 },
    { key: 'media', have: copies.media, need: 2, label: 'meter.media', ok: copies.media >= 2 },
    { key: 'offsite', have: copies.offsite, need: 1, label: 'meter.offsite', ok: copies.offsite >= 1 },
    { key: 'immutable', have: copies.immutable, need: 1, label: 'meter.immutable', ok: copies.immutable >= 1 },
    { key: 'errors', have: copies.errors, need: 0, label: 'meter.errors', ok: copies.errors === 0 },
  ];
  return (
    <div className="meter" data-testid="meter-32110">
      <ol className="meter-cells" aria-label={t('meter.title')}>
        {cells.map((c) => (
          <li key={c.key} className={c.ok ? 'meter-ok' : 'meter-missing'}>
            <span className="meter-value">
              {c.have}
              <span className="meter-need">/{c.need}</span>
            </span>
            <span className="meter-label">{t(c.label)}</span>
            <span className="sr-only">{c.ok ? t('meter.met') : t('meter.notMet')}</span>
          </li>
        ))}
      </ol>
      <p className="meter-text">{copies.text}</p>
    </div>
  );
}

function Alerts({ alerts, points, onFix }: { alerts: readonly StatusAlert[]; points: number; onFix: (a: StatusAlert) => void }): ReactNode {
  const { t, locale } = useI18n();
  // "No alerts" alone next to points that need attention would contradict the headline.
  if (alerts.length === 0)
    return (
      <p className="muted" data-testid="no-alerts">
        {points > 0 ? t('dashboard.noAlertsButPoints', { count: points }) : t('dashboard.noAlerts')}
      </p>
    );
  return (
    <ul className="alerts">
      {alerts.map((a) => {
        const fix = ALERT_FIX[a.rule];
        return (
          <li key={a.key} className={`alert alert-${a.severity}`}>
            <span className="alert-severity">{t(`severity.${a.severity}`)}</span>
            <span className="alert-message">{a.message}</span>
            <span className="alert-since">{t('dashboard.since', { at: formatDateTime(a.since, locale) })}</span>
            {fix && (
              <button type="button" onClick={() => onFix(a)}>
                {t(fix.label)}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function Dashboard(): ReactNode {
  const { t, locale } = useI18n();
  const { status, run, tasks, navigate, startBackup, backup, api, refresh } = useApp();
  if (!status) return null;
  const s = status;
  const running = run !== null || backup.state === 'running';
  const k = s.kpis;

  const fix = (a: StatusAlert): void => {
    const f = ALERT_FIX[a.rule];
    if (!f) return;
    if (f.action === 'backup') void startBackup();
    else if (f.action === 'check') void api.call('check', { readData: true }).finally(() => void refresh());
    else navigate(f.action);
  };

  return (
    <div className="screen dashboard" data-testid="dashboard">
      <h1 className="sr-only">{t('nav.dashboard')}</h1>
      <Headline
        status={s}
        running={running}
        actions={
          <button type="button" className="primary big" disabled={running} onClick={() => void startBackup()} data-testid="backup-now">
            {t('dashboard.backupNow')}
          </button>
        }
      >
        <p className="hero-times">
          {t('dashboard.lastSuccess', { at: formatDateTime(s.lastSuccessAt, locale) })} ·{' '}
          {t('dashboard.next', { at: s.nextBackupAt ? formatDateTime(s.nextBackupAt, locale) : t('dashboard.noScheduler') })}
        </p>
        <p className="hero-times muted small" data-testid="time-zone">
          {t('dashboard.timeZone', { zone: s.timeZone })}
        </p>
      </Headline>

      {(running || tasks.length > 0) && <RunningTasks kinds={ALL_TASKS} label={(kind, title) => (RUNNING_LABEL[kind] ? t(RUNNING_LABEL[kind]) : title)} fallback={running} />}
      <CancelledNotice kinds={ALL_TASKS} testId="task-cancelled" />
      {backup.state === 'done' && !running && (
        <Notice kind={backup.partial ? 'warning' : 'ok'} testId="backup-success">
          {t(backup.partial ? 'dashboard.backupPartial' : 'dashboard.backupDone', {
            resources: formatNumber(backup.resources, locale),
            added: backup.added,
            changed: backup.changed,
            deleted: backup.deleted,
            duration: formatDuration(backup.durationMs, locale),
          })}
        </Notice>
      )}
      {backup.state === 'sources-done' && !running && (
        <Notice kind="ok" testId="backup-success">
          {t('dashboard.sourcesDone', { names: backup.names.join(', ') })}
        </Notice>
      )}
      {backup.state === 'failed' && !running && <ErrorBox error={backup.error} title={t('dashboard.backupFailed')} testId="backup-error" />}

      <div className="grid">
        <Card title={t('meter.title')}>
          <CopiesMeter copies={s.copies} />
          <CopiesMissing copies={s.copies} />
        </Card>
        <Card title={t('dashboard.health')}>
          <div className="health" data-testid="health-score">
            <span className={`health-score ${scoreClass(s.headline.level)}`}>{formatNumber(Math.round(k.healthScore), locale)}</span>
            <span className="health-of">/100</span>
          </div>
          <dl className="kpis">
            <dt>{t('kpi.successRate')}</dt>
            <dd>{formatPercent(k.backupSuccessRate, locale)}</dd>
            <dt>{t('kpi.compression')}</dt>
            <dd>{formatPercent(k.compressionRate, locale)}</dd>
            <dt>{t('kpi.validation')}</dt>
            <dd>{formatPercent(k.validationRate, locale)}</dd>
            <dt>{t('kpi.drills')}</dt>
            <dd>{formatPercent(k.recoveryTestSuccessRate, locale)}</dd>
            <dt>{t('kpi.rpo')}</dt>
            <dd>{t('kpi.rpoValue', { achieved: formatDuration(k.rpoAchievedMs, locale), target: formatDuration(k.rpoTargetMs, locale) })}</dd>
            <dt>{t('kpi.mttr')}</dt>
            <dd>{formatDuration(k.mttrMs, locale)}</dd>
          </dl>
        </Card>
      </div>

      <SourcesCard sources={s.sources} />

      <Card title={t('dashboard.destinations')}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('dest.col.destination')}</th>
              <th scope="col">{t('dest.col.last')}</th>
              <th scope="col">{t('dest.col.next')}</th>
              <th scope="col">{t('dest.col.state')}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>
                <span className="dest-path">{s.location}</span> <span className="tag">{t('dest.primary')}</span>
              </td>
              <td>{formatDateTime(s.lastSuccessAt, locale)}</td>
              <td>{s.nextBackupAt ? formatDateTime(s.nextBackupAt, locale) : t('dashboard.noScheduler')}</td>
              <td>
                {s.lastBackup?.status === 'failed' ? t('dest.row.failed', { code: s.lastBackup.errorCode ?? '' }) : s.lastBackup?.status === 'partial' ? t('dest.row.partial') : t('dest.row.ok')}
              </td>
            </tr>
            {s.destinations.map((d) => (
              <tr key={d.location}>
                <td>
                  <span className="dest-path">{d.label || d.location}</span> <span className="tag">{t(`dest.kind.${d.kind}`)}</span>
                </td>
                <td>{formatDateTime(d.lastSuccessAt, locale)}</td>
                <td>{t('dest.afterEachBackup')}</td>
                <td>{d.offline ? t('dest.row.offline') : d.errorCode ? t('dest.row.failed', { code: d.errorCode }) : d.overdue ? t('dest.row.overdue') : t('dest.row.ok')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <div id="alerts">
        <Card title={t('dashboard.alerts')}>
          <Alerts alerts={s.alerts} points={s.headline.points.length} onFix={fix} />
        </Card>
      </div>

      <IndicatorsPanel indicators={s.indicators} />
      <VerificationPanel status={s} />
      <WeeklySummaryCard summary={s.weeklySummary} />

      <Card title={t('dashboard.history')}>
        <HistoryChart history={s.history} />
        <p className="muted small">
          {t('dashboard.historyNote', {
            points: s.snapshots,
            bytes: formatBytes(
              s.history.reduce((n, h) => n + h.bytesAdded, 0),
              locale,
            ),
          })}
        </p>
      </Card>
    </div>
  );
}
