/**
 * First-run setup: what to protect (records server, folders, database; each tested) → local destination (drive detection) → offsite copy →
 * schedule → recovery kit (print, then type two words back) → done.
 */
import { useState, type ReactNode } from 'react';
import type { AddCopyResult, ScheduleSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice, Spinner, StepHeading, Stepper } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';
import { OffsiteForm } from '../destinations/CopyForms';
import { RecoveryKit, type KitData } from './RecoveryKit';
import { FolderPicker } from './FolderPicker';
import { KeychainGate } from './NoKeychain';
import { ProtectStep, ProtectSummary, type ProtectChoice } from './ProtectStep';

const STEPS: readonly MessageKey[] = ['setup.step.source', 'setup.step.destination', 'setup.step.offsite', 'setup.step.schedule', 'setup.step.kit', 'setup.step.done'];

/** The schedule choices offered (the engine validates and computes the times). */
export const BACKUP_PRESETS: readonly { id: string; label: MessageKey; hint: MessageKey; policy: ScheduleSetting }[] = [
  { id: 'every15', label: 'schedule.every15', hint: 'schedule.every15.hint', policy: { kind: 'interval', everyMinutes: 15 } },
  { id: 'hourly', label: 'schedule.hourly', hint: 'schedule.hourly.hint', policy: { kind: 'interval', everyMinutes: 60 } },
  { id: 'daily', label: 'schedule.daily', hint: 'schedule.daily.hint', policy: { kind: 'daily', at: '20:00' } },
];
export const DRILL_POLICY: ScheduleSetting = { kind: 'monthly', day: 1, at: '12:00' };

/** Schedules carry no zone of their own: they run on the clinic's clock (the time zone in the settings). */
export function withZone(p: ScheduleSetting): ScheduleSetting {
  return p;
}

export function SetupWizard(): ReactNode {
  const { t, locale } = useI18n();
  const { api, host, refresh, refreshHost, navigate, startBackup } = useApp();
  const [step, setStep] = useState(0);
  const [protect, setProtect] = useState<ProtectChoice>({ fhir: null, sources: [], ready: false });
  const source = protect.fhir;
  const [destPath, setDestPath] = useState<string>('');
  // Asked once, here: the kit, the reports and the e-mails carry it.
  const [clinicName, setClinicName] = useState('');
  const [destError, setDestError] = useState<unknown>(null);
  const [working, setWorking] = useState(false);
  const [existing, setExisting] = useState(false);
  const [kit, setKit] = useState<KitData | null>(null);
  const [kitConfirmed, setKitConfirmed] = useState(false);
  const [preset, setPreset] = useState('every15');
  const [scheduleError, setScheduleError] = useState<unknown>(null);
  const [offsite, setOffsite] = useState<AddCopyResult | null>(null);
  const [offsiteSkipped, setOffsiteSkipped] = useState(false);

  async function useDestination(): Promise<void> {
    if (!protect.ready) return;
    setWorking(true);
    setDestError(null);
    try {
      const path = destPath.trim();
      await api.call('openRepository', { path });
      await refreshHost();
      // An existing repository here (the app was set up before): use it, no new key.
      const isRepository = await api.call('status').then(
        () => true,
        () => false,
      );
      if (isRepository) {
        setExisting(true);
        const st = await api.call('recoveryKitStatus');
        setKitConfirmed(st.confirmed);
      } else {
        const r = await api.call('init', { useKeychain: host?.useKeychain ?? true, recoveryLanguage: locale });
        setExisting(false);
        if (r.recoveryKey && r.confirmPositions) setKit({ repoId: r.repoId, location: r.location, lines: r.recoveryKey, positions: r.confirmPositions });
      }
      await api.call('updateSettings', {
        source: source ? { url: source.url, auth: source.auth } : null,
        sources: [...protect.sources],
        language: locale,
        ...(clinicName.trim() ? { clinicName: clinicName.trim() } : {}),
      });
      await refresh();
      setStep(2);
    } catch (err) {
      setDestError(err);
    } finally {
      setWorking(false);
    }
  }

  async function saveSchedule(): Promise<void> {
    setScheduleError(null);
    const p = BACKUP_PRESETS.find((x) => x.id === preset) ?? BACKUP_PRESETS[0];
    try {
      await api.call('updateSettings', { schedule: { backup: withZone((p as (typeof BACKUP_PRESETS)[number]).policy), drill: withZone(DRILL_POLICY) } });
      setStep(4);
    } catch (err) {
      setScheduleError(err);
    }
  }

  async function newKit(): Promise<void> {
    setWorking(true);
    try {
      // The kit of an existing repository is printed again (the same words); nothing is replaced.
      const r = await api.call('recoveryKit', locale);
      setKit({ repoId: r.repoId, location: r.location, lines: r.recoveryKey, positions: r.confirmPositions });
      if (r.confirmed) setKitConfirmed(true);
    } catch (err) {
      setDestError(err);
    } finally {
      setWorking(false);
    }
  }

  function firstBackup(): void {
    navigate('dashboard');
    void startBackup();
  }

  const title = t(STEPS[step] as MessageKey);
  return (
    <div className="screen wizard" data-testid="setup-wizard">
      <h1>{t('setup.title')}</h1>
      <Stepper steps={STEPS.map((s) => t(s))} current={step} skipped={offsiteSkipped ? [2] : []} />
      <StepHeading step={step + 1} total={STEPS.length}>
        {title}
      </StepHeading>

      {step === 0 && (
        <div>
          <KeychainGate>
            <Field label={t('setup.clinicName')} hint={t('setup.clinicNameHint')}>
              {(p) => <input {...p} value={clinicName} maxLength={200} autoComplete="organization" onChange={(e) => setClinicName(e.target.value)} data-testid="clinic-name" />}
            </Field>
            <ProtectStep onChange={setProtect} />
          </KeychainGate>
          <div className="wizard-nav">
            <button type="button" className="primary" disabled={!protect.ready} onClick={() => setStep(1)} data-testid="next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 1 && (
        <div>
          <p className="lead">{t('setup.dest.lead')}</p>
          {host?.mode === 'electron' ? (
            <button type="button" onClick={() => void api.call('chooseFolder').then((r) => r.path && setDestPath(r.path), setDestError)} data-testid="choose-folder">
              {t('setup.picker.osDialog')}
            </button>
          ) : (
            <FolderPicker onChoose={(target) => setDestPath(target)} />
          )}
          {destPath.trim() !== '' && (
            <p className="dest-chosen" data-testid="dest-chosen">
              {t('setup.picker.chosen')} <strong data-verbatim>{destPath}</strong>
            </p>
          )}
          <details className="dest-typed">
            <summary>{t('setup.picker.typeInstead')}</summary>
            <Field label={t('setup.dest.path')} hint={t('setup.dest.pathHint')}>
              {(p) => <input {...p} value={destPath} spellCheck={false} data-testid="dest-path" onChange={(e) => setDestPath(e.target.value)} />}
            </Field>
          </details>
          <ErrorBox error={destError} />
          <div className="wizard-nav">
            <button type="button" onClick={() => setStep(0)}>
              {t('common.back')}
            </button>
            <button type="button" className="primary" disabled={working || !destPath.trim()} onClick={() => void useDestination()} data-testid="use-destination">
              {t('setup.dest.use')}
            </button>
            {working && <Spinner label={t('setup.dest.creating')} />}
          </div>
        </div>
      )}

      {step === 2 && (
        <div>
          {existing && (
            <Notice kind="info" testId="existing-repo">
              {t('setup.dest.existing')}
            </Notice>
          )}
          <div className="offsite-head">
            <p className="lead">{t('setup.offsite.lead')}</p>
            {!offsite && (
              // Always in view, before the form: the step can be done later from the destinations screen.
              <button
                type="button"
                onClick={() => {
                  setOffsiteSkipped(true);
                  setStep(3);
                }}
                data-testid="skip-offsite"
              >
                {t('setup.offsite.skip')}
              </button>
            )}
          </div>
          <ul className="plain">
            <li>{t('setup.offsite.point1')}</li>
            <li>{t('setup.offsite.point2')}</li>
            <li>{t('setup.offsite.point3')}</li>
          </ul>
          {offsite ? (
            <Notice kind="ok" testId="offsite-added">
              {t(offsite.existing ? 'copy.addedExisting' : 'copy.added', { location: offsite.location })}
            </Notice>
          ) : (
            <OffsiteForm onAdded={setOffsite} />
          )}
          <div className="wizard-nav">
            {offsite ? (
              <button type="button" className="primary" onClick={() => setStep(3)} data-testid="offsite-next">
                {t('common.next')}
              </button>
            ) : null}
          </div>
        </div>
      )}

      {step === 3 && (
        <div>
          <p className="lead">{t('setup.schedule.lead')}</p>
          <fieldset className="radios">
            <legend>{t('setup.schedule.backup')}</legend>
            {BACKUP_PRESETS.map((p) => (
              <label key={p.id} className="radio">
                <input type="radio" name="preset" value={p.id} checked={preset === p.id} onChange={() => setPreset(p.id)} data-testid={`preset-${p.id}`} /> <strong>{t(p.label)}</strong>{' '}
                <span className="hint-inline">{t(p.hint)}</span>
              </label>
            ))}
          </fieldset>
          <p>{t('setup.schedule.drill')}</p>
          <ErrorBox error={scheduleError} />
          <div className="wizard-nav">
            <button type="button" className="primary" onClick={() => void saveSchedule()} data-testid="save-schedule">
              {t('common.saveAndContinue')}
            </button>
          </div>
        </div>
      )}

      {step === 4 && (
        <div>
          <p className="lead">{t('setup.kit.lead')}</p>
          {kit ? (
            <RecoveryKit
              kit={{ ...kit, ...(clinicName.trim() ? { clinicName: clinicName.trim() } : {}) }}
              onConfirmed={() => {
                setKitConfirmed(true);
              }}
            />
          ) : kitConfirmed ? (
            <Notice kind="ok">{t('setup.kit.alreadyConfirmed')}</Notice>
          ) : (
            <div>
              <p>{t('setup.kit.existingNotConfirmed')}</p>
              <button type="button" className="primary" disabled={working} onClick={() => void newKit()}>
                {t('setup.kit.makeNew')}
              </button>
              <ErrorBox error={destError} />
            </div>
          )}
          <div className="wizard-nav">
            <button type="button" className="primary" disabled={!kitConfirmed} onClick={() => setStep(5)} data-testid="kit-next">
              {t('common.next')}
            </button>
          </div>
        </div>
      )}

      {step === 5 && (
        <div>
          <Notice kind="ok" testId="setup-done">
            <strong>{t('setup.done.title')}</strong> {t('setup.done.text')}
          </Notice>
          <ul className="plain summary">
            <ProtectSummary choice={protect} />
            <li>{t('setup.done.destination', { path: host?.location ?? destPath })}</li>
            <li data-testid="done-offsite">{offsite ? t('setup.done.offsite', { location: offsite.location }) : t('setup.done.noOffsite')}</li>
            <li>{t('setup.done.schedule', { schedule: t((BACKUP_PRESETS.find((p) => p.id === preset) ?? BACKUP_PRESETS[0])?.label ?? 'schedule.every15') })}</li>
          </ul>
          <div className="wizard-nav">
            <button type="button" onClick={() => navigate('dashboard')} data-testid="go-dashboard">
              {t('setup.done.dashboard')}
            </button>
            <button type="button" className="primary" onClick={firstBackup} data-testid="first-backup">
              {t('setup.done.backupNow')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
