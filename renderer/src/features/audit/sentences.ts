/**
 * The audit log as sentences a receptionist reads ("Ana restaurou 1 paciente (34 registros) na pasta … às 14:03"),
 * never as raw fields. Each action the engine records has its sentence; an unknown one falls back to its label.
 */
import type { AuditLogEntry } from '../../../../src/shared/contract.js';
import type { Locale } from '../../api/client';
import { formatTime, hasMessage, type Params } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';

type Translate = (key: MessageKey, params?: Params) => string;

/** Actors that are parts of the product, not people. */
const SYSTEM_ACTORS: Readonly<Record<string, MessageKey>> = { alerts: 'audit.actor.alerts', scheduler: 'audit.actor.scheduler' };

function field(details: unknown, name: string): unknown {
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>)[name] : undefined;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

export function auditSentence(e: AuditLogEntry, t: Translate, locale: Locale): string {
  const actor = SYSTEM_ACTORS[e.actor] ? t(SYSTEM_ACTORS[e.actor] as MessageKey) : e.actor;
  const base: Record<string, string | number> = { actor, time: formatTime(e.at, locale) };
  const d = e.details;
  let key = `audit.sentence.${e.action}`;
  const params: Record<string, string | number> = { ...base };
  if (e.action === 'restore.server' || e.action === 'restore.folder') {
    params['resources'] = Number(field(d, 'resources') ?? 0);
    params['target'] = text(field(d, 'target')) ?? '—';
    if (text(field(d, 'patient'))) key = `${key}.patient`;
  } else if (e.action === 'copy.added' || e.action === 'copy.removed') {
    params['location'] = text(field(d, 'location')) ?? '—';
  } else if (e.action === 'replicate') {
    params['location'] = text(field(d, 'to')) ?? '—';
  } else if (e.action === 'forget') {
    const removed = field(d, 'removed');
    params['removed'] = Array.isArray(removed) ? removed.length : Number(removed ?? 0);
  } else if (e.action === 'settings.set' || e.action === 'settings.delete') {
    params['setting'] = text(field(d, 'key')) ?? '—';
  } else if (e.action === 'alert.test') {
    key = field(d, 'ok') === true ? 'audit.sentence.alert.test.ok' : 'audit.sentence.alert.test.failed';
    params['channel'] = field(d, 'channel') === 'email' ? t('audit.channel.email') : t('audit.channel.webhook');
  }
  if (hasMessage(key)) return t(key as MessageKey, params);
  const label = hasMessage(`audit.action.${e.action}`) ? t(`audit.action.${e.action}` as MessageKey) : e.action;
  return t('audit.sentence.other', { ...base, what: label });
}
