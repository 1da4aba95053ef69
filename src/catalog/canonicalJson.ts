import { EngineError } from '../shared/index.js';

/** A value that survives a JSON round trip unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers as JSON.stringify
 * writes them (finite only), `undefined` object members dropped. Equal data → equal bytes, which is
 * what the audit hash chain needs. Throws INVALID_ARGUMENT for values JSON cannot hold.
 */
export function canonicalJson(value: unknown, field = 'value'): string {
  return write(value, field, new Set());
}

function write(value: unknown, field: string, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'non-finite number' });
      return JSON.stringify(value);
    case 'object': {
      if (seen.has(value)) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'circular' });
      seen.add(value);
      try {
        if (Array.isArray(value)) return `[${value.map((v, i) => write(v ?? null, `${field}[${i}]`, seen)).join(',')}]`;
        if (value instanceof Date) return JSON.stringify(value.toISOString());
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'not plain data' });
        const obj = value as Record<string, unknown>;
        const keys = Object.keys(obj)
          .filter((k) => obj[k] !== undefined)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], `${field}.${k}`, seen)}`).join(',')}}`;
      } finally {
        seen.delete(value);
      }
    }
    default:
      throw new EngineError('INVALID_ARGUMENT', { field, reason: `unsupported ${typeof value}` });
  }
}

/** Parses JSON written by canonicalJson (or any JSON). */
export function parseJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}
