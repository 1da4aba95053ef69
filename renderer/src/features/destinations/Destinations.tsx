/** Where the backups are: the repository, its other copies (NAS, USB, cloud) and the drives this computer sees. */
import { useEffect, useState, type ReactNode } from 'react';
import type { AddCopyResult, AppSettings, DetectedDestination } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Notice, Spinner } from '../../components/ui';
import { formatBytes, formatDateTime, useI18n } from '../../i18n';
import { DriveCopyForm, OffsiteForm } from './CopyForms';

export function Destinations(): ReactNode {
  const { t, locale } = useI18n();
  const { api, status, refresh } = useApp();
  const [detected, setDetected] = useState<DetectedDestination[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [adding, setAdding] = useState<'s3' | 'drive' | null>(null);
  const [added, setAdded] = useState<AddCopyResult | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  useEffect(() => {
    api.call('detectDestinations').then(setDetected, (err: unknown) => {
      setDetected([]);
      setError(err);
    });
    api.call('getSettings').then(setSettings, setError);
  }, [api]);

  /** Copies added here can be removed here; those given on the command line belong to whoever set them. */
  const removable = (location: string): boolean => settings?.copies?.some((c) => c.location === location) ?? false;

  async function afterAdd(r: AddCopyResult): Promise<void> {
    setAdded(r);
    setAdding(null);
    setRemoved(null);
    setSettings(await api.call('getSettings'));
  }

  async function remove(location: string): Promise<void> {
    setError(null);
    try {
      await api.call('removeCopy', location);
      setConfirmRemove(null);
      setRemoved(location);
      setAdded(null);
      setSettings(await api.call('getSettings'));
      await refresh();
    } catch (err) {
      setError(err);
    }
  }
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
              <th scope="col">
                <span className="sr-only">{t('dest.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="dest-path">{status.location}</td>
              <td>{t('dest.primary')}</td>
              <td>{formatDateTime(status.lastSuccessAt, locale)}</td>
              <td>{status.lastBackup?.snapshotId?.slice(0, 8) ?? '—'}</td>
              <td>{status.lastBackup?.status === 'failed' ? t('dest.row.failed', { code: status.lastBackup.errorCode ?? '' }) : t('dest.row.ok')}</td>
              <td />
            </tr>
            {status.destinations.map((d) => (
              <tr key={d.location}>
                <td className="dest-path">{d.label || d.location}</td>
                <td>{t(`dest.kind.${d.kind}`)}</td>
                <td>{formatDateTime(d.lastSuccessAt, locale)}</td>
                <td>{d.latestSnapshot?.slice(0, 8) ?? '—'}</td>
                <td>
                  {d.offline
                    ? t('dest.row.offline')
                    : d.errorCode
                      ? t('dest.row.failed', { code: d.errorCode })
                      : !d.lastSuccessAt
                        ? t('dest.row.waiting')
                        : d.overdue
                          ? t('dest.row.overdue')
                          : t('dest.row.ok')}
                </td>
                <td>
                  {removable(d.location) &&
                    (confirmRemove === d.location ? (
                      <span className="inline-actions">
                        <button type="button" className="danger" onClick={() => void remove(d.location)} data-testid="remove-copy-confirm">
                          {t('copy.removeConfirm')}
                        </button>
                        <button type="button" onClick={() => setConfirmRemove(null)}>
                          {t('common.cancel')}
                        </button>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setConfirmRemove(d.location)} aria-label={t('copy.removeLabel', { location: d.label || d.location })} data-testid="remove-copy">
                        {t('copy.remove')}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {status.destinations.length === 0 && <p className="muted">{t('destinations.noCopies')}</p>}
        <p className="meter-text">{status.copies.text}</p>
        {confirmRemove && <p className="hint">{t('copy.removeHint')}</p>}
        {added && (
          <Notice kind="ok" testId="copy-added">
            {t(added.existing ? 'copy.addedExisting' : 'copy.added', { location: added.location })}
          </Notice>
        )}
        {removed && (
          <Notice kind="info" testId="copy-removed">
            {t('copy.removed', { location: removed })}
          </Notice>
        )}
        {adding === null ? (
          <div className="actions">
            <button type="button" onClick={() => setAdding('s3')} data-testid="add-offsite">
              {t('copy.addOffsite')}
            </button>
            <button type="button" onClick={() => setAdding('drive')} data-testid="add-drive">
              {t('copy.addDrive')}
            </button>
          </div>
        ) : (
          <div className="add-copy">
            <h3>{adding === 's3' ? t('copy.addOffsite') : t('copy.addDrive')}</h3>
            {adding === 's3' ? <OffsiteForm onAdded={(r) => void afterAdd(r)} /> : <DriveCopyForm onAdded={(r) => void afterAdd(r)} />}
            <button type="button" onClick={() => setAdding(null)}>
              {t('common.cancel')}
            </button>
          </div>
        )}
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
