/**
 * Finds one patient in a snapshot by name or id. The engine searches the backed-up Patient resources
 * (accents and case ignored, each word a prefix); the page asks again as the user types, a moment after the
 * last key, and shows only the answer to the newest question.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { PatientMatch } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

export type PatientChoice = PatientMatch;

const LIMIT = 20;
const DEBOUNCE_MS = 200;

export function PatientSearch({ snapshot, selected, onSelect }: { snapshot: string; selected: PatientChoice | null; onSelect: (p: PatientChoice) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; patients: PatientMatch[]; total: number } | null>(null);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const asked = useRef(0);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResult(null);
      setSearching(false);
      return;
    }
    const n = ++asked.current;
    setSearching(true);
    const timer = setTimeout(() => {
      api.call('findPatients', { snapshot, query: q, limit: LIMIT }).then(
        (r) => {
          if (n !== asked.current) return;
          setError(null);
          setResult({ query: q, patients: r.patients, total: r.total });
          setSearching(false);
        },
        (err: unknown) => {
          if (n !== asked.current) return;
          setError(err);
          setSearching(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [api, snapshot, query]);

  const matches = result?.patients ?? [];
  return (
    <div className="patient-search">
      <Field label={t('restore.patient.search')} hint={t('restore.patient.searchHint')}>
        {(p) => <input {...p} type="search" value={query} autoComplete="off" data-testid="patient-search" onChange={(e) => setQuery(e.target.value)} />}
      </Field>
      {searching && <Spinner label={t('restore.patient.searching')} />}
      <ErrorBox error={error} />
      {result && !searching && matches.length === 0 && <p className="muted">{t('restore.patient.none')}</p>}
      {matches.length > 0 && (
        <fieldset className="radios">
          <legend>
            {result && result.total > matches.length ? t('restore.patient.resultsMore', { count: matches.length, total: result.total }) : t('restore.patient.results', { count: matches.length })}
          </legend>
          {matches.map((p) => (
            <label key={p.id} className="radio">
              <input type="radio" name="patient" value={p.id} checked={selected?.id === p.id} onChange={() => onSelect(p)} data-testid={`patient-${p.id}`} />{' '}
              <strong>{p.name || t('restore.patient.noName')}</strong> <span className="muted">{t('restore.patient.line', { id: p.id, birth: p.birthDate ?? '—' })}</span>
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
