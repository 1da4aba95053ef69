import { EngineError } from '../shared/index.js';
import { assertValidRef, FILE_KINDS, type ByteRange, type FileKind, type FileRef } from './types.js';

/** Validates a file reference; a bad kind or name (path traversal, temp-file names) is INVALID_ARGUMENT. */
export function validateRef(ref: FileRef): void {
  try {
    assertValidRef(ref);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new EngineError('INVALID_ARGUMENT', { field: 'file', reason }, { cause: err });
  }
}

export function validateKind(kind: FileKind): void {
  if (!(FILE_KINDS as readonly string[]).includes(kind)) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'kind', reason: `unknown file kind ${String(kind)}` });
  }
}

/** True when `name` is a valid name for a file of `kind` (used to skip stray files while listing). */
export function isValidName(kind: FileKind, name: string): boolean {
  try {
    assertValidRef({ kind, name });
    return true;
  } catch {
    return false;
  }
}

export function validateRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'range', reason: `offset ${offset}, length ${length}` });
  }
}
