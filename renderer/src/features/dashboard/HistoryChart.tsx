/** Runs and sizes over the last 30 backups: one bar per run (height = bytes stored, colour = outcome), plus a table for screen readers. */
import type { ReactNode } from 'react';
import type { StatusSummary } from '../../../../src/shared/contract.js';
import { formatBytes, formatDateTime, formatNumber, useI18n } from '../../i18n';

const W = 640;
const H = 140;
const PAD = 4;

export function HistoryChart({ history }: { history: StatusSummary['history'] }): ReactNode {
  const { t, locale } = useI18n();
  const runs = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (runs.length === 0) return <p className="muted">{t('history.empty')}</p>;
  const max = Math.max(1, ...runs.map((r) => r.bytesAdded));
  const slot = (W - PAD * 2) / Math.max(runs.length, 10);
  const label = (r: (typeof runs)[number]): string =>
    t('history.bar', {
      at: formatDateTime(r.at, locale),
      status: t(`history.status.${r.status === 'success' || r.status === 'partial' || r.status === 'failed' ? r.status : 'other'}`),
      bytes: formatBytes(r.bytesAdded, locale),
      resources: formatNumber(r.resources, locale),
    });
  return (
    <figure className="chart" data-testid="history-chart">
      <svg viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={t('history.aria', { count: runs.length })} preserveAspectRatio="xMinYMid meet">
        <line x1={PAD} x2={W - PAD} y1={H} y2={H} className="chart-axis" />
        {runs.map((r, i) => {
          const h = r.status === 'failed' ? 6 : Math.max(3, ((H - 10) * r.bytesAdded) / max);
          return (
            <rect key={`${r.at}-${i}`} x={PAD + i * slot + slot * 0.15} y={H - h} width={slot * 0.7} height={h} className={`bar bar-${r.status}`}>
              <title>{label(r)}</title>
            </rect>
          );
        })}
        <text x={PAD} y={H + 16} className="chart-label">
          {formatDateTime(runs[0]?.at, locale)}
        </text>
        <text x={W - PAD} y={H + 16} className="chart-label" textAnchor="end">
          {formatDateTime(runs[runs.length - 1]?.at, locale)}
        </text>
      </svg>
      <figcaption className="chart-legend">
        <span className="legend legend-success">{t('history.status.success')}</span> <span className="legend legend-partial">{t('history.status.partial')}</span>{' '}
        <span className="legend legend-failed">{t('history.status.failed')}</span> · {t('history.max', { bytes: formatBytes(max, locale) })}
      </figcaption>
      <table className="sr-only">
        <caption>{t('dashboard.history')}</caption>
        <tbody>
          {runs.map((r, i) => (
            <tr key={`${r.at}-${i}`}>
              <td>{label(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
