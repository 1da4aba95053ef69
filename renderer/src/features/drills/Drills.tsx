/**
 * Restore drills: when the next one is due, run one now (the engine restores a snapshot into its sandbox
 * server and validates it), the history, and each drill's printable report.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp } from '../../app/state';
import { isApiError, isUnavailable, type DrillRunResult, type DrillSummary } from '../../api/client';
import { CancelledNotice, RunningTasks } from '../../components/tasks';
import { Card, ErrorBox, Notice } from '../../components/ui';
import { formatDateTime, formatDuration, formatNumber, formatPercent, hasMessage, useI18n } from '../../i18n';
import { SourceDrills } from './SourceDrills';

export function Drills(): ReactNode {
  const { t, locale } = useI18n();
  const { api, status, refresh } = useApp();
  const [drills, setDrills] = useState<DrillSummary[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<DrillRunResult | null>(null);
  const [report, setReport] = useState<{ id: number } | null>(null);
  const reportRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      setDrills(await api.call('listDrills'));
    } catch (err) {
      if (isUnavailable(err)) setUnavailable(true);
      else setError(err);
    }
  }, [api]);

  useEffect(() => void load(), [load]);
  useEffect(() => reportRef.current?.focus(), [report]);

  async function runNow(): Promise<void> {
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.call('runDrill'));
      await load();
    } catch (err) {
      if (isUnavailable(err)) setUnavailable(true);
      // A cancelled drill is recorded as interrupted; the notice of the cancelled task says so.
      else if (isApiError(err, 'CANCELLED')) await load();
      else setError(err);
    } finally {
      setRunning(false);
      await refresh();
    }
  }

  /** The report is served by the host at reports/drill/<id> (its own CSP: styles, no scripts) and framed here. */
  function openReport(id: number): void {
    setReport({ id });
  }

  const statusText = (s: string): string => {
    const key = `drills.status.${s}`;
    return hasMessage(key) ? t(key) : s;
  };
  const d = status?.drill;
  // Without a records server the drill of the records has nothing to restore; folders and databases have their own.
  const hasRecords = !status?.sources || status.sources.length === 0 || status.sources.some((s) => s.kind === 'fhir');
  return (
    <div className="screen" data-testid="drills">
      <h1>{t('drills.title')}</h1>
      <p className="lead">{t('drills.lead')}</p>
      <Card title={t('drills.schedule')}>
        <dl className="kv">
          <dt>{t('drills.last')}</dt>
          <dd>{formatDateTime(d?.lastAt, locale)}</dd>
          <dt>{t('drills.due')}</dt>
          <dd data-testid="drill-due">
            {formatDateTime(d?.dueAt, locale)} {d?.overdue && <span className="tag warn">{t('drills.overdue')}</span>}
          </dd>
          <dt>{t('kpi.mttr')}</dt>
          <dd>{formatDuration(status?.kpis.mttrMs, locale)}</dd>
        </dl>
        {!hasRecords ? null : unavailable ? (
          <Notice kind="warning" testId="drills-unavailable">
            {t('drills.unavailable')}
          </Notice>
        ) : (
          <button type="button" className="primary" disabled={running} onClick={() => void runNow()} data-testid="run-drill">
            {t('drills.runNow')}
          </button>
        )}
        {running && <RunningTasks kinds={['drill']} label={() => t('drills.running')} fallback />}
        {!running && <CancelledNotice kinds={['drill']} testId="drill-cancelled" />}
        {result && (
          <Notice kind={result.status === 'success' ? 'ok' : 'warning'} testId="drill-done">
            <strong>{t('drills.done', { status: statusText(result.status) })}</strong>{' '}
            {t('drills.doneDetails', {
              resources: formatNumber(result.resourcesRestored, locale),
              time: formatDuration(result.recoveryTimeMs, locale),
              score: formatPercent(result.integrityScore, locale),
            })}{' '}
            <button type="button" onClick={() => openReport(result.id)} data-testid="open-latest-report">
              {t('drills.openReport')}
            </button>
          </Notice>
        )}
        <ErrorBox error={error} />
      </Card>
      <SourceDrills />
      {report && (
        <Card title={t('drills.report', { id: report.id })}>
          <h3 ref={reportRef} tabIndex={-1} className="sr-only">
            {t('drills.report', { id: report.id })}
          </h3>
          <iframe className="report-frame" title={t('drills.report', { id: report.id })} sandbox="" src={`reports/drill/${report.id}`} data-testid="drill-report" />
          <div className="actions">
            <a className="button primary" href={`reports/drill/${report.id}.pdf`} download data-testid="save-pdf">
              {t('drills.savePdf')}
            </a>
            <button type="button" onClick={() => setReport(null)}>
              {t('drills.closeReport')}
            </button>
          </div>
        </Card>
      )}
      <Card title={t('drills.history')}>
        {drills === null || drills.length === 0 ? (
          <p className="muted">{unavailable ? t('drills.historyUnavailable') : t('drills.none')}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('drills.col.when')}</th>
                <th scope="col">{t('drills.col.status')}</th>
                <th scope="col">{t('drills.col.time')}</th>
                <th scope="col">{t('drills.col.resources')}</th>
                <th scope="col">{t('drills.col.score')}</th>
                <th scope="col">{t('drills.col.report')}</th>
              </tr>
            </thead>
            <tbody>
              {drills.map((x) => (
                <tr key={x.id}>
                  <td>{formatDateTime(x.startedAt, locale)}</td>
                  <td>{statusText(x.status)}</td>
                  <td>{formatDuration(x.recoveryTimeMs, locale)}</td>
                  <td>{formatNumber(x.resourcesRestored, locale)}</td>
                  <td>{formatPercent(x.integrityScore, locale)}</td>
                  <td>
                    {x.status !== 'running' && (
                      <button type="button" onClick={() => openReport(x.id)} data-testid={`report-${x.id}`}>
                        {t('drills.openReport')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
