/** Settings: language, FHIR source, schedules, retention (RetentionCard), alert channels (AlertChannels), desktop options and the recovery kit. */
import { useEffect, useState, type ReactNode } from 'react';
import type { AppSettings, ScheduleSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { isUnavailable, type DesktopSettings, type Locale } from '../../api/client';
import { Card, ErrorBox, Field, Notice } from '../../components/ui';
import { formatDateTime, LOCALES, useI18n } from '../../i18n';
import { RecoveryKit, type KitData } from '../setup/RecoveryKit';
import { BACKUP_PRESETS, withZone } from '../setup/SetupWizard';
import { SourceForm } from '../setup/SourceForm';
import { AlertChannels } from './AlertChannels';
import { RetentionCard } from './RetentionCard';
import { RetentionPreview } from './RetentionPreview';

function scheduleText(p: ScheduleSetting, t: ReturnType<typeof useI18n>['t']): string {
  switch (p.kind) {
    case 'interval':
      return t('schedule.text.interval', { minutes: p.everyMinutes });
    case 'daily':
      return t('schedule.text.daily', { at: p.at });
    case 'weekly':
      return t('schedule.text.weekly', { day: p.weekday, at: p.at });
    case 'monthly':
      return t('schedule.text.monthly', { day: p.day, at: p.at });
  }
}

function presetOf(p: ScheduleSetting): string {
  const match = BACKUP_PRESETS.find((x) => {
    const q = x.policy;
    if (q.kind === 'interval' && p.kind === 'interval') return q.everyMinutes === p.everyMinutes && !p.window;
    if (q.kind === 'daily' && p.kind === 'daily') return q.at === p.at;
    return false;
  });
  return match?.id ?? 'custom';
}

export function Settings(): ReactNode {
  const { t, locale, setLocale } = useI18n();
  const { api, status, host, refresh } = useApp();
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [desktop, setDesktop] = useState<DesktopSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [editSource, setEditSource] = useState(false);
  const [allowedHosts, setAllowedHosts] = useState<string | null>(null);
  const [kit, setKit] = useState<KitData | null>(null);
  const [kitStatus, setKitStatus] = useState<{ confirmed: boolean; confirmedAt: string | null } | null>(null);
  const [rotating, setRotating] = useState(false);
  const [rotateText, setRotateText] = useState('');
  const [kitRotated, setKitRotated] = useState(false);

  useEffect(() => {
    api.call('getSettings').then(setSettings, setError);
    api.call('recoveryKitStatus').then(setKitStatus, () => undefined);
    api.call('getDesktopSettings').then(setDesktop, (err: unknown) => {
      if (!isUnavailable(err)) setError(err);
    });
  }, [api]);

  async function save(patch: Partial<AppSettings>, what: string): Promise<void> {
    setError(null);
    setSaved(null);
    try {
      const s = await api.call('updateSettings', patch);
      setSettings(s);
      setSaved(what);
      await refresh();
    } catch (err) {
      setError(err);
    }
  }

  async function changeLanguage(l: Locale): Promise<void> {
    setLocale(l);
    await save({ language: l }, t('settings.language'));
  }

  async function saveDesktop(patch: Partial<DesktopSettings>): Promise<void> {
    try {
      setDesktop(await api.call('updateDesktopSettings', patch));
    } catch (err) {
      setError(err);
    }
  }

  async function printKit(): Promise<void> {
    setError(null);
    setKitRotated(false);
    try {
      const r = await api.call('recoveryKit', locale);
      setKit({ repoId: r.repoId, location: r.location, lines: r.recoveryKey, positions: r.confirmPositions });
    } catch (err) {
      setError(err);
    }
  }

  async function rotateKit(): Promise<void> {
    setError(null);
    try {
      const r = await api.call('rotateRecoveryKey', { confirmed: true, language: locale });
      setKit({ repoId: r.repoId, location: r.location, lines: r.recoveryKey, positions: r.confirmPositions });
      setKitStatus({ confirmed: false, confirmedAt: null });
      setRotating(false);
      setRotateText('');
      setKitRotated(true);
      await refresh();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div className="screen settings" data-testid="settings">
      <h1>{t('settings.title')}</h1>
      <ErrorBox error={error} />
      {saved && (
        <Notice kind="ok" testId="settings-saved">
          {t('settings.saved', { what: saved })}
        </Notice>
      )}
      <Card title={t('settings.language')}>
        <Field label={t('settings.languageLabel')}>
          {(p) => (
            <select {...p} value={locale} onChange={(e) => void changeLanguage(e.target.value as Locale)} data-testid="language">
              {LOCALES.map((l) => (
                <option key={l} value={l}>
                  {l === 'pt-BR' ? 'Português (Brasil)' : 'English'}
                </option>
              ))}
            </select>
          )}
        </Field>
      </Card>

      <Card title={t('settings.source')}>
        {settings?.source ? (
          <p>{t('settings.sourceNow', { url: settings.source.url, auth: t(`setup.source.auth.${settings.source.auth.kind === 'smart' ? 'smart' : settings.source.auth.kind}`) })}</p>
        ) : (
          <p className="muted">{t('settings.noSource')}</p>
        )}
        {editSource ? (
          <SourceForm
            initial={settings?.source ?? null}
            onTested={(s) => {
              // The other options of the source (allowed addresses, export bound) stay as they were.
              void save({ source: { ...(settings?.source ?? {}), url: s.url, auth: s.auth } }, t('settings.source')).then(() => setEditSource(false));
            }}
          />
        ) : (
          <button type="button" onClick={() => setEditSource(true)}>
            {t('settings.changeSource')}
          </button>
        )}
        {settings?.source && (
          <form
            className="form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const source = settings.source;
              if (!source) return;
              const hosts = (allowedHosts ?? (source.allowedHosts ?? []).join('\n'))
                .split(/[\s,]+/)
                .map((h) => h.trim())
                .filter((h) => h.length > 0);
              void save({ source: { ...source, allowedHosts: hosts } }, t('settings.allowedHosts'));
            }}
          >
            <Field label={t('settings.allowedHosts')} hint={t('settings.allowedHostsHint')}>
              {(p) => (
                <textarea
                  {...p}
                  rows={2}
                  spellCheck={false}
                  value={allowedHosts ?? (settings.source?.allowedHosts ?? []).join('\n')}
                  data-testid="allowed-hosts"
                  onChange={(e) => setAllowedHosts(e.target.value)}
                />
              )}
            </Field>
            <div className="actions">
              <button type="submit" data-testid="save-allowed-hosts">
                {t('settings.allowedHostsSave')}
              </button>
            </div>
          </form>
        )}
      </Card>

      <Card title={t('settings.schedules')}>
        {settings && (
          <>
            <Field label={t('setup.schedule.backup')} hint={t('settings.scheduleNow', { text: scheduleText(settings.schedule.backup, t) })}>
              {(p) => (
                <select
                  {...p}
                  value={presetOf(settings.schedule.backup)}
                  onChange={(e) => {
                    const preset = BACKUP_PRESETS.find((x) => x.id === e.target.value);
                    if (preset) void save({ schedule: { backup: withZone(preset.policy), drill: settings.schedule.drill } }, t('settings.schedules'));
                  }}
                >
                  {BACKUP_PRESETS.map((x) => (
                    <option key={x.id} value={x.id}>
                      {t(x.label)}
                    </option>
                  ))}
                  {presetOf(settings.schedule.backup) === 'custom' && <option value="custom">{scheduleText(settings.schedule.backup, t)}</option>}
                </select>
              )}
            </Field>
            <p>{t('settings.drillSchedule', { text: scheduleText(settings.schedule.drill, t) })}</p>
          </>
        )}
      </Card>

      {settings && (
        <>
          <RetentionCard settings={settings} onSaved={setSettings} />
          <AlertChannels settings={settings} onSaved={setSettings} />
          <RetentionPreview settings={settings} />
        </>
      )}

      {desktop && (
        <Card title={t('settings.desktop')}>
          <label className="check">
            <input type="checkbox" checked={desktop.startAtLogin} onChange={(e) => void saveDesktop({ startAtLogin: e.target.checked })} /> {t('settings.startAtLogin')}
          </label>
          <label className="check">
            <input type="checkbox" checked={desktop.pauseOnBattery} onChange={(e) => void saveDesktop({ pauseOnBattery: e.target.checked })} /> {t('settings.pauseOnBattery')}
          </label>
        </Card>
      )}

      <Card title={t('settings.kit')}>
        <p data-testid="kit-status">
          {kitStatus?.confirmed || status?.recoveryKit.confirmed ? t('settings.kitConfirmed', { at: formatDateTime(kitStatus?.confirmedAt ?? null, locale) }) : t('settings.kitNotConfirmed')}
        </p>
        {kitRotated && (
          <Notice kind="warning" testId="kit-rotated">
            {t('settings.kitRotated')}
          </Notice>
        )}
        {kit ? (
          <RecoveryKit key={kit.lines.flat().join(' ')} kit={kit} onConfirmed={(at) => setKitStatus({ confirmed: true, confirmedAt: at })} />
        ) : (
          <>
            <p className="muted">{t('settings.kitPrintHint')}</p>
            <button type="button" onClick={() => void printKit()} data-testid="kit-print">
              {t('settings.kitPrint')}
            </button>
          </>
        )}
        {rotating ? (
          <form
            className="kit-rotate danger-zone"
            data-testid="kit-rotate-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (rotateText.trim().toUpperCase() === t('settings.kitRotateWord')) void rotateKit();
            }}
          >
            <Notice kind="warning">{t('settings.kitRotateWarning')}</Notice>
            <Field label={t('settings.kitRotateType', { word: t('settings.kitRotateWord') })}>
              {(p) => <input {...p} autoComplete="off" spellCheck={false} value={rotateText} onChange={(e) => setRotateText(e.target.value)} data-testid="kit-rotate-text" />}
            </Field>
            <div className="row">
              <button type="button" onClick={() => setRotating(false)}>
                {t('common.cancel')}
              </button>
              <button type="submit" className="danger" disabled={rotateText.trim().toUpperCase() !== t('settings.kitRotateWord')} data-testid="kit-rotate-confirm">
                {t('settings.kitRotateConfirm')}
              </button>
            </div>
          </form>
        ) : (
          <p>
            <button type="button" onClick={() => setRotating(true)} data-testid="kit-rotate">
              {t('settings.kitRotate')}
            </button>
          </p>
        )}
      </Card>

      <p className="muted small">{t('settings.about', { version: host?.version ?? '—', location: host?.location ?? '—', mode: host?.mode ?? '—' })}</p>
    </div>
  );
}
