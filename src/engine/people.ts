/**
 * Use cases: the clinic's people (SOP-019 §4 roles: the responsible, the IT helper, the DPO; who else to call) and
 * where the printed recovery kit is kept, and the incident register (LGPD: what happened, when it was discovered, the
 * data affected, whether the ANPD was told, with the 3-business-day clock). The DR plan and the compliance summary
 * print them. Every change is an audit entry. No patient data belongs here (the screen says so).
 */
import type { IncidentRecord, IncidentRecordInput, JsonValue } from '../catalog/index.js';
import { incidentClock } from '../policy/index.js';
import { type ContactEntry, type ContactRole, EngineError, type IncidentInput, type IncidentView, type PeopleSettings } from '../shared/index.js';
import { osUser, type EngineContext } from './context.js';
import { clinicTimeZone } from './settings.js';

export const CONTACT_ROLES: readonly ContactRole[] = ['owner', 'it', 'dpo', 'fhirVendor', 'cloudProvider', 'support'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_CONTACTS = 30;

function text(v: unknown, field: string, max: number, required: boolean): string {
  if (v === undefined || v === null || v === '') {
    if (required) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'required' });
    return '';
  }
  if (typeof v !== 'string' || v.length > max) throw new EngineError('INVALID_ARGUMENT', { field, reason: `text up to ${max} characters` });
  return v.trim();
}

function time(v: unknown, field: string, required: boolean): string | null {
  if (v === undefined || v === null || v === '') {
    if (required) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'required' });
    return null;
  }
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'not a valid date' });
  return new Date(t).toISOString();
}

/** Checks and normalises the contacts (role known, a name, an e-mail that looks like one). */
export function contactsOf(list: readonly ContactEntry[]): ContactEntry[] {
  if (!Array.isArray(list) || list.length > MAX_CONTACTS) throw new EngineError('INVALID_ARGUMENT', { field: 'contacts', reason: `a list of at most ${MAX_CONTACTS}` });
  return list.map((c, i) => {
    if (!CONTACT_ROLES.includes(c.role)) throw new EngineError('INVALID_ARGUMENT', { field: `contacts.${i}.role`, reason: CONTACT_ROLES.join(', ') });
    const email = text(c.email, `contacts.${i}.email`, 200, false);
    if (email && !EMAIL.test(email)) throw new EngineError('INVALID_ARGUMENT', { field: `contacts.${i}.email`, reason: 'not an e-mail address' });
    const phone = text(c.phone, `contacts.${i}.phone`, 50, false);
    return { role: c.role, name: text(c.name, `contacts.${i}.name`, 200, true), phone: phone || null, email: email || null };
  });
}

export async function getPeople(ctx: EngineContext): Promise<PeopleSettings> {
  const c = await ctx.catalog();
  const contacts = c.getSetting('contacts');
  const kit = c.getSetting('recoveryKit.location');
  return { contacts: Array.isArray(contacts) ? (contacts as unknown as ContactEntry[]) : [], kitLocation: typeof kit === 'string' && kit ? kit : null };
}

/** Saves the contacts and/or where the kit is kept (what is left out stays). */
export async function updatePeople(ctx: EngineContext, patch: Partial<PeopleSettings>): Promise<PeopleSettings> {
  const c = await ctx.catalog();
  const actor = osUser();
  const contacts = patch.contacts !== undefined ? contactsOf(patch.contacts) : undefined;
  const kit = patch.kitLocation !== undefined ? text(patch.kitLocation, 'kitLocation', 300, false) : undefined;
  if (contacts !== undefined) c.setSetting('contacts', contacts as unknown as JsonValue, actor);
  if (kit !== undefined) {
    if (kit) c.setSetting('recoveryKit.location', kit, actor);
    else c.deleteSetting('recoveryKit.location', actor);
  }
  await ctx.record('people.updated', { contacts: contacts?.length ?? null, roles: contacts ? contacts.map((x) => x.role) : null, kitLocation: kit !== undefined });
  await ctx.bus.publish('settings-changed', {});
  ctx.emit({ type: 'status-changed' });
  return getPeople(ctx);
}

function recordOf(input: IncidentInput): IncidentRecordInput {
  return {
    title: text(input.title, 'title', 200, true),
    description: text(input.description, 'description', 4000, false),
    discoveredAt: time(input.discoveredAt, 'discoveredAt', true) as string,
    occurredAt: time(input.occurredAt, 'occurredAt', false),
    dataAffected: text(input.dataAffected, 'dataAffected', 2000, false),
    anpdNotifiedAt: time(input.anpdNotifiedAt, 'anpdNotifiedAt', false),
    holdersNotifiedAt: time(input.holdersNotifiedAt, 'holdersNotifiedAt', false),
    closedAt: time(input.closedAt, 'closedAt', false),
  };
}

function viewOf(r: IncidentRecord, now: Date, timeZone: string): IncidentView {
  return { ...r, ...incidentClock(r, now, timeZone) };
}

export async function listIncidents(ctx: EngineContext): Promise<IncidentView[]> {
  const zone = await clinicTimeZone(ctx);
  const now = ctx.clock.now();
  return (await ctx.catalog()).listIncidents().map((r) => viewOf(r, now, zone));
}

export async function recordIncident(ctx: EngineContext, input: IncidentInput): Promise<IncidentView> {
  const r = (await ctx.catalog()).addIncident(recordOf(input));
  await ctx.record('incident.recorded', { id: r.id, discoveredAt: r.discoveredAt });
  ctx.emit({ type: 'status-changed' });
  return viewOf(r, ctx.clock.now(), await clinicTimeZone(ctx));
}

export async function updateIncident(ctx: EngineContext, id: number, input: IncidentInput): Promise<IncidentView> {
  const r = (await ctx.catalog()).updateIncident(id, recordOf(input));
  await ctx.record('incident.updated', { id, anpdNotified: r.anpdNotifiedAt !== null, closed: r.closedAt !== null });
  ctx.emit({ type: 'status-changed' });
  return viewOf(r, ctx.clock.now(), await clinicTimeZone(ctx));
}
