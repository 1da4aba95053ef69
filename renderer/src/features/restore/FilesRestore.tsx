/**
 * The guided restore of a folder or database source: pick the source → browse its folders and search files by
 * name, as they were on a date ("como estava em": the restore point at or before it) → pick a folder or a file →
 * where to put it (a NEW folder by default) → the plan (what will be written, what already exists) → restore.
 * Writing over existing files needs the typed word first. A database's copy restores as its file, or (PostgreSQL,
 * SQLite) into a NEW database. The engine plans, checks and writes; this screen only asks and shows.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings, DatabaseRestoreResult, FileListEntry, FileListResult, FilesRestorePlanResult, FilesRestoreResultSummary } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ApiError, isApiError } from '../../api/client';
import { RunningTasks } from '../../components/tasks';
import { ErrorBox, Field, Notice, Spinner, StepHeading, Stepper } from '../../components/ui';
import { formatBytes, formatDate, formatDateTime, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';
import { FolderPicker } from '../setup/FolderPicker';
import '../sources.css';

type Source = { readonly name: string; readonly kind: 'folders' | 'database'; readonly engine: string | null };
type Mode = 'file' | 'database';

const STEPS: readonly MessageKey[] = ['filesRestore.step.source', 'filesRestore.step.pick', 'filesRestore.step.target', 'filesRestore.step.plan', 'filesRestore.step.outcome'];
const SHOWN = 200;

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function nameOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** A folder name for today's restore: "Restaurado 2026-12-05 1430", never an existing folder's name by accident. */
function restoreFolderName(prefix: string): string {
  const d = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${prefix} ${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}${two(d.getMinutes())}`;
}

export function FilesRestore({ onRestart }: { onRestart: () => void }): ReactNode {
  const { t, locale } = useI18n();
  const { api, host, refresh } = useApp();
  const [step, setStep] = useState(0);
  const [sources, setSources] = useState<Source[] | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [asOf, setAsOf] = useState('');
  const [query, setQuery] = useState('');
  const [dir, setDir] = useState('');
  const [listing, setListing] = useState<FileListResult | null>(null);
  const [searched, setSearched] = useState<string | null>(null);
  const [picked, setPicked] = useState<FileListEntry | null>(null);
  const [mode, setMode] = useState<Mode>('file');
  const [targetBase, setTargetBase] = useState('');
  const [typedTarget, setTypedTarget] = useState('');
  const [newDatabase, setNewDatabase] = useState('');
  const [plan, setPlan] = useState<FilesRestorePlanResult | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  const [confirmText, setConfirmText] = useState('');
  const [result, setResult] = useState<{ kind: 'files'; value: FilesRestoreResultSummary } | { kind: 'database'; value: DatabaseRestoreResult } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.call('getSettings').then(
      (s: AppSettings) => setSources((s.sources ?? []).map((x) => ({ name: x.name, kind: x.kind, engine: x.kind === 'database' ? x.database.kind : null }))),
      (err: unknown) => setError(err),
    );
  }, [api]);

  const scope = (): { source: string; snapshot?: string; asOf?: string } =>
    listing ? { source: source?.name ?? '', snapshot: listing.snapshotId } : { source: source?.name ?? '', ...(asOf ? { asOf } : {}) };

  /** Lists one folder of the backup; false when it could not (the error is shown). */
  async function open(path: string, fresh = false): Promise<boolean> {
    if (!source) return false;
    setBusy(true);
    setError(null);
    try {
      const base = fresh || !listing ? { source: source.name, ...(asOf ? { asOf } : {}) } : { source: source.name, snapshot: listing.snapshotId };
      const r = await api.call('listFiles', { ...base, path, depth: 1, limit: 5000 });
      setListing(r);
      setDir(path);
      setSearched(null);
      return true;
    } catch (err) {
      // No backup of this source up to the date asked: said in the screen's words (the engine's names ids).
      const none = isApiError(err, 'SNAPSHOT_NOT_FOUND') && (fresh || !listing) && asOf !== '';
      setError(none ? new ApiError({ code: 'SNAPSHOT_NOT_FOUND', message: t('filesRestore.asOf.none', { date: formatDate(`${asOf}T12:00:00`, locale) }) }) : err);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function search(): Promise<void> {
    if (!source || !query.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('listFiles', { source: source.name, ...(asOf ? { asOf } : {}), path: '', query: query.trim(), limit: 500 });
      setListing(r);
      setSearched(query.trim());
      setPicked(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const target = (): string => {
    const typed = typedTarget.trim();
    if (typed) return typed;
    return targetBase ? `${targetBase.replace(/[\\/]+$/, '')}/${restoreFolderName(t('filesRestore.folderPrefix'))}` : '';
  };

  async function makePlan(): Promise<void> {
    if (!picked || !source) return;
    setBusy(true);
    setError(null);
    setPlan(null);
    setOverwrite(false);
    setConfirmText('');
    try {
      if (mode === 'database') {
        setStep(3);
        return;
      }
      const to = target();
      if (!to) throw new ApiError({ code: 'INVALID_ARGUMENT', message: t('filesRestore.target.needFolder') });
      setPlan(await api.call('planRestoreFiles', { ...scope(), path: picked.path, target: to }));
      setStep(3);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const confirmWord = t('filesRestore.overwrite.word');
  async function restore(): Promise<void> {
    if (!picked || !source) return;
    if (plan && plan.existingCount > 0 && overwrite && confirmText.trim().toUpperCase() !== confirmWord) {
      setError(new ApiError({ code: 'CONFIRMATION_MISMATCH', message: t('restore.confirm.mismatch', { word: confirmWord }) }));
      return;
    }
    setBusy(true);
    setError(null);
    setStep(4);
    try {
      if (mode === 'database') {
        const into = newDatabase.trim();
        setResult({ kind: 'database', value: await api.call('restoreDatabase', { ...scope(), path: picked.path, into }) });
      } else {
        setResult({ kind: 'files', value: await api.call('restoreFiles', { ...scope(), path: picked.path, target: plan?.target ?? target(), ...(overwrite ? { overwrite: true } : {}) }) });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      void refresh();
    }
  }

  const shown = (listing?.entries ?? []).filter((e) => searched !== null || parentOf(e.path) === dir);
  const canIntoDatabase = source?.engine === 'postgres' || source?.engine === 'sqlite';

  return (
    <div className="screen wizard" data-testid="files-restore">
      <h1>{t('filesRestore.title')}</h1>
      <Stepper steps={STEPS.map((s) => t(s))} current={step} />
      <StepHeading step={step + 1} total={STEPS.length}>
        {t(STEPS[step] as MessageKey)}
      </StepHeading>

      {step === 0 && (
        <div>
          {sources === null ? (
            <Spinner label={t('common.loading')} />
          ) : (
            <fieldset className="radios big-choices">
              <legend>{t('filesRestore.source.question')}</legend>
              {sources.map((s) => (
                <label key={s.name} className="radio choice">
                  <input type="radio" name="files-source" checked={source?.name === s.name} onChange={() => setSource(s)} data-testid="files-source" data-name={s.name} />
                  <span>
                    <strong>{s.name}</strong>
                    <br />
                    <span className="muted">{t(s.kind === 'folders' ? 'filesRestore.kind.folders' : 'filesRestore.kind.database')}</span>
                  </span>
                </label>
              ))}
            </fieldset>
          )}
          <Field label={t('filesRestore.asOf')} hint={t('filesRestore.asOf.hint')}>
            {(p) => <input {...p} type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} data-testid="files-as-of" />}
          </Field>
          <ErrorBox error={error} fixKeys={{ SNAPSHOT_NOT_FOUND: 'filesRestore.asOf.fix' }} />
          <div className="wizard-nav">
            <button
              type="button"
              className="primary"
              disabled={!source || busy}
              onClick={() => {
                setPicked(null);
                setListing(null);
                setMode('file');
                void open('', true).then((ok) => ok && setStep(1));
              }}
              data-testid="files-next"
            >
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 1 && listing && (
        <div>
          <p data-testid="files-point">{t('filesRestore.point', { at: formatDateTime(listing.snapshotTime, locale) })}</p>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void search();
            }}
          >
            <Field label={t('filesRestore.search')} hint={t('filesRestore.search.hint')}>
              {(p) => <input {...p} type="search" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="files-query" />}
            </Field>
            <button type="submit" disabled={busy || !query.trim()} data-testid="files-search">
              {t('filesRestore.search.button')}
            </button>
          </form>
          {searched !== null ? (
            <p>
              {t('filesRestore.searchResults', { query: searched, count: listing.entries.length })}{' '}
              <button type="button" className="link" onClick={() => void open(dir)} data-testid="files-browse-again">
                {t('filesRestore.backToFolders')}
              </button>
            </p>
          ) : (
            <p className="picker-here">
              {t('filesRestore.here')} <strong data-verbatim>{dir === '' ? source?.name : dir}</strong>{' '}
              {dir !== '' && (
                <button type="button" className="link" onClick={() => void open(parentOf(dir))} data-testid="files-up">
                  {t('setup.picker.up')}
                </button>
              )}
            </p>
          )}
          {shown.length === 0 ? (
            <p className="muted">{t('filesRestore.empty')}</p>
          ) : (
            <table className="table" data-testid="files-list">
              <thead>
                <tr>
                  <th scope="col">{t('filesRestore.col.choose')}</th>
                  <th scope="col">{t('filesRestore.col.name')}</th>
                  <th scope="col">{t('filesRestore.col.size')}</th>
                  <th scope="col">{t('filesRestore.col.changed')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, SHOWN).map((e) => (
                  <tr key={e.path} data-path={e.path}>
                    <td>
                      <input
                        type="radio"
                        name="files-pick"
                        aria-label={t('filesRestore.pick', { name: e.path })}
                        checked={picked?.path === e.path}
                        onChange={() => setPicked(e)}
                        data-testid="files-pick"
                      />
                    </td>
                    <td>
                      {e.type === 'dir' ? (
                        <button type="button" className="link" onClick={() => void open(e.path)} data-testid="files-open" data-name={nameOf(e.path)}>
                          <span aria-hidden="true">📁 </span>
                          <span data-verbatim>{searched !== null ? e.path : nameOf(e.path)}</span>
                        </button>
                      ) : (
                        <span data-verbatim>{searched !== null ? e.path : nameOf(e.path)}</span>
                      )}
                    </td>
                    <td>{e.type === 'file' ? formatBytes(e.size, locale) : '—'}</td>
                    <td>{formatDateTime(e.mtime, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(shown.length > SHOWN || listing.truncated) && <p className="muted">{t('filesRestore.more')}</p>}
          {picked && (
            <p data-testid="files-picked">
              {t(picked.type === 'dir' ? 'filesRestore.picked.folder' : 'filesRestore.picked.file')} <strong data-verbatim>{picked.path}</strong>
            </p>
          )}
          {busy && <Spinner label={t('common.loading')} />}
          <ErrorBox error={error} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(0)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={!picked} onClick={() => setStep(2)} data-testid="files-pick-next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 2 && picked && (
        <div>
          {source?.kind === 'database' && (
            <fieldset className="radios">
              <legend>{t('filesRestore.db.question')}</legend>
              <label className="radio">
                <input type="radio" name="db-mode" checked={mode === 'file'} onChange={() => setMode('file')} data-testid="db-mode-file" /> {t('filesRestore.db.asFile')}
              </label>
              <label className="radio">
                <input type="radio" name="db-mode" checked={mode === 'database'} disabled={!canIntoDatabase} onChange={() => setMode('database')} data-testid="db-mode-database" />{' '}
                {t(canIntoDatabase ? 'filesRestore.db.intoNew' : 'filesRestore.db.intoNewUnavailable')}
              </label>
            </fieldset>
          )}
          {mode === 'database' ? (
            <Field label={t(source?.engine === 'sqlite' ? 'filesRestore.db.newFile' : 'filesRestore.db.newName')} hint={t('filesRestore.db.newHint')}>
              {(p) => <input {...p} value={newDatabase} spellCheck={false} onChange={(e) => setNewDatabase(e.target.value)} data-testid="db-new-name" />}
            </Field>
          ) : (
            <>
              <p className="lead">{t('filesRestore.target.lead')}</p>
              {host?.mode === 'electron' ? (
                <button type="button" onClick={() => void api.call('chooseFolder').then((r) => r.path && setTargetBase(r.path), setError)} data-testid="files-target-choose">
                  {t('setup.picker.osDialog')}
                </button>
              ) : (
                <FolderPicker purpose="source" onChoose={(p) => setTargetBase(p)} />
              )}
              {target() !== '' && (
                <p data-testid="files-target">
                  {t('filesRestore.target.chosen')} <strong data-verbatim>{target()}</strong>
                </p>
              )}
              <details className="dest-typed">
                <summary>{t('setup.picker.typeInstead')}</summary>
                <Field label={t('filesRestore.target.typed')}>
                  {(p) => <input {...p} value={typedTarget} spellCheck={false} onChange={(e) => setTypedTarget(e.target.value)} data-testid="files-target-typed" />}
                </Field>
              </details>
            </>
          )}
          <ErrorBox error={error} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(1)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={busy || (mode === 'database' ? !newDatabase.trim() : target() === '')} onClick={() => void makePlan()} data-testid="files-plan">
              {t('filesRestore.seePlan')}
            </button>
            {busy && <Spinner label={t('common.loading')} />}
          </div>
        </div>
      )}

      {step === 3 && picked && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void restore();
          }}
        >
          {mode === 'database' ? (
            <Notice kind="info" testId="files-plan-result">
              {t('filesRestore.plan.database', { file: picked.path, into: newDatabase.trim(), size: formatBytes(picked.size, locale) })}
            </Notice>
          ) : plan ? (
            <>
              <Notice kind="info" testId="files-plan-result">
                {t('filesRestore.plan.files', { files: plan.files, folders: plan.dirs, size: formatBytes(plan.bytes, locale), target: plan.target })}
              </Notice>
              {plan.existingCount > 0 ? (
                <Notice kind="warning" testId="files-plan-existing">
                  {t('filesRestore.plan.existing', { count: plan.existingCount })}
                  <ul className="plain">
                    {plan.existing.slice(0, 10).map((x) => (
                      <li key={x} data-verbatim>
                        {x}
                      </li>
                    ))}
                  </ul>
                </Notice>
              ) : (
                <p data-testid="files-plan-new">{t(plan.targetExists ? 'filesRestore.plan.nothingOver' : 'filesRestore.plan.newFolder')}</p>
              )}
              {plan.renamed.length > 0 && (
                <ul className="plain">
                  {plan.renamed.map((x) => (
                    <li key={x}>{x}</li>
                  ))}
                </ul>
              )}
              {plan.existingCount > 0 && (
                <>
                  <label className="radio">
                    <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="files-overwrite" /> {t('filesRestore.overwrite.label')}
                  </label>
                  {overwrite && (
                    <Field label={t('restore.confirm.label', { word: confirmWord })}>
                      {(p) => <input {...p} autoComplete="off" spellCheck={false} value={confirmText} onChange={(e) => setConfirmText(e.target.value)} data-testid="files-confirm" />}
                    </Field>
                  )}
                </>
              )}
            </>
          ) : null}
          <ErrorBox error={error} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(2)}>
              {t('common.back')}
            </button>
            <button type="submit" className="primary" disabled={busy || (mode === 'file' && plan !== null && plan.existingCount > 0 && !overwrite)} data-testid="files-restore-now">
              {t('restore.confirm.button')}
            </button>
          </div>
        </form>
      )}

      {step === 4 && (
        <div data-testid="files-outcome">
          {busy && <RunningTasks kinds={['restore']} label={() => t('filesRestore.running')} fallback />}
          {!busy && error !== null && <ErrorBox error={error} title={t('restore.outcome.failed')} />}
          {!busy && result?.kind === 'files' && (
            <Notice kind="ok" testId="files-restored">
              <strong>{t('restore.outcome.done')}</strong>{' '}
              {t('filesRestore.outcome.files', { files: result.value.written, size: formatBytes(result.value.bytesWritten, locale), target: result.value.target })}
            </Notice>
          )}
          {!busy && result?.kind === 'database' && (
            <Notice kind="ok" testId="files-restored">
              <strong>{t('restore.outcome.done')}</strong> {t('filesRestore.outcome.database', { into: result.value.into })}
            </Notice>
          )}
          <div className="wizard-nav">
            <button type="button" onClick={onRestart} data-testid="files-again">
              {t('restore.outcome.again')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** First question of the restore when the clinic has folders or databases: the records, or files and databases. */
export function RestoreKindChooser({ onChoose }: { onChoose: (kind: 'records' | 'files') => void }): ReactNode {
  const { t } = useI18n();
  return (
    <div className="screen wizard" data-testid="restore-kind">
      <h1>{t('filesRestore.chooser.title')}</h1>
      <div className="big-choices">
        <button type="button" className="choice" onClick={() => onChoose('records')} data-testid="restore-kind-records">
          <strong>{t('filesRestore.chooser.records')}</strong>
        </button>{' '}
        <button type="button" className="choice" onClick={() => onChoose('files')} data-testid="restore-kind-files">
          <strong>{t('filesRestore.chooser.files')}</strong>
        </button>
      </div>
    </div>
  );
}
