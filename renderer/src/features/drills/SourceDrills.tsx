/**
 * Restore tests of the folder and database sources: for each, "Testar agora" asks the engine to restore a sample
 * of files (hashes checked) or the latest database copy into a throw-away database (with a sanity query), and
 * shows what was proven, in plain words, check by check.
 */
import { useState, type ReactNode } from 'react';
import type { SourceDrillResult } from '../../../../src/shared/drill.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Notice, Spinner } from '../../components/ui';
import { formatDuration, useI18n } from '../../i18n';
import '../sources.css';

export function SourceDrills(): ReactNode {
  const { t, locale } = useI18n();
  const { api, status, refresh } = useApp();
  const [running, setRunning] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, SourceDrillResult>>({});
  const [errors, setErrors] = useState<Record<string, unknown>>({});
  const sources = (status?.sources ?? []).filter((s) => s.kind !== 'fhir');
  if (sources.length === 0) return null;

  async function run(name: string): Promise<void> {
    setRunning(name);
    setErrors((e) => ({ ...e, [name]: null }));
    try {
      const r = await api.call('runSourceDrill', { source: name });
      setResults((x) => ({ ...x, [name]: r }));
    } catch (err) {
      setErrors((e) => ({ ...e, [name]: err }));
    } finally {
      setRunning(null);
      await refresh();
    }
  }

  return (
    <Card title={t('sourceDrills.title')}>
      <p>{t('sourceDrills.lead')}</p>
      <ul className="plain source-drills">
        {sources.map((s) => {
          const r = results[s.name];
          return (
            <li key={s.name} data-testid="source-drill" data-source={s.name}>
              <strong>{s.name}</strong> <span className="muted">({t(s.kind === 'folders' ? 'filesRestore.kind.folders' : 'filesRestore.kind.database')})</span>{' '}
              <button type="button" disabled={running !== null || s.lastSnapshotAt === null} onClick={() => void run(s.name)} data-testid="source-drill-run">
                {t('sourceDrills.run', { name: s.name })}
              </button>
              {s.lastSnapshotAt === null && <span className="muted"> {t('sourceDrills.noBackup')}</span>}
              {running === s.name && <Spinner label={t('drills.running')} />}
              {r && (
                <Notice kind={r.status === 'success' ? 'ok' : 'warning'} testId="source-drill-result">
                  <strong>{t(r.status === 'success' ? 'sourceDrills.ok' : 'sourceDrills.failed', { time: formatDuration(r.recoveryTimeMs, locale) })}</strong>
                  <ul className="plain">
                    {r.proofs.map((p) => (
                      <li key={p.code} data-ok={p.ok}>
                        {p.ok ? '✓' : '✗'} {p.text}
                      </li>
                    ))}
                  </ul>
                </Notice>
              )}
              <ErrorBox error={errors[s.name]} />
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
