/**
 * Settings → how long to keep: the GFS counts and the legal floor. The engine merges the numbers into the
 * stored policy and refuses a floor below the law (RETENTION_LEGAL_FLOOR) or a bad value (INVALID_SETTINGS /
 * INVALID_ARGUMENT); the error shows in this card and nothing is saved.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { AppSettings, RetentionSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { isApiError } from '../../api/client';
import { Card, ErrorBox, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';

/** Medical records: CFM Res. 1.821/2007 and Lei 13.787/2018. The engine enforces it; this is for the texts. */
export const LEGAL_MINIMUM_YEARS = 20;

const FIELDS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'legalFloorYears'] as const;
type RetentionField = (typeof FIELDS)[number];
type Values = Record<RetentionField, string>;

const MAX: Readonly<Record<RetentionField, number>> = { keepLast: 100_000, keepDaily: 100_000, keepWeekly: 100_000, keepMonthly: 100_000, keepYearly: 100_000, legalFloorYears: 200 };

function valuesOf(r: RetentionSetting | undefined): Values {
  const v = (n: number | undefined, fallback: number): string => String(n ?? fallback);
  return {
    keepLast: v(r?.keepLast, 0),
    keepDaily: v(r?.keepDaily, 0),
    keepWeekly: v(r?.keepWeekly, 0),
    keepMonthly: v(r?.keepMonthly, 0),
    keepYearly: v(r?.keepYearly, 0),
    legalFloorYears: v(r?.legalFloorYears, LEGAL_MINIMUM_YEARS),
  };
}

export function RetentionCard({ settings, onSaved }: { settings: AppSettings; onSaved: (s: AppSettings) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [values, setValues] = useState<Values>(() => valuesOf(settings.retention));
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<RetentionField, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const floor = settings.retention?.legalFloorYears ?? LEGAL_MINIMUM_YEARS;

  function change(field: RetentionField, value: string): void {
    setValues((v) => ({ ...v, [field]: value }));
    setSaved(false);
    setFieldErrors((e) => ({ ...e, [field]: undefined }));
  }

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const patch: Record<string, number> = {};
    const problems: Partial<Record<RetentionField, string>> = {};
    for (const f of FIELDS) {
      const text = values[f].trim();
      const n = Number(text);
      if (text === '' || !Number.isInteger(n) || n < 0 || n > MAX[f]) problems[f] = t('settings.retention.wholeNumber', { min: 0, max: MAX[f] });
      else patch[f] = n;
    }
    setFieldErrors(problems);
    if (Object.keys(problems).length > 0) {
      setError(new Error(t('settings.checkFields')));
      return;
    }
    setBusy(true);
    try {
      const s = await api.call('updateSettings', { retention: patch });
      setValues(valuesOf(s.retention));
      setSaved(true);
      onSaved(s);
    } catch (err) {
      if (isApiError(err, 'RETENTION_LEGAL_FLOOR')) {
        const minimum = err.info.details?.['minimum'];
        setFieldErrors({ legalFloorYears: t('settings.retention.floorTooLow', { years: typeof minimum === 'number' ? minimum : LEGAL_MINIMUM_YEARS }) });
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t('settings.retention')} className="settings-retention">
      <form className="form" noValidate onSubmit={(e) => void save(e)} data-testid="retention-form">
        <fieldset className="settings-fieldset" aria-describedby={hintId}>
          <legend>{t('settings.retention.counts')}</legend>
          <p className="hint" id={hintId}>
            {t('settings.retention.countsHint')}
          </p>
          <div className="settings-grid settings-grid-6">
            {FIELDS.map((f) => (
              <Field key={f} label={t(`settings.retention.${f}`)} error={fieldErrors[f] ?? null}>
                {(p) => (
                  <input
                    {...p}
                    type="number"
                    inputMode="numeric"
                    min={f === 'legalFloorYears' ? LEGAL_MINIMUM_YEARS : 0}
                    max={MAX[f]}
                    step={1}
                    value={values[f]}
                    onChange={(e) => change(f, e.target.value)}
                    data-testid={`retention-${f}`}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
        <Notice kind="info" testId="retention-legal">
          {t('settings.retention.legalNote', { years: floor, minimum: LEGAL_MINIMUM_YEARS })}
        </Notice>
        <ErrorBox error={error} testId="retention-error" />
        {saved && (
          <Notice kind="ok" testId="retention-saved">
            {t('settings.saved', { what: t('settings.retention') })}
          </Notice>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="save-retention">
            {busy ? t('settings.saving') : t('settings.retention.save')}
          </button>
        </div>
      </form>
    </Card>
  );
}
