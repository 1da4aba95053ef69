/** Finds one patient in a snapshot by id or by name (names are read from the backed-up Patient resources). */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

export interface PatientChoice {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string | null;
}

interface HumanName {
  readonly text?: string;
  readonly given?: readonly string[];
  readonly family?: string;
}

function nameOf(resource: { name?: readonly HumanName[] }): string {
  const n = resource.name?.[0];
  if (!n) return '';
  return n.text ?? [...(n.given ?? []), n.family ?? ''].join(' ').trim();
}

function normalise(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

const MAX_NAMES = 2000;

export function PatientSearch({ snapshot, selected, onSelect }: { snapshot: string; selected: PatientChoice | null; onSelect: (p: PatientChoice) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [query, setQuery] = useState('');
  const [patients, setPatients] = useState<PatientChoice[] | null>(null);
  const [loaded, setLoaded] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    (async () => {
      const { resources } = await api.call('ls', { snapshot, types: ['Patient'] });
      const ids = resources.map((r) => r.id).slice(0, MAX_NAMES);
      const out: PatientChoice[] = [];
      for (let i = 0; i < ids.length; i += 8) {
        const batch = await Promise.all(
          ids.slice(i, i + 8).map(async (id) => {
            const d = await api.call('dump', snapshot, `Patient/${id}`).catch(() => null);
            const r = d ? (JSON.parse(d.text) as { name?: HumanName[]; birthDate?: string }) : {};
            return { id, name: nameOf(r), birthDate: r.birthDate ?? null };
          }),
        );
        out.push(...batch);
        setLoaded(out.length);
      }
      setPatients(out);
    })().catch((err: unknown) => setError(err));
  }, [api, snapshot]);

  const q = normalise(query);
  const matches = q && patients ? patients.filter((p) => normalise(p.name).includes(q) || p.id.toLowerCase().startsWith(q)).slice(0, 20) : [];

  return (
    <div className="patient-search">
      <Field label={t('restore.patient.search')} hint={t('restore.patient.searchHint')}>
        {(p) => <input {...p} type="search" value={query} autoComplete="off" data-testid="patient-search" onChange={(e) => setQuery(e.target.value)} />}
      </Field>
      {!patients && !error && <Spinner label={t('restore.patient.loading', { n: loaded })} />}
      <ErrorBox error={error} />
      {q && patients && matches.length === 0 && <p className="muted">{t('restore.patient.none')}</p>}
      {matches.length > 0 && (
        <fieldset className="radios">
          <legend>{t('restore.patient.results', { count: matches.length })}</legend>
          {matches.map((p) => (
            <label key={p.id} className="radio">
              <input type="radio" name="patient" value={p.id} checked={selected?.id === p.id} onChange={() => onSelect(p)} data-testid={`patient-${p.id}`} /> <strong>{p.name || t('restore.patient.noName')}</strong>{' '}
              <span className="muted">{t('restore.patient.line', { id: p.id, birth: p.birthDate ?? '—' })}</span>
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
