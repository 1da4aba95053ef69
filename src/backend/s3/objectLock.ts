/**
 * S3 Object Lock, as prune and the 3-2-1-1-0 status need it: is this object deletable now, and does the
 * bucket protect what is written to it. The answers of AWS, MinIO and services without Object Lock differ;
 * they are normalised here.
 */
import { isS3NotFound, s3ErrorName, s3Status } from './s3Errors.js';

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface ObjectLockState {
  /** Retention mode, or null when only a legal hold protects the object (or nothing does any more). */
  readonly mode: ObjectLockMode | null;
  /** Retain-until date; the object may be deleted after it (unless under legal hold). */
  readonly retainUntil: Date | null;
  readonly legalHold: boolean;
}

export interface BucketProtection {
  /** Object Lock needs versioning; without it an overwrite or delete destroys the only version. */
  readonly versioning: 'enabled' | 'suspended' | 'off' | 'unknown';
  /** The bucket's Object Lock configuration and default retention, or 'unknown' (not readable or not implemented). */
  readonly objectLock: { readonly enabled: boolean; readonly mode?: ObjectLockMode; readonly days?: number } | 'unknown';
}

/**
 * Classifies an error of GetObjectRetention / GetObjectLegalHold that means "no lock" rather than a failure:
 *  - 'object': this object has no retention (NoSuchObjectLockConfiguration) or does not exist;
 *  - 'bucket': the bucket has no Object Lock at all (AWS InvalidRequest "Bucket is missing Object Lock
 *    Configuration", ObjectLockConfigurationNotFoundError) or the service does not implement it (501);
 *  - null: a real failure (access denied, network, missing bucket), to be thrown.
 */
export function noLockAnswer(err: unknown): 'object' | 'bucket' | null {
  const name = s3ErrorName(err);
  const status = s3Status(err);
  const message = typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string' ? (err as { message: string }).message : '';
  if (name === 'NotImplemented' || status === 501) return 'bucket';
  if (name === 'ObjectLockConfigurationNotFoundError') return 'bucket';
  if (name === 'InvalidRequest' && /object ?lock/i.test(message)) return 'bucket';
  if (name === 'NoSuchObjectLockConfiguration') return 'object';
  if (name === 'NoSuchBucket') return null;
  if (isS3NotFound(err)) return 'object';
  return null;
}

export function lockStateFromS3(mode: string | undefined, retainUntil: Date | undefined, legalHold: string | undefined): ObjectLockState | null {
  const m = mode === 'GOVERNANCE' || mode === 'COMPLIANCE' ? mode : null;
  const until = retainUntil instanceof Date && !Number.isNaN(retainUntil.getTime()) ? retainUntil : null;
  const hold = legalHold === 'ON';
  if (m === null && until === null && !hold) return null;
  return { mode: m, retainUntil: until, legalHold: hold };
}
