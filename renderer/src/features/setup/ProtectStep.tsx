/**
 * The setup's first step, "O que vamos proteger?": the clinic ticks what it has — the clinic system's records
 * server (FHIR, tested), folders (chosen with the picker), the clinic program's database (dump tested) — in any
 * combination, at least one. A clinic without a records server finishes setup with folders and a database only.
 * The step is complete when every ticked part is; the wizard saves it once the repository exists.
 */
import { useLayoutEffect, useState, type ReactNode } from 'react';
import type { DatabaseSourceEntry, ExtraSourceSetting, FolderSourceSetting } from '../../../../src/shared/contract.js';
import { Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import { DatabaseSourceForm } from './DatabaseSourceForm';
import { FolderSourcesForm } from './FolderSourcesForm';
import { SourceForm, type TestedSource } from './SourceForm';
import '../sources.css';

export interface ProtectChoice {
  readonly fhir: TestedSource | null;
  readonly sources: readonly ExtraSourceSetting[];
  /** Every ticked part is complete, and at least one is ticked. */
  readonly ready: boolean;
}

type Kind = 'fhir' | 'folders' | 'database';
const KINDS: readonly Kind[] = ['fhir', 'folders', 'database'];

export function ProtectStep({ onChange }: { onChange: (choice: ProtectChoice) => void }): ReactNode {
  const { t } = useI18n();
  const [ticked, setTicked] = useState<Record<Kind, boolean>>({ fhir: false, folders: false, database: false });
  const [fhir, setFhir] = useState<TestedSource | null>(null);
  const [folders, setFolders] = useState<FolderSourceSetting | null>(null);
  const [database, setDatabase] = useState<DatabaseSourceEntry | null>(null);

  const tick = (k: Kind, on: boolean): void => {
    setTicked((x) => ({ ...x, [k]: on }));
    // Unticked: its form goes away, and what it had found with it.
    if (!on && k === 'fhir') setFhir(null);
    if (!on && k === 'folders') setFolders(null);
    if (!on && k === 'database') setDatabase(null);
  };

  const done: Record<Kind, boolean> = { fhir: fhir !== null, folders: folders !== null, database: database !== null };
  const anyTicked = KINDS.some((k) => ticked[k]);
  const missing = KINDS.filter((k) => ticked[k] && !done[k]);
  const ready = anyTicked && missing.length === 0;

  // A layout effect, so the wizard's Next button follows in the same commit: with a passive effect it stayed
  // enabled for a moment after a box that still needs a test was ticked (the e2e test saw it).
  useLayoutEffect(() => {
    const sources: ExtraSourceSetting[] = [...(ticked.folders && folders ? [folders] : []), ...(ticked.database && database ? [database] : [])];
    onChange({ fhir: ticked.fhir ? fhir : null, sources, ready });
  }, [ticked, fhir, folders, database, ready]);

  return (
    <div className="protect-step" data-testid="protect-step">
      <p className="lead">{t('protect.lead')}</p>
      <fieldset className="checks big-choices">
        <legend>{t('protect.kinds')}</legend>
        {KINDS.map((k) => (
          <div key={k} className="protect-kind">
            <label className="radio choice">
              <input type="checkbox" checked={ticked[k]} onChange={(e) => tick(k, e.target.checked)} data-testid={`protect-${k}`} />
              <span>
                <strong>{t(`protect.kind.${k}`)}</strong>
                <br />
                <span className="muted">{t(`protect.kind.${k}.hint`)}</span>
              </span>
            </label>
            {ticked[k] && (
              <div className="protect-form" data-testid={`protect-form-${k}`}>
                {k === 'fhir' && (
                  <>
                    <p>{t('setup.source.lead')}</p>
                    <SourceForm onTested={setFhir} onChanged={() => setFhir(null)} />
                  </>
                )}
                {k === 'folders' && <FolderSourcesForm onReady={setFolders} />}
                {k === 'database' && <DatabaseSourceForm onReady={setDatabase} />}
              </div>
            )}
          </div>
        ))}
      </fieldset>
      {!anyTicked && <p className="muted">{t('protect.chooseOne')}</p>}
      {anyTicked && missing.length > 0 && (
        <Notice kind="info" testId="protect-missing">
          {t('protect.incomplete')} {missing.map((k) => t(`protect.missing.${k}`)).join('; ')}.
        </Notice>
      )}
    </div>
  );
}

/** What setup protects, one line per source (the last step's summary). */
export function ProtectSummary({ choice }: { choice: ProtectChoice }): ReactNode {
  const { t } = useI18n();
  return (
    <>
      {choice.fhir && <li>{t('protect.done.fhir', { url: choice.fhir.url })}</li>}
      {choice.sources.map((s) => (
        <li key={s.name} data-testid="done-source">
          {s.kind === 'folders' ? t('protect.done.folders', { name: s.name, paths: s.paths.join(', ') }) : t('protect.done.database', { name: s.name })}
        </li>
      ))}
    </>
  );
}
