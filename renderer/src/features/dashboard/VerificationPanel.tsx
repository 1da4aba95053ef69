/** The verification rotation's last reading of the main copy and of every other copy (every byte of every copy is read at least once a month). */
import type { ReactNode } from 'react';
import type { StatusSummary } from '../../../../src/shared/contract.js';
import { Card } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';

export function VerificationPanel({ status }: { status: StatusSummary }): ReactNode {
  const { t, locale } = useI18n();
  const primary = status.primaryVerification ?? null;
  const row = (key: string, label: string, v: typeof primary): ReactNode => (
    <tr key={key} data-copy={key} data-verified={v === null ? 'never' : v.ok ? 'ok' : 'damaged'}>
      <td>{label}</td>
      <td>{v ? formatDateTime(v.at, locale) : t('verify.never')}</td>
      <td>{v === null ? '—' : v.ok ? t('verify.ok', { slice: v.slice ?? '—' }) : t('verify.damaged', { code: v.errorCode ?? '' })}</td>
    </tr>
  );
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
          {row('primary', t('verify.primary'), primary)}
          {status.destinations.map((d) => row(d.location, d.label || d.location, d.verification ?? null))}
        </tbody>
      </table>
      <p className="muted small">{t('verify.note')}</p>
    </Card>
  );
}
