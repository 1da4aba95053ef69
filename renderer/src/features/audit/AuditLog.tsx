/** The audit log (who did what, when): newest first, filterable, read-only. */
import { useEffect, useState, type ReactNode } from 'react';
import type { AuditLogEntry } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Spinner } from '../../components/ui';
import { formatDateTime, hasMessage, useI18n } from '../../i18n';

function detailsText(d: unknown): string {
  if (d === null || d === undefined) return '';
  if (typeof d !== 'object') return String(d);
  return Object.entries(d as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

export function AuditLog(): ReactNode {
  const { t, locale } = useI18n();
  const { api } = useApp();
  const [entries, setEntries] = useState<AuditLogEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    api.call('auditLog', 500).then(setEntries, setError);
  }, [api]);
  const q = filter.trim().toLowerCase();
  const shown = (entries ?? []).filter((e) => !q || `${e.action} ${e.actor} ${detailsText(e.details)}`.toLowerCase().includes(q));
  const actionLabel = (a: string): string => {
    const key = `audit.action.${a}`;
    return hasMessage(key) ? t(key) : a;
  };
  return (
    <div className="screen" data-testid="audit">
      <h1>{t('audit.title')}</h1>
      <p className="lead">{t('audit.lead')}</p>
      <Field label={t('audit.filter')}>{(p) => <input {...p} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />}</Field>
      <ErrorBox error={error} />
      {entries === null && !error ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <table className="table audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('audit.col.when')}</th>
              <th scope="col">{t('audit.col.who')}</th>
              <th scope="col">{t('audit.col.what')}</th>
              <th scope="col">{t('audit.col.details')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td>{formatDateTime(e.at, locale)}</td>
                <td>{e.actor}</td>
                <td>{actionLabel(e.action)}</td>
                <td className="details">{detailsText(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries && shown.length === 0 && <p className="muted">{t('audit.none')}</p>}
    </div>
  );
}
