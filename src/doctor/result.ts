/** Builds DoctorCheck values with the i18n key scheme: doctor.<id>.title, doctor.<id>.<outcome>, doctor.fix.<fix>. */
import { EngineError, type ErrorCode } from '../shared/index.js';
import type { AlertSeverity } from '../catalog/index.js';
import type { DoctorCheck, DoctorCheckId, DoctorParams, DoctorStatus } from './types.js';

export interface ResultOptions {
  /** For warn and fail (default high for fail, medium for warn). */
  readonly severity?: AlertSeverity;
  readonly params?: DoctorParams;
  /** Name of the fix: doctor.fix.<fix>. */
  readonly fix?: string | null;
  readonly subject?: string;
}

export function result(id: DoctorCheckId, status: DoctorStatus, outcome: string, options: ResultOptions = {}): DoctorCheck {
  const severity = status === 'pass' || status === 'skip' ? 'info' : (options.severity ?? (status === 'fail' ? 'high' : 'medium'));
  return {
    id,
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    ok: status === 'pass',
    status,
    severity,
    titleKey: `doctor.${id}.title`,
    detailKey: `doctor.${id}.${outcome}`,
    params: options.params ?? {},
    fixKey: options.fix ? `doctor.fix.${options.fix}` : null,
  };
}

/** The error code of anything thrown (INTERNAL for foreign errors, whose text is not shown). */
export function codeOf(err: unknown): ErrorCode {
  return err instanceof EngineError ? err.code : 'INTERNAL';
}

export function detail(err: unknown, name: string): string | number | boolean | null {
  if (!(err instanceof EngineError)) return null;
  const v = err.details[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : (v as string | number | boolean | null);
}

export function toMs(value: Date | string, field: string): number {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(t)) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'not a valid time' });
  return t;
}
