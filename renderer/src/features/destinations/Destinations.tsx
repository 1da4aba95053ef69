/** Where the backups are: the repository, its other copies (NAS, USB, cloud) and the drives this computer sees. */
import { useEffect, useState, type ReactNode } from 'react';
import type { DetectedDestination } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Spinner } from '../../components/ui';
import { formatBytes, formatDateTime, useI18n } from '../../i18n';

export function Destinations(): ReactNode {
  const { t, locale } = useI18n();
  const { api, status } = useApp();
  const [detected, setDetected] = useState<DetectedDestination[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.call('detectDestinations').then(setDetected, (err: unknown) => {
      setDetected([]);
      setError(err);
    });
  }, [api]);
  if (!status) return null;
  return (
    <div className="screen" data-testid="destinations">
      <h1>{t('destinations.title')}</h1>
      <p className="lead">{t('destinations.lead')}</p>
      <Card title={t('destinations.copies')}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('dest.col.destination')}</th>
              <th scope="col">{t('dest.col.kind')}</th>
              <th scope="col">{t('dest.col.last')}</th>
              <th scope="col">{t('dest.col.snapshot')}</th>
              <th scope="col">{t('dest.col.state')}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="dest-path">{status.location}</td>
              <td>{t('dest.primary')}</td>
              <td>{formatDateTime(status.lastSuccessAt, locale)}</td>
              <td>{status.lastBackup?.snapshotId?.slice(0, 8) ?? '—'}</td>
              <td>{status.lastBackup?.status === 'failed' ? t('dest.row.failed', { code: status.lastBackup.errorCode ?? '' }) : t('dest.row.ok')}</td>
            </tr>
            {status.destinations.map((d) => (
              <tr key={d.location}>
                <td className="dest-path">{d.label || d.location}</td>
                <td>{t(`dest.kind.${d.kind}`)}</td>
                <td>{formatDateTime(d.lastSuccessAt, locale)}</td>
                <td>{d.latestSnapshot?.slice(0, 8) ?? '—'}</td>
                <td>{d.offline ? t('dest.row.offline') : d.errorCode ? t('dest.row.failed', { code: d.errorCode }) : d.overdue ? t('dest.row.overdue') : t('dest.row.ok')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {status.destinations.length === 0 && <p className="muted">{t('destinations.noCopies')}</p>}
        <p className="meter-text">{status.copies.text}</p>
      </Card>
      <Card title={t('destinations.detected')}>
        {detected === null ? (
          <Spinner label={t('setup.dest.detecting')} />
        ) : detected.length === 0 ? (
          <p className="muted">{t('setup.dest.noneDetected')}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('dest.col.path')}</th>
                <th scope="col">{t('dest.col.content')}</th>
                <th scope="col">{t('dest.col.space')}</th>
              </tr>
            </thead>
            <tbody>
              {detected.map((d) => (
                <tr key={d.path}>
                  <td className="dest-path">{d.path}</td>
                  <td>{d.repoId === status.repoId ? t('destinations.thisRepository') : t(`dest.state.${d.state}`)}</td>
                  <td>{d.freeBytes !== null && d.totalBytes !== null ? t('setup.dest.free', { free: formatBytes(d.freeBytes, locale), total: formatBytes(d.totalBytes, locale) }) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ErrorBox error={error} />
      </Card>
    </div>
  );
}
