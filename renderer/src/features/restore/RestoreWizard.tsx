/**
 * The guided restore: what happened? → scope (everything / one patient / one type / as of a date) →
 * snapshot on a calendar → target (original server, another server, folder) → preview (counts, what would be
 * overwritten, newer data on the target) → type a confirmation → live progress → outcome with next steps.
 * The engine plans and restores; nothing is written before the confirmation typed here matches.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings, FhirRestoreResult, FolderRestorePlan, RestorePlan, RestoreResult, SnapshotSummary, SourceAuthSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ApiError, isApiError } from '../../api/client';
import { RunningTasks } from '../../components/tasks';
import { ErrorBox, Field, Notice, Spinner, StepHeading, Stepper } from '../../components/ui';
import { fhirTypeName, formatBytes, formatDateTime, formatDuration, formatNumber, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';
import { urlProblem } from '../setup/SourceForm';
import { SnapshotCalendar } from './Calendar';
import { FilesRestore, RestoreKindChooser } from './FilesRestore';
import { PatientSearch, type PatientChoice } from './PatientSearch';
import { OutcomeNotes, PlanNotes } from './ServerNotes';

type Situation = 'patient' | 'server' | 'old' | 'copy';
type Scope = 'everything' | 'patient' | 'type' | 'date';
type Target = 'original' | 'other' | 'folder';
type AuthKind = 'none' | 'basic' | 'bearer';

const STEPS: readonly MessageKey[] = [
  'restore.step.what',
  'restore.step.scope',
  'restore.step.snapshot',
  'restore.step.target',
  'restore.step.preview',
  'restore.step.confirm',
  'restore.step.progress',
  'restore.step.outcome',
];

type FolderPreview = FolderRestorePlan;

/** How many items of a list a screen shows; the rest is counted ("and 12 more"), never cut silently. */
const LIST_SHOWN = 10;

function ListWithMore({ items, render, testId }: { items: readonly string[]; render?: (item: string) => ReactNode; testId?: string }): ReactNode {
  const { t } = useI18n();
  const more = items.length - LIST_SHOWN;
  return (
    <ul data-testid={testId}>
      {items.slice(0, LIST_SHOWN).map((x) => (
        <li key={x}>{render ? render(x) : x}</li>
      ))}
      {more > 0 && <li className="muted">{t('common.andMore', { count: more })}</li>}
    </ul>
  );
}

type Outcome = { readonly kind: 'server'; readonly result: FhirRestoreResult & { plan: RestorePlan } } | { readonly kind: 'folder'; readonly result: RestoreResult };

const TARGET_SECRETS = { basic: 'restore-target-password', bearer: 'restore-target-token' } as const;

/** The wizard; "Start another restore" mounts a fresh one. */
export function RestoreWizard(): ReactNode {
  const [run, setRun] = useState(0);
  const [kind, setKind] = useState<'records' | 'files' | null>(null);
  const { status } = useApp();
  const restart = (): void => {
    setKind(null);
    setRun((n) => n + 1);
  };
  // Folders or databases: restore them with their own flow; with the records server too, ask which first.
  const sources = status?.sources ?? [];
  const hasFiles = sources.some((s) => s.kind !== 'fhir');
  const hasRecords = sources.length === 0 || sources.some((s) => s.kind === 'fhir');
  if (hasFiles && (!hasRecords || kind === 'files')) return <FilesRestore key={run} onRestart={restart} />;
  if (hasFiles && kind === null) return <RestoreKindChooser onChoose={setKind} />;
  return <RestoreFlow key={run} onRestart={restart} />;
}

/** One-patient scope: the records that also concern other patients, and whether they are written. */
function SharedNotice({ shared, included }: { shared: readonly { resource: string; patients: readonly string[] }[]; included: boolean }): ReactNode {
  const { t } = useI18n();
  if (shared.length === 0) return null;
  return (
    <Notice kind={included ? 'warning' : 'info'} testId="shared-resources">
      <strong>{t(included ? 'restore.preview.sharedIncluded' : 'restore.preview.shared', { count: shared.length })}</strong>
      <ListWithMore items={shared.map((x) => x.resource)} render={(r) => `${r} — ${t('restore.preview.sharedOthers', { count: shared.find((x) => x.resource === r)?.patients.length ?? 0 })}`} />
    </Notice>
  );
}

function RestoreFlow({ onRestart }: { onRestart: () => void }): ReactNode {
  const { t, locale } = useI18n();
  const { api, refresh } = useApp();
  const [step, setStep] = useState(0);
  const [situation, setSituation] = useState<Situation | null>(null);
  const [scope, setScope] = useState<Scope>('everything');
  const [patient, setPatient] = useState<PatientChoice | null>(null);
  const [type, setType] = useState('');
  const [includeShared, setIncludeShared] = useState(false);
  const [includeAdministration, setIncludeAdministration] = useState(false);
  const [asOf, setAsOf] = useState('');
  const [snapshots, setSnapshots] = useState<SnapshotSummary[] | null>(null);
  const [snapshot, setSnapshot] = useState<string | null>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  // No default: where to restore is always a deliberate answer (the live server above all); a copy goes to a folder.
  const [target, setTarget] = useState<Target | null>(null);
  const [otherUrl, setOtherUrl] = useState('');
  const [authKind, setAuthKind] = useState<AuthKind>('none');
  const [username, setUsername] = useState('');
  const [secret, setSecret] = useState('');
  const [folder, setFolder] = useState('');
  const [plan, setPlan] = useState<RestorePlan | null>(null);
  const [folderPreview, setFolderPreview] = useState<FolderPreview | null>(null);
  const [confirmText, setConfirmText] = useState('');
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    api.call('snapshots').then(
      (list) => {
        setSnapshots(list);
        const latest = [...list].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
        if (latest) setSnapshot((s) => s ?? latest.id);
      },
      (err: unknown) => setError(err),
    );
    api.call('getSettings').then(setSettings, () => undefined);
  }, [api]);

  const latestSnapshot = snapshots ? [...snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0] : undefined;
  const types = Object.keys(latestSnapshot?.counts ?? {}).sort();
  const chosenSnapshot = snapshots?.find((s) => s.id === snapshot) ?? null;

  function choose(s: Situation): void {
    setSituation(s);
    setScope(s === 'patient' ? 'patient' : s === 'old' ? 'date' : 'everything');
    setTarget(s === 'copy' ? 'folder' : null);
  }

  function afterScope(): void {
    // "As of a date": preselect the newest snapshot taken that day or before.
    if (scope === 'date' && asOf && snapshots) {
      const end = Date.parse(`${asOf}T23:59:59`);
      const pick = [...snapshots].filter((s) => Date.parse(s.time) <= end).sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
      if (pick) setSnapshot(pick.id);
    }
    setStep(2);
  }

  const selection = (): { types?: string[]; patient?: string; includeShared?: boolean } => ({
    ...(scope === 'type' && type ? { types: [type] } : {}),
    ...(scope === 'patient' && patient ? { patient: patient.id, ...(includeShared ? { includeShared: true } : {}) } : {}),
  });

  function serverTarget(): { target: string; auth: SourceAuthSetting } | null {
    if (target === 'original') return settings?.source ? { target: settings.source.url, auth: settings.source.auth } : null;
    if (target !== 'other') return null;
    const auth: SourceAuthSetting =
      authKind === 'basic'
        ? { kind: 'basic', username: username.trim(), passwordSecret: TARGET_SECRETS.basic }
        : authKind === 'bearer'
          ? { kind: 'bearer', tokenSecret: TARGET_SECRETS.bearer }
          : { kind: 'none' };
    return { target: otherUrl.trim(), auth };
  }

  async function preview(admin: boolean = includeAdministration): Promise<void> {
    setError(null);
    setPlan(null);
    setFolderPreview(null);
    if (target === 'other') {
      const problem = urlProblem(otherUrl);
      if (problem) return setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t(`setup.source.url.${problem}`) }));
    }
    if (target === 'folder' && !folder.trim()) return setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t('restore.target.needFolder') }));
    if (target === 'original' && !settings?.source) return setError(new ApiError({ code: 'INVALID_SETTINGS', message: t('restore.target.noSource') }));
    setBusy(true);
    try {
      const snap = snapshot ?? 'latest';
      if (target === 'folder') {
        setFolderPreview(await api.call('planRestoreToFolder', { snapshot: snap, ...selection() }));
      } else {
        if (target === 'other' && authKind !== 'none' && secret) await api.call('setSecret', TARGET_SECRETS[authKind], secret);
        const st = serverTarget();
        if (!st) throw new ApiError({ code: 'INVALID_SETTINGS', message: t('restore.target.noSource') });
        setPlan(await api.call('planRestoreToServer', { snapshot: snap, ...selection(), ...st, ...(admin ? { includeAdministration: true } : {}) }));
      }
      setStep(4);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const confirmWord = t('restore.confirm.word');

  async function restore(): Promise<void> {
    setConfirmError(null);
    if (confirmText.trim().toUpperCase() !== confirmWord.toUpperCase()) {
      setConfirmError(t('restore.confirm.mismatch', { word: confirmWord }));
      return;
    }
    setError(null);
    setStep(6);
    try {
      const snap = snapshot ?? 'latest';
      if (target === 'folder') {
        const result = await api.call('restoreToFolder', { snapshot: snap, ...selection(), target: folder.trim(), confirmed: true });
        setOutcome({ kind: 'folder', result });
      } else {
        const st = serverTarget();
        if (!st) throw new ApiError({ code: 'INVALID_SETTINGS', message: t('restore.target.noSource') });
        const result = await api.call('restoreToServer', {
          snapshot: snap,
          ...selection(),
          ...st,
          ...(includeAdministration ? { includeAdministration: true } : {}),
          confirmed: true,
          verify: 'sample',
        });
        setOutcome({ kind: 'server', result });
      }
      setStep(7);
    } catch (err) {
      setError(err);
      setStep(7);
    } finally {
      // A one-off credential for another server is not kept after the restore.
      if (target === 'other' && authKind !== 'none') await api.call('deleteSecret', TARGET_SECRETS[authKind]).catch(() => undefined);
      await refresh();
    }
  }

  const scopeText =
    scope === 'patient' && patient
      ? t('restore.scope.summary.patient', { name: patient.name || patient.id, id: patient.id })
      : scope === 'type' && type
        ? t('restore.scope.summary.type', { type: fhirTypeName(type, locale) })
        : t('restore.scope.summary.everything');
  const targetText = target === 'folder' ? folder : target === 'other' ? otherUrl : (settings?.source?.url ?? '—');

  const canLeaveScope = scope === 'everything' || (scope === 'patient' && patient !== null) || (scope === 'type' && type !== '') || (scope === 'date' && asOf !== '');

  return (
    <div className="screen wizard" data-testid="restore-wizard">
      <h1>{t('restore.title')}</h1>
      <Stepper steps={STEPS.map((s) => t(s))} current={step} />
      <StepHeading step={step + 1} total={STEPS.length}>
        {t(STEPS[step] as MessageKey)}
      </StepHeading>
      {snapshots !== null && snapshots.length === 0 && <Notice kind="warning">{t('restore.noSnapshots')}</Notice>}

      {step === 0 && (
        <div>
          <fieldset className="radios big-choices">
            <legend>{t('restore.what.question')}</legend>
            {(['patient', 'server', 'old', 'copy'] as const).map((s) => (
              <label key={s} className="radio choice">
                <input type="radio" name="situation" checked={situation === s} onChange={() => choose(s)} data-testid={`situation-${s}`} />
                <span>
                  <strong>{t(`restore.what.${s}`)}</strong>
                  <br />
                  <span className="muted">{t(`restore.what.${s}.hint`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="wizard-nav">
            <button type="button" className="primary" disabled={!situation || !snapshots?.length} onClick={() => setStep(1)} data-testid="next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 1 && (
        <div>
          <fieldset className="radios">
            <legend>{t('restore.scope.question')}</legend>
            {(['everything', 'patient', 'type', 'date'] as const).map((s) => (
              <label key={s} className="radio">
                <input type="radio" name="scope" checked={scope === s} onChange={() => setScope(s)} data-testid={`scope-${s}`} /> {t(`restore.scope.${s}`)}
              </label>
            ))}
          </fieldset>
          {scope === 'patient' && <PatientSearch snapshot={latestSnapshot?.id ?? 'latest'} selected={patient} onSelect={setPatient} />}
          {scope === 'patient' && (
            <label className="check">
              <input type="checkbox" checked={includeShared} onChange={(e) => setIncludeShared(e.target.checked)} data-testid="include-shared" /> {t('restore.scope.includeShared')}
              <span className="hint-inline"> {t('restore.scope.includeSharedHint')}</span>
            </label>
          )}
          {scope === 'type' && (
            <Field label={t('restore.scope.typeLabel')}>
              {(p) => (
                <select {...p} value={type} onChange={(e) => setType(e.target.value)} data-testid="scope-type-select">
                  <option value="">{t('restore.scope.typePick')}</option>
                  {types.map((ty) => (
                    <option key={ty} value={ty}>
                      {fhirTypeName(ty, locale)} ({formatNumber(latestSnapshot?.counts[ty], locale)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {scope === 'date' && (
            <Field label={t('restore.scope.dateLabel')} hint={t('restore.scope.dateHint')}>
              {(p) => <input {...p} type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} data-testid="scope-date" />}
            </Field>
          )}
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(0)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={!canLeaveScope} onClick={afterScope} data-testid="next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 2 && snapshots && (
        <div>
          <p className="lead">{t('restore.snapshot.lead')}</p>
          <SnapshotCalendar snapshots={snapshots} selected={snapshot} onSelect={setSnapshot} />
          {chosenSnapshot && (
            <p data-testid="chosen-snapshot">
              {t('restore.snapshot.chosen', { time: formatDateTime(chosenSnapshot.time, locale), resources: formatNumber(chosenSnapshot.resources, locale), id: chosenSnapshot.shortId })}
            </p>
          )}
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(1)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={!snapshot} onClick={() => setStep(3)} data-testid="next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 3 && (
        <div>
          <fieldset className="radios">
            <legend>{t('restore.target.question')}</legend>
            <label className="radio">
              <input type="radio" name="target" checked={target === 'original'} onChange={() => setTarget('original')} disabled={!settings?.source} data-testid="target-original" />{' '}
              {t('restore.target.original', { url: settings?.source?.url ?? '—' })}
            </label>
            <label className="radio">
              <input type="radio" name="target" checked={target === 'other'} onChange={() => setTarget('other')} data-testid="target-other" /> {t('restore.target.other')}
            </label>
            <label className="radio">
              <input type="radio" name="target" checked={target === 'folder'} onChange={() => setTarget('folder')} data-testid="target-folder" /> {t('restore.target.folder')}
            </label>
          </fieldset>
          {target === 'other' && (
            <div>
              <Field label={t('restore.target.url')} hint={t('setup.source.urlHint')}>
                {(p) => <input {...p} type="url" spellCheck={false} value={otherUrl} onChange={(e) => setOtherUrl(e.target.value)} data-testid="target-url" />}
              </Field>
              <Field label={t('setup.source.auth')}>
                {(p) => (
                  <select {...p} value={authKind} onChange={(e) => setAuthKind(e.target.value as AuthKind)}>
                    <option value="none">{t('setup.source.auth.none')}</option>
                    <option value="basic">{t('setup.source.auth.basic')}</option>
                    <option value="bearer">{t('setup.source.auth.bearer')}</option>
                  </select>
                )}
              </Field>
              {authKind === 'basic' && <Field label={t('setup.source.username')}>{(p) => <input {...p} autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />}</Field>}
              {authKind !== 'none' && (
                <Field label={t(authKind === 'basic' ? 'setup.source.password' : 'setup.source.token')}>
                  {(p) => <input {...p} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />}
                </Field>
              )}
            </div>
          )}
          {target === 'folder' && (
            <Field label={t('restore.target.folderPath')} hint={t('restore.target.folderHint')}>
              {(p) => <input {...p} spellCheck={false} value={folder} onChange={(e) => setFolder(e.target.value)} data-testid="target-folder-path" />}
            </Field>
          )}
          <ErrorBox error={error} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(2)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={busy || target === null} onClick={() => void preview()} data-testid="preview">
              {t('restore.preview.button')}
            </button>
            {busy && <Spinner label={t('restore.preview.working')} />}
          </div>
        </div>
      )}

      {step === 4 && (
        <div data-testid="restore-preview">
          <p className="lead">{t('restore.preview.lead', { scope: scopeText, target: targetText })}</p>
          {plan && (
            <>
              <p>
                {t('restore.preview.server', { time: formatDateTime(plan.snapshotTime, locale), version: plan.server.fhirVersion })}
                {plan.server.software && (
                  <>
                    {' · '}
                    <span data-verbatim>{plan.server.software}</span>
                  </>
                )}
              </p>
              <table className="table narrow">
                <thead>
                  <tr>
                    <th scope="col">{t('restore.preview.type')}</th>
                    <th scope="col" className="num">
                      {t('restore.preview.count')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {plan.order.map((ty) => (
                    <tr key={ty}>
                      <td>
                        {fhirTypeName(ty, locale)} {plan.criticalTypes.includes(ty) && <span className="tag">{t('restore.preview.critical')}</span>}
                      </td>
                      <td className="num">{formatNumber(plan.counts[ty], locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p data-testid="preview-totals">
                {t('restore.preview.totals', { resources: formatNumber(plan.resources, locale), bytes: formatBytes(plan.bytes, locale), existing: formatNumber(plan.existing, locale) })}
              </p>
              {(plan.newerOnTargetTotal ?? plan.newerOnTarget.length) > 0 && (
                <Notice kind="warning" testId="newer-on-target">
                  <strong>{t('restore.preview.newer', { count: plan.newerOnTargetTotal ?? plan.newerOnTarget.length })}</strong>
                  <ul>
                    {plan.newerOnTarget.slice(0, LIST_SHOWN).map((n) => (
                      <li key={n.resource}>{t('restore.preview.newerLine', { resource: n.resource, target: formatDateTime(n.target, locale), backup: formatDateTime(n.backup, locale) })}</li>
                    ))}
                    {(plan.newerOnTargetTotal ?? plan.newerOnTarget.length) > LIST_SHOWN && (
                      <li className="muted">{t('common.andMore', { count: (plan.newerOnTargetTotal ?? plan.newerOnTarget.length) - LIST_SHOWN })}</li>
                    )}
                  </ul>
                </Notice>
              )}
              <SharedNotice shared={plan.shared ?? []} included={plan.sharedIncluded === true} />
              {plan.danglingReferences && plan.danglingReferences.length > 0 && <Notice kind="info">{t('restore.preview.dangling', { count: plan.danglingReferences.length })}</Notice>}
              <PlanNotes
                plan={plan}
                busy={busy}
                onIncludeAdministration={(include) => {
                  setIncludeAdministration(include);
                  void preview(include);
                }}
              />
            </>
          )}
          {folderPreview && (
            <>
              <table className="table narrow">
                <tbody>
                  {Object.entries(folderPreview.counts as Record<string, number>).map(([ty, n]) => (
                    <tr key={ty}>
                      <td>{fhirTypeName(ty, locale)}</td>
                      <td className="num">{formatNumber(n, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p data-testid="preview-totals">
                {t('restore.preview.folderTotals', { resources: formatNumber(folderPreview.resources, locale), bytes: formatBytes(folderPreview.bytes, locale), folder })}
              </p>
              <SharedNotice shared={folderPreview.shared} included={folderPreview.sharedIncluded} />
            </>
          )}
          {/* Planned again (the administration opt-in): working, or why it could not be. */}
          {busy && <Spinner label={t('restore.preview.working')} />}
          <ErrorBox error={error} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(3)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={busy || (!plan && !folderPreview)} onClick={() => setStep(5)} data-testid="next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 5 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void restore();
          }}
        >
          <Notice kind="warning">{t(target === 'folder' ? 'restore.confirm.folderWarning' : 'restore.confirm.serverWarning', { target: targetText, scope: scopeText })}</Notice>
          <Field label={t('restore.confirm.label', { word: confirmWord })} error={confirmError}>
            {(p) => (
              <input
                {...p}
                autoComplete="off"
                spellCheck={false}
                value={confirmText}
                data-testid="confirm-text"
                onChange={(e) => {
                  setConfirmText(e.target.value);
                  setConfirmError(null);
                }}
              />
            )}
          </Field>
          {confirmError && (
            <p role="alert" className="error-inline" data-testid="confirm-error">
              {t('restore.confirm.nothingWritten')}
            </p>
          )}
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(4)}>
              {t('common.back')}
            </button>
            <button type="submit" className="primary danger" data-testid="restore-now">
              {t('restore.confirm.button')}
            </button>
          </div>
        </form>
      )}

      {step === 6 && (
        <div>
          <RunningTasks kinds={['restore']} label={() => t('restore.progress.label', { target: targetText })} fallback />
          <p className="muted">{t('restore.progress.wait')}</p>
        </div>
      )}

      {step === 7 && (
        <div data-testid="restore-outcome">
          {isApiError(error, 'CANCELLED') ? (
            <Notice kind="warning" testId="restore-cancelled">
              <strong>{t('restore.outcome.cancelled')}</strong> {error.info.message}
            </Notice>
          ) : error ? (
            <>
              <ErrorBox error={error} title={t('restore.outcome.failed')} />
              <p>{t('restore.outcome.failedNext')}</p>
            </>
          ) : outcome?.kind === 'server' ? (
            <>
              <Notice kind={outcome.result.failures.length > 0 ? 'warning' : 'ok'} testId="restore-success">
                <strong>{t(outcome.result.failures.length > 0 ? 'restore.outcome.partial' : 'restore.outcome.done')}</strong>{' '}
                {t('restore.outcome.server', { restored: formatNumber(outcome.result.restored, locale), target: outcome.result.target, duration: formatDuration(outcome.result.durationMs, locale) })}
              </Notice>
              {outcome.result.timeToCriticalMs !== null && <p>{t('restore.outcome.critical', { duration: formatDuration(outcome.result.timeToCriticalMs, locale) })}</p>}
              {outcome.result.verification && <p>{t('restore.outcome.verified', { checked: outcome.result.verification.checked, mismatches: outcome.result.verification.mismatches.length })}</p>}
              <OutcomeNotes result={outcome.result} />
              {outcome.result.failures.length > 0 && (
                <div className="failures">
                  <ListWithMore items={outcome.result.failures.map((f) => `${f.resource}: ${f.code ?? f.status} ${f.outcome ?? ''}`)} testId="restore-failures" />
                </div>
              )}
            </>
          ) : outcome?.kind === 'folder' ? (
            <Notice kind={outcome.result.failures.length > 0 ? 'warning' : 'ok'} testId="restore-success">
              <strong>{t('restore.outcome.done')}</strong>{' '}
              {t('restore.outcome.folder', { resources: formatNumber(outcome.result.resources, locale), bytes: formatBytes(outcome.result.bytes, locale), target: outcome.result.target })}
            </Notice>
          ) : null}
          <h3>{t('restore.outcome.nextSteps')}</h3>
          <ol className="next-steps">
            <li>{t(target === 'folder' ? 'restore.next.folder1' : 'restore.next.server1')}</li>
            <li>{t('restore.next.2')}</li>
            <li>{t('restore.next.3')}</li>
          </ol>
          <div className="wizard-nav">
            <button type="button" onClick={onRestart} data-testid="restore-again">
              {t('restore.outcome.again')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
