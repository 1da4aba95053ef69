/** The last weekly summary ("tudo certo" or what needs attention), as it was e-mailed. */
import type { ReactNode } from 'react';
import type { WeeklySummaryView } from '../../../../src/shared/contract.js';
import { Card } from '../../components/ui';
import { formatBytes, formatDateTime, useI18n } from '../../i18n';

export function WeeklySummaryCard({ summary }: { summary: WeeklySummaryView | null | undefined }): ReactNode {
  const { t, locale } = useI18n();
  if (!summary) return null;
  return (
    <Card title={t('weekly.title')}>
      <div data-testid="weekly-summary" data-all-good={String(summary.allGood)}>
        <p>
          <strong>{summary.allGood ? t('weekly.allGood') : t('weekly.attention')}</strong>
        </p>
        {summary.attention.length > 0 && (
          <ul>
            {summary.attention.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        )}
        <p>{t('weekly.backups', { ok: summary.backups.ok, total: summary.backups.total, added: formatBytes(summary.backups.bytesAdded, locale) })}</p>
        <p>{summary.lastDrill ? t('weekly.drill', { at: formatDateTime(summary.lastDrill.at, locale) }) : t('weekly.noDrill')}</p>
        <p className="muted small">{t('weekly.period', { from: formatDateTime(summary.from, locale), to: formatDateTime(summary.to, locale), score: summary.healthScore })}</p>
      </div>
    </Card>
  );
}
