/** Small accessible building blocks shared by the screens. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { isApiError } from '../api/client';
import type { ProgressEvent } from '../../../src/shared/events.js';
import { formatBytes, formatDuration, formatNumber, hasMessage, useI18n } from '../i18n';
import type { MessageKey } from '../i18n/messages';

export function Card({ title, children, className, headingLevel = 2, actions }: { title?: string; children: ReactNode; className?: string; headingLevel?: 2 | 3; actions?: ReactNode }): ReactNode {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section className={`card ${className ?? ''}`} aria-label={title}>
      {(title || actions) && (
        <div className="card-head">
          {title && <Heading>{title}</Heading>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}): ReactNode {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}) })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** An error with what to do about it: the engine's message, then the fix for its code. */
export function ErrorBox({ error, title, testId, fixKeys }: { error: unknown; title?: string; testId?: string; fixKeys?: Partial<Record<string, MessageKey>> }): ReactNode {
  const { t } = useI18n();
  if (!error) return null;
  const code = isApiError(error) ? error.info.code : null;
  const message = isApiError(error) ? error.info.message : error instanceof Error ? error.message : String(error);
  // A screen may give a fix that fits its context better (an unreachable bucket is not an unplugged drive).
  const fixKey = code ? (fixKeys?.[code] ?? `fix.${code}`) : null;
  const fix = fixKey && hasMessage(fixKey) ? t(fixKey) : null;
  // Which side failed, in plain words: the clinic's server the data comes from, or the place the copies are kept.
  const side = isApiError(error) ? error.info.side : undefined;
  const location = isApiError(error) && typeof error.info.details?.['location'] === 'string' ? (error.info.details['location'] as string) : null;
  return (
    <div className="error-box" role="alert" data-testid={testId ?? 'error'} data-code={code ?? undefined} data-side={side}>
      <p className="error-title">{title ?? t('common.errorTitle')}</p>
      {side && (
        <p className="error-side" data-testid="error-side">
          {t(side === 'source' ? 'error.side.source' : location?.startsWith('s3:') ? 'error.side.cloud' : 'error.side.destination')}
          {side === 'destination' && location && (
            <>
              {' '}
              <span data-verbatim>{location}</span>
            </>
          )}
        </p>
      )}
      <p className="error-message">{message}</p>
      {fix && (
        <p className="error-fix">
          <strong>{t('common.howToFix')}</strong> {fix}
        </p>
      )}
      {code && (
        <p className="error-code" data-support-code>
          {t('common.errorCode', { code })}
        </p>
      )}
    </div>
  );
}

export function Notice({ kind, children, testId }: { kind: 'ok' | 'info' | 'warning'; children: ReactNode; testId?: string }): ReactNode {
  return (
    <div className={`notice notice-${kind}`} role="status" data-testid={testId}>
      {children}
    </div>
  );
}

/** Live progress of a long operation, announced politely to screen readers. */
export function ProgressBar({ event, label }: { event: ProgressEvent | null; label: string }): ReactNode {
  const { t, locale } = useI18n();
  const pct = event?.total && event.total > 0 ? Math.min(100, Math.floor((event.done / event.total) * 100)) : null;
  const phaseKey = event ? `phase.${event.phase}` : null;
  // The engine says what it does in plain words; older events carry only the phase's name.
  const phase = event?.text ?? (phaseKey && hasMessage(phaseKey) ? t(phaseKey) : (event?.phase ?? ''));
  // "120 de 480 registros (25%)" when the total is known, else the count so far.
  const unitText = (e: ProgressEvent, n: number): string => (e.unit === 'bytes' ? formatBytes(n, locale) : t(`unit.${e.unit}` as MessageKey, { n }));
  const amount = (e: ProgressEvent): string =>
    pct !== null && e.total !== undefined
      ? t('progress.ofTotal', { done: e.unit === 'bytes' ? formatBytes(e.done, locale) : formatNumber(e.done, locale), total: unitText(e, e.total), pct })
      : unitText(e, e.done);
  const pace = [
    event?.bytesPerSecond !== undefined && event.bytesPerSecond > 0 ? t('progress.speed', { speed: formatBytes(event.bytesPerSecond, locale) }) : null,
    event?.etaMs !== undefined ? t('progress.eta', { time: formatDuration(event.etaMs, locale) }) : null,
  ].filter((x): x is string => x !== null);
  return (
    <div className="progress" data-testid="progress">
      <div className="progress-label" aria-live="polite">
        {label}
        {event && (
          <span className="progress-detail">
            {' '}
            —{' '}
            <span className={event.stalledMs !== undefined ? 'progress-stalled' : undefined} data-testid={event.stalledMs !== undefined ? 'progress-stalled' : 'progress-phase'}>
              {phase}
            </span>
            {event.subject ? ` (${event.subject})` : ''}: <span data-testid="progress-amount">{amount(event)}</span>
            {pace.length > 0 && <span data-testid="progress-pace">{` · ${pace.join(' · ')}`}</span>}
          </span>
        )}
      </div>
      <div className="progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} {...(pct !== null ? { 'aria-valuenow': pct } : {})}>
        <div className={`progress-fill ${pct === null ? 'progress-indeterminate' : ''}`} style={pct !== null ? { width: `${pct}%` } : undefined} />
      </div>
    </div>
  );
}

/** Moves focus to a heading when a wizard step changes, so keyboard and screen-reader users follow along. */
export function StepHeading({ children, step, total }: { children: ReactNode; step: number; total: number }): ReactNode {
  const { t } = useI18n();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [step]);
  return (
    <div className="step-heading">
      <p className="step-count">{t('common.stepOf', { step, total })}</p>
      <h2 ref={ref} tabIndex={-1}>
        {children}
      </h2>
    </div>
  );
}

/** The wizard's steps: done ones, the current one, and skipped ones (never shown as done). */
export function Stepper({ steps, current, skipped = [] }: { steps: readonly string[]; current: number; skipped?: readonly number[] }): ReactNode {
  const { t } = useI18n();
  return (
    <ol className="stepper">
      {steps.map((s, i) => {
        const state = i === current ? 'current' : skipped.includes(i) ? 'skipped' : i < current ? 'done' : '';
        return (
          <li key={s} className={state} aria-current={i === current ? 'step' : undefined} data-state={state || 'todo'}>
            <span className="stepper-n">{i + 1}</span> {s}
            {state === 'skipped' && <span className="stepper-skipped"> ({t('common.skipped')})</span>}
          </li>
        );
      })}
    </ol>
  );
}

export function Spinner({ label }: { label: string }): ReactNode {
  return (
    <span className="spinner" role="status">
      <span className="spinner-dot" aria-hidden="true" /> {label}
    </span>
  );
}
