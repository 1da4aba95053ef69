/** User text of doctor checks in one language (CLI `doctor`, the UI's diagnostics page, serve). */
import { DEFAULT_LOCALE, hasMessage, t, type Params } from '../i18n/index.js';
import { renderParams, type RenderOptions } from '../alerts/index.js';
import type { DoctorCheck } from './types.js';

export interface RenderedCheck {
  readonly id: string;
  readonly subject: string | null;
  readonly status: DoctorCheck['status'];
  /** "OK", "Atenção", "Falhou", "Não verificado". */
  readonly statusLabel: string;
  readonly title: string;
  readonly detail: string;
  /** What to do, or null when nothing. */
  readonly fix: string | null;
}

export function renderDoctorCheck(check: DoctorCheck, options: RenderOptions = {}): RenderedCheck {
  const locale = options.locale ?? DEFAULT_LOCALE;
  const params: Record<string, Params[string]> = { ...renderParams(check.params, options) };
  // The keychain's reason in the user's language when the secrets catalogue has it.
  const reasonCode = check.params['reasonCode'];
  if (typeof reasonCode === 'string' && hasMessage(`secrets.keychain.reason.${reasonCode}`)) params['reason'] = t(`secrets.keychain.reason.${reasonCode}`, {}, locale);
  return {
    id: check.id,
    subject: check.subject ?? null,
    status: check.status,
    statusLabel: t(`doctor.status.${check.status}`, {}, locale),
    title: t(check.titleKey, params, locale),
    detail: t(check.detailKey, params, locale),
    fix: check.fixKey === null ? null : t(check.fixKey, params, locale),
  };
}
