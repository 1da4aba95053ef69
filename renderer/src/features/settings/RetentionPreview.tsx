/** What the next retention run (forget + prune) would remove with the policy in force: nothing is removed here. */
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings, ForgetResult } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Spinner } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';

export function RetentionPreview({ settings }: { settings: AppSettings }): ReactNode {
  const { t, locale } = useI18n();
  const { api } = useApp();
  const [preview, setPreview] = useState<ForgetResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Recomputed whenever the saved policy changes.
  const policy = JSON.stringify(settings.retention ?? null);
  useEffect(() => {
    setPreview(null);
    api.call('previewRetention').then(setPreview, setError);
  }, [api, policy]);
  const removed = (preview?.decisions ?? []).filter((d) => !d.keep);
  return (
    <Card title={t('retention.preview.title')}>
      <ErrorBox error={error} />
      {preview === null && !error ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <div data-testid="retention-preview" data-removed={removed.length}>
          <p>
            {removed.length === 0
              ? t('retention.preview.none', { kept: preview?.decisions.length ?? 0 })
              : t('retention.preview.some', { removed: removed.length, kept: (preview?.decisions.length ?? 0) - removed.length })}
          </p>
          {removed.length > 0 && (
            <ul className="small">
              {removed.slice(0, 20).map((d) => (
                <li key={d.id}>{t('retention.preview.item', { at: formatDateTime(d.time, locale) })}</li>
              ))}
              {removed.length > 20 && <li>{t('retention.preview.more', { count: removed.length - 20 })}</li>}
            </ul>
          )}
          <p className="muted small">{t('retention.preview.note')}</p>
        </div>
      )}
    </Card>
  );
}
