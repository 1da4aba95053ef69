/** The verification rotation's last reading of every copy (every byte of every copy is read at least once a month). */
import type { ReactNode } from 'react';
import type { StatusSummary } from '../../../../src/shared/contract.js';
import { Card } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';

export function VerificationPanel({ status }: { status: StatusSummary }): ReactNode {
  const { t, locale } = useI18n();
  if (status.destinations.length === 0) return null;
  return (
    <Card title={t('verify.title')}>
      <table className="table" data-testid="verification">
        <thead>
          <tr>
            <th scope="col">{t('verify.col.copy')}</th>
            <th scope="col">{t('verify.col.when')}</th>
            <th scope="col">{t('verify.col.result')}</th>
          </tr>
        </thead>
        <tbody>
          {status.destinations.map((d) => {
            const v = d.verification ?? null;
            return (
              <tr key={d.location} data-copy={d.location} data-verified={v === null ? 'never' : v.ok ? 'ok' : 'damaged'}>
                <td>{d.label || d.location}</td>
                <td>{v ? formatDateTime(v.at, locale) : t('verify.never')}</td>
                <td>{v === null ? '—' : v.ok ? t('verify.ok', { slice: v.slice ?? '—' }) : t('verify.damaged', { code: v.errorCode ?? '' })}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">{t('verify.note')}</p>
    </Card>
  );
}
