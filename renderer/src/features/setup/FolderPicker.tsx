/**
 * The setup's folder picker (serve mode, and the desktop app's fallback): the drives and network shares the engine
 * finds, with their free space, then the folders inside, by clicking, with no path to type. The engine lists and
 * validates (browseFolders: folders only, never outside the roots); this component only shows and chooses.
 * For a repository it offers the engine's suggestion (a new folder inside, or the existing repository); for a
 * folder source (`purpose="source"`) it offers the open folder itself.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { FolderListing } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Spinner } from '../../components/ui';
import { formatBytes, useI18n } from '../../i18n';

export function FolderPicker({ onChoose, purpose = 'repository' }: { onChoose: (target: string, existing: boolean) => void; purpose?: 'repository' | 'source' }): ReactNode {
  const { t, locale } = useI18n();
  const { api } = useApp();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const open = (path?: string): void => {
    setBusy(true);
    setError(null);
    api
      .call('browseFolders', path === undefined ? {} : { path })
      .then(setListing, setError)
      .finally(() => setBusy(false));
  };
  useEffect(() => {
    open();
    // Once, when the picker appears.
  }, [api]);

  if (!listing) return error ? <ErrorBox error={error} /> : <Spinner label={t('setup.dest.detecting')} />;
  return (
    <div className="folder-picker" data-testid="folder-picker">
      {listing.path === null ? (
        <>
          <h3>{t('setup.picker.roots')}</h3>
          {listing.roots.length === 0 ? (
            <p className="muted">{t('setup.dest.noneDetected')}</p>
          ) : (
            <ul className="picker-list">
              {listing.roots.map((r) => (
                <li key={r.path}>
                  <button type="button" className="picker-item" onClick={() => open(r.path)} data-testid="picker-root" data-path={r.path}>
                    <span className="picker-name" data-verbatim>
                      {r.path}
                    </span>
                    {r.freeBytes !== null && r.totalBytes !== null && (
                      <span className="picker-space"> {t('setup.dest.free', { free: formatBytes(r.freeBytes, locale), total: formatBytes(r.totalBytes, locale) })}</span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <>
          <p className="picker-here">
            {t('setup.picker.here')}{' '}
            <strong data-verbatim data-testid="picker-here">
              {listing.path}
            </strong>
          </p>
          <div className="picker-nav">
            <button type="button" onClick={() => open(listing.parent ?? undefined)} data-testid="picker-up">
              {listing.parent ? t('setup.picker.up') : t('setup.picker.toRoots')}
            </button>
          </div>
          {listing.folders.length === 0 ? (
            <p className="muted">{t('setup.picker.noFolders')}</p>
          ) : (
            <ul className="picker-list">
              {listing.folders.map((f) => (
                <li key={f.path}>
                  <button type="button" className="picker-item" onClick={() => open(f.path)} data-testid="picker-folder" data-name={f.name}>
                    <span aria-hidden="true">📁 </span>
                    <span data-verbatim>{f.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {purpose === 'source' && (
            <div className="picker-choose">
              <button type="button" className="primary" onClick={() => onChoose(listing.path as string, false)} data-testid="picker-use-source">
                {t('folders.useThis')}
              </button>
            </div>
          )}
          {purpose === 'repository' && listing.suggested && (
            <div className="picker-choose">
              <p data-testid="picker-target">
                {t(listing.state === 'repository' ? 'setup.picker.existing' : 'setup.picker.target')} <strong data-verbatim>{listing.suggested}</strong>
              </p>
              <button type="button" className="primary" onClick={() => onChoose(listing.suggested as string, listing.state === 'repository')} data-testid="picker-use">
                {t('setup.picker.use')}
              </button>
            </div>
          )}
        </>
      )}
      {busy && <Spinner label={t('common.loading')} />}
      <ErrorBox error={error} />
    </div>
  );
}
