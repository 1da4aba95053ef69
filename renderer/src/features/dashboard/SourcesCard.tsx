/**
 * What is protected: each source (the FHIR server, folders, databases) with its latest restore point, from the
 * engine's status. Shown only when the clinic has more than the FHIR server (or no FHIR server at all).
 */
import type { ReactNode } from 'react';
import type { StatusSummary } from '../../../../src/shared/contract.js';
import { Card } from '../../components/ui';
import { formatDateTime, formatNumber, useI18n } from '../../i18n';

const KIND_LABEL = { fhir: 'sources.kind.fhir', folders: 'sources.kind.folders', database: 'sources.kind.database' } as const;

export function SourcesCard({ sources }: { sources: StatusSummary['sources'] }): ReactNode {
  const { t, locale } = useI18n();
  if (!sources || sources.length === 0 || (sources.length === 1 && sources[0]?.kind === 'fhir')) return null;
  return (
    <Card title={t('sources.title')}>
      <table className="table" data-testid="sources">
        <thead>
          <tr>
            <th scope="col">{t('sources.col.source')}</th>
            <th scope="col">{t('sources.col.kind')}</th>
            <th scope="col">{t('sources.col.last')}</th>
            <th scope="col">{t('sources.col.files')}</th>
          </tr>
        </thead>
        <tbody>
          {sources.map((x) => (
            <tr key={`${x.kind}:${x.name}`} data-source={x.name}>
              <td>{x.name}</td>
              <td>{t(KIND_LABEL[x.kind])}</td>
              <td>{x.lastSnapshotAt ? formatDateTime(x.lastSnapshotAt, locale) : t('sources.never')}</td>
              <td>{x.files === null ? '—' : formatNumber(x.files, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
