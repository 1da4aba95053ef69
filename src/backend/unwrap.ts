import { S3Backend } from './s3/s3Backend.js';
import type { Backend } from './types.js';

/** Bound on nested wrappers (retry over rate-limit over fault over …). */
const MAX_DEPTH = 16;

/** Follows `inner` through the wrappers (retry, read-only, rate-limit, fault) to the first backend `pick` accepts. */
export function findInner<T extends Backend>(backend: Backend, pick: (b: Backend) => b is T): T | null {
  let b: Backend | undefined = backend;
  for (let depth = 0; b !== undefined && depth < MAX_DEPTH; depth++) {
    if (pick(b)) return b;
    const inner: unknown = (b as { inner?: unknown }).inner;
    b = typeof inner === 'object' && inner !== null && 'list' in inner && 'write' in inner ? (inner as Backend) : undefined;
  }
  return null;
}

/** The S3Backend under any wrappers, or null (for Object Lock queries: prune asks `isLocked` before deleting). */
export function s3BackendOf(backend: Backend): S3Backend | null {
  return findInner(backend, (b): b is S3Backend => b instanceof S3Backend);
}

/** True when the destination is an S3 bucket opened in put-only mode (prune must use the admin credential). */
export function isPutOnly(backend: Backend): boolean {
  return s3BackendOf(backend)?.putOnly ?? false;
}

/**
 * True when Object Lock forbids deleting this file now. False for backends without Object Lock. Errors (e.g. a
 * credential that may not read retention) are thrown: a caller that prunes must then keep the file.
 */
export async function isLockedFile(backend: Backend, ref: Parameters<S3Backend['isLocked']>[0], now: Date = new Date(), signal?: AbortSignal): Promise<boolean> {
  const s3 = s3BackendOf(backend);
  return s3 === null ? false : s3.isLocked(ref, now, signal);
}
