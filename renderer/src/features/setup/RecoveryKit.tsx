/**
 * The recovery kit: the words shown once, a print button, and the "I stored it" ceremony — the user types
 * two of the words back (the engine checks them; CONFIRMATION_MISMATCH otherwise).
 */
import { useState, type ReactNode } from 'react';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';

export interface KitData {
  readonly repoId: string;
  readonly location: string;
  readonly lines: readonly (readonly string[])[];
  /** The words to type back; null when the kit is already confirmed (printing only). */
  readonly positions: readonly [number, number] | null;
  /** The clinic's name, shown on the sheet (not a technical id). */
  readonly clinicName?: string;
}

export function RecoveryKit({ kit, onConfirmed }: { kit: KitData; onConfirmed: (at: string) => void }): ReactNode {
  const { t, locale } = useI18n();
  const { api, refresh } = useApp();
  const [stored, setStored] = useState(false);
  const [answers, setAnswers] = useState<[string, string]>(['', '']);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmedAt, setConfirmedAt] = useState<string | null>(null);
  let n = 0;

  async function confirm(): Promise<void> {
    if (!kit.positions) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('confirmRecoveryKit', [
        { position: kit.positions[0], word: answers[0].trim() },
        { position: kit.positions[1], word: answers[1].trim() },
      ]);
      setConfirmedAt(r.confirmedAt);
      await refresh();
      onConfirmed(r.confirmedAt);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="kit">
      <div className="print-area kit-sheet" data-testid="recovery-kit">
        <h3>{t('kit.sheetTitle')}</h3>
        {kit.clinicName && (
          <p className="kit-clinic" data-testid="kit-clinic">
            {kit.clinicName}
          </p>
        )}
        <p className="kit-meta">
          {t('kit.repo', { location: kit.location })}
          <br />
          {t('kit.printedAt', { at: formatDateTime(new Date().toISOString(), locale) })}
        </p>
        {stored && !confirmedAt ? (
          <p className="kit-hidden" data-testid="kit-hidden">
            {t('kit.hidden', { a: kit.positions?.[0] ?? 0, b: kit.positions?.[1] ?? 0 })}
          </p>
        ) : (
          <ol className="kit-words" aria-label={t('kit.wordsLabel')}>
            {kit.lines.flatMap((line) =>
              line.map((w) => {
                n++;
                return (
                  <li key={n} value={n}>
                    <span className="kit-n">{n}.</span> <span className="kit-word">{w}</span>
                  </li>
                );
              }),
            )}
          </ol>
        )}
        <p className="kit-warning">{t('kit.keepSafe')}</p>
      </div>
      {!confirmedAt && (
        <div className="kit-actions">
          <button type="button" onClick={() => window.print()}>
            {t('kit.print')}
          </button>
          {!stored && kit.positions && (
            <button type="button" className="primary" onClick={() => setStored(true)} data-testid="kit-stored">
              {t('kit.stored')}
            </button>
          )}
        </div>
      )}
      {stored && !confirmedAt && kit.positions && (
        <form
          className="kit-confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <p>{t('kit.typeBack')}</p>
          <div className="row">
            {[0, 1].map((i) => (
              <Field key={i} label={t('kit.wordN', { n: kit.positions?.[i as 0 | 1] ?? 0 })}>
                {(p) => (
                  <input
                    {...p}
                    autoComplete="off"
                    spellCheck={false}
                    value={answers[i as 0 | 1]}
                    data-testid={`kit-word-${i}`}
                    onChange={(e) => setAnswers((a) => (i === 0 ? [e.target.value, a[1]] : [a[0], e.target.value]))}
                  />
                )}
              </Field>
            ))}
          </div>
          <ErrorBox error={error} />
          <button type="submit" className="primary" disabled={busy || !answers[0].trim() || !answers[1].trim()} data-testid="kit-confirm">
            {t('kit.confirm')}
          </button>
        </form>
      )}
      {confirmedAt && (
        <Notice kind="ok" testId="kit-confirmed">
          {t('kit.confirmed', { at: formatDateTime(confirmedAt, locale) })}
        </Notice>
      )}
    </div>
  );
}
