/** The audit log (who did what, when) as sentences: newest first, filterable, read-only. */
import { useEffect, useState, type ReactNode } from 'react';
import type { AuditLogEntry } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Spinner } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';
import { auditSentence } from './sentences';

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
  const rows = (entries ?? []).map((e) => ({ e, sentence: auditSentence(e, t, locale) }));
  const shown = rows.filter((r) => !q || `${r.e.actor} ${r.sentence}`.toLowerCase().includes(q));
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
              <th scope="col">{t('audit.col.what')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map(({ e, sentence }) => (
              <tr key={e.seq} data-action={e.action}>
                <td>{e.seq}</td>
                <td>{formatDateTime(e.at, locale)}</td>
                <td>{sentence}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries && shown.length === 0 && <p className="muted">{t('audit.none')}</p>}
    </div>
  );
}
