/**
 * People and incidents: the clinic's contacts by SOP-019 §4 role (the responsible, the IT helper, the DPO…), where the
 * printed recovery kit is kept, and the incident register with the ANPD 3-business-day clock while an incident is
 * open. The DR plan and the compliance summary print all of it (download buttons here).
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { ContactEntry, ContactRole, IncidentInput, IncidentView, PeopleSettings } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { formatDateTime, fromClinicInput, toClinicInput, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';

const ROLES: readonly ContactRole[] = ['owner', 'it', 'dpo', 'fhirVendor', 'cloudProvider', 'support'];
const ROLE_LABEL: Readonly<Record<ContactRole, MessageKey>> = {
  owner: 'people.role.owner',
  it: 'people.role.it',
  dpo: 'people.role.dpo',
  fhirVendor: 'people.role.fhirVendor',
  cloudProvider: 'people.role.cloudProvider',
  support: 'people.role.support',
};

/** Incident times are typed and shown on the clinic's clock (its zone from settings), not the browser's. */
const localInput = toClinicInput;
const fromInput = fromClinicInput;

function download(base64: string, filename: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Contacts({ people, onSaved }: { people: PeopleSettings; onSaved: (p: PeopleSettings) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [rows, setRows] = useState<ContactEntry[]>(
    people.contacts.length > 0
      ? [...people.contacts]
      : [
          { role: 'owner', name: '' },
          { role: 'it', name: '' },
          { role: 'dpo', name: '' },
        ],
  );
  const [kit, setKit] = useState(people.kitLocation ?? '');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = (i: number, patch: Partial<ContactEntry>): void => setRows((r) => r.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const save = async (): Promise<void> => {
    setError(null);
    setSaved(false);
    try {
      const contacts = rows.filter((r) => r.name.trim() !== '').map((r) => ({ role: r.role, name: r.name.trim(), phone: r.phone?.trim() || null, email: r.email?.trim() || null }));
      onSaved(await api.call('updatePeople', { contacts, kitLocation: kit.trim() || null }));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t('people.contacts.title')}>
      <p className="muted">{t('people.contacts.lead')}</p>
      <table className="table" data-testid="contacts">
        <thead>
          <tr>
            <th scope="col">{t('people.col.role')}</th>
            <th scope="col">{t('people.col.name')}</th>
            <th scope="col">{t('people.col.phone')}</th>
            <th scope="col">{t('people.col.email')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                <select aria-label={t('people.col.role')} value={r.role} onChange={(e) => set(i, { role: e.target.value as ContactRole })} data-testid={`contact-role-${i}`}>
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(ROLE_LABEL[role])}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input aria-label={t('people.col.name')} value={r.name} onChange={(e) => set(i, { name: e.target.value })} data-testid={`contact-name-${i}`} />
              </td>
              <td>
                <input aria-label={t('people.col.phone')} type="tel" value={r.phone ?? ''} onChange={(e) => set(i, { phone: e.target.value })} data-testid={`contact-phone-${i}`} />
              </td>
              <td>
                <input aria-label={t('people.col.email')} type="email" value={r.email ?? ''} onChange={(e) => set(i, { email: e.target.value })} data-testid={`contact-email-${i}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" onClick={() => setRows((r) => [...r, { role: 'support', name: '' }])} data-testid="contact-add">
          {t('people.contacts.add')}
        </button>
      </p>
      <Field label={t('people.kit.label')} hint={t('people.kit.hint')}>
        {(p) => <input {...p} value={kit} onChange={(e) => setKit(e.target.value)} data-testid="kit-location" />}
      </Field>
      <ErrorBox error={error} />
      {saved && (
        <Notice kind="ok" testId="people-saved">
          {t('people.saved')}
        </Notice>
      )}
      <button type="button" className="primary" onClick={() => void save()} data-testid="people-save">
        {t('people.save')}
      </button>
    </Card>
  );
}

const EMPTY: IncidentInput = { title: '', discoveredAt: '', description: '', dataAffected: '', anpdNotifiedAt: null, closedAt: null };

function IncidentForm({ initial, onDone, onCancel }: { initial: { id: number | null; input: IncidentInput }; onDone: () => void; onCancel: () => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [v, setV] = useState<IncidentInput>(initial.input);
  const [error, setError] = useState<unknown>(null);
  const save = async (): Promise<void> => {
    setError(null);
    try {
      const input: IncidentInput = { ...v, title: v.title.trim(), discoveredAt: v.discoveredAt || new Date().toISOString() };
      if (initial.id === null) await api.call('recordIncident', input);
      else await api.call('updateIncident', initial.id, input);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form
      className="incident-form"
      data-testid="incident-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Field label={t('incident.title')}>{(p) => <input {...p} required value={v.title} onChange={(e) => setV({ ...v, title: e.target.value })} data-testid="incident-title" />}</Field>
      <Field label={t('incident.discoveredAt')} hint={t('incident.discoveredHint')}>
        {(p) => (
          <input
            {...p}
            type="datetime-local"
            required
            value={localInput(v.discoveredAt || null)}
            onChange={(e) => setV({ ...v, discoveredAt: fromInput(e.target.value) ?? '' })}
            data-testid="incident-discovered"
          />
        )}
      </Field>
      <Field label={t('incident.description')}>
        {(p) => <textarea {...p} rows={3} value={v.description ?? ''} onChange={(e) => setV({ ...v, description: e.target.value })} data-testid="incident-description" />}
      </Field>
      <Field label={t('incident.dataAffected')} hint={t('incident.dataAffectedHint')}>
        {(p) => <input {...p} value={v.dataAffected ?? ''} onChange={(e) => setV({ ...v, dataAffected: e.target.value })} data-testid="incident-data" />}
      </Field>
      <Field label={t('incident.anpdNotifiedAt')} hint={t('incident.anpdHint')}>
        {(p) => (
          <input {...p} type="datetime-local" value={localInput(v.anpdNotifiedAt ?? null)} onChange={(e) => setV({ ...v, anpdNotifiedAt: fromInput(e.target.value) })} data-testid="incident-anpd" />
        )}
      </Field>
      <Field label={t('incident.closedAt')}>
        {(p) => <input {...p} type="datetime-local" value={localInput(v.closedAt ?? null)} onChange={(e) => setV({ ...v, closedAt: fromInput(e.target.value) })} data-testid="incident-closed" />}
      </Field>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="primary" data-testid="incident-save">
          {t('incident.save')}
        </button>
      </div>
    </form>
  );
}

function Incidents(): ReactNode {
  const { t, locale } = useI18n();
  const { api } = useApp();
  const [list, setList] = useState<IncidentView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<{ id: number | null; input: IncidentInput } | null>(null);
  const load = (): void => void api.call('listIncidents').then(setList, setError);
  useEffect(load, [api]);
  return (
    <Card title={t('incidents.title')}>
      <p className="muted">{t('incidents.lead')}</p>
      <ErrorBox error={error} />
      {editing ? (
        <IncidentForm
          initial={editing}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            load();
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing({ id: null, input: { ...EMPTY, discoveredAt: new Date().toISOString() } })} data-testid="incident-new">
          {t('incidents.new')}
        </button>
      )}
      {list === null && !error ? (
        <Spinner label={t('common.loading')} />
      ) : (list ?? []).length === 0 ? (
        <p className="muted">{t('incidents.none')}</p>
      ) : (
        <ul className="incidents" data-testid="incidents">
          {(list ?? []).map((i) => (
            <li key={i.id} data-incident={i.id} data-overdue={String(i.anpdOverdue)}>
              <strong>{i.title}</strong> — {t('incidents.discovered', { at: formatDateTime(i.discoveredAt, locale) })}
              {i.dataAffected && <div>{t('incidents.data', { data: i.dataAffected })}</div>}
              <div className={i.anpdOverdue ? 'text-danger' : ''} data-testid="anpd-clock">
                {i.anpdNotifiedAt
                  ? t('incidents.anpdTold', { at: formatDateTime(i.anpdNotifiedAt, locale) })
                  : i.anpdOverdue
                    ? t('incidents.anpdLate', { at: formatDateTime(i.anpdDeadline, locale) })
                    : t('incidents.anpdLeft', { days: i.anpdBusinessDaysLeft ?? 0, at: formatDateTime(i.anpdDeadline, locale) })}
              </div>
              <div className="muted small">{i.closedAt ? t('incidents.closed', { at: formatDateTime(i.closedAt, locale) }) : t('incidents.open')}</div>
              <button
                type="button"
                onClick={() =>
                  setEditing({
                    id: i.id,
                    input: {
                      title: i.title,
                      description: i.description,
                      discoveredAt: i.discoveredAt,
                      occurredAt: i.occurredAt,
                      dataAffected: i.dataAffected,
                      anpdNotifiedAt: i.anpdNotifiedAt,
                      holdersNotifiedAt: i.holdersNotifiedAt,
                      closedAt: i.closedAt,
                    },
                  })
                }
              >
                {t('incidents.edit')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Reports(): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const get = async (kind: 'dr-plan' | 'compliance'): Promise<void> => {
    setBusy(kind);
    setError(null);
    try {
      const r = await api.call('configurationReport', kind);
      download(r.pdfBase64, kind === 'dr-plan' ? 'plano-de-recuperacao.pdf' : 'resumo-de-conformidade.pdf');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card title={t('people.reports.title')}>
      <p className="muted">{t('people.reports.lead')}</p>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="button" disabled={busy !== null} onClick={() => void get('dr-plan')} data-testid="download-dr-plan">
          {t('people.reports.drPlan')}
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void get('compliance')} data-testid="download-compliance">
          {t('people.reports.compliance')}
        </button>
      </div>
    </Card>
  );
}

export function People(): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [people, setPeople] = useState<PeopleSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => void api.call('getPeople').then(setPeople, setError), [api]);
  return (
    <div className="screen" data-testid="people">
      <h1>{t('people.title')}</h1>
      <p className="lead">{t('people.lead')}</p>
      <ErrorBox error={error} />
      {people ? <Contacts people={people} onSaved={setPeople} /> : !error && <Spinner label={t('common.loading')} />}
      <Incidents />
      <Reports />
    </div>
  );
}
