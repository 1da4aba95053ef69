import { EngineError, type ErrorCode } from '../shared/index.js';
import { t, type Locale } from '../i18n/index.js';

/** One problem with one settings field: `key` is an i18n catalogue key, `params` fill its placeholders. */
export interface FieldError {
  /** Path of the field inside the settings object, e.g. "keepDaily" or "window.from". */
  readonly field: string;
  readonly key: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/**
 * An EngineError that also carries the field-level problems as data. `details` stay flat
 * (they cross the contract): `field` is the first bad field, `reason` lists every bad field
 * (language-neutral identifiers, so the generic INVALID_SETTINGS text reads well in any
 * locale), `fields`/`reasons` hold all field paths and their i18n keys.
 */
export class FieldValidationError extends EngineError {
  readonly fieldErrors: readonly FieldError[];

  constructor(code: ErrorCode, fieldErrors: readonly FieldError[], extra: Readonly<Record<string, string | number>> = {}) {
    const fields = fieldErrors.map((e) => e.field);
    super(code, {
      ...extra,
      field: fields[0] ?? '',
      reason: [...new Set(fields)].join(', '),
      fields,
      reasons: fieldErrors.map((e) => e.key),
    });
    this.fieldErrors = fieldErrors;
  }
}

/** Throws INVALID_SETTINGS when there is any field error. */
export function throwIfFieldErrors(errors: readonly FieldError[]): void {
  if (errors.length > 0) throw new FieldValidationError('INVALID_SETTINGS', errors);
}

/** Localised lines "field: explanation" for a settings form or the CLI. */
export function describeFieldErrors(errors: readonly FieldError[], locale: Locale): string[] {
  return errors.map((e) => `${e.field}: ${t(e.key, { field: e.field, ...e.params }, locale)}`);
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
