export { FILE_KINDS, filePath, assertValidRef, type Backend, type ByteRange, type Capacity, type FileInfo, type FileKind, type FileRef, type WriteOptions } from './types.js';
export { validateRef, validateKind, validateRange, isValidName } from './validate.js';
export { LocalBackend, TEMP_PREFIX } from './local/localBackend.js';
export { mapFsError, makeErrno, errnoCode } from './local/fsErrors.js';
export { RetryBackend, backoffDelay, type RetryOptions, type RetryInfo } from './retry.js';
export { ReadOnlyBackend } from './readonly.js';
export { FaultBackend, faults, FAULT_OPS, type FaultOp, type FaultErrorName, type FaultEffect, type FaultRule, type FaultPlan } from './fault.js';
export { RateLimitBackend, TokenBucket, type RateLimitOptions } from './rateLimit.js';
export { parseLocation, type ParsedLocation } from './location.js';
export { sleep, type SleepFn } from './sleep.js';
export { S3Backend, type S3BackendOptions, type S3Credentials, type S3ServerSideEncryption, type SkippedDelete } from './s3/s3Backend.js';
export { lockStateFromS3, noLockAnswer, type BucketProtection, type ObjectLockMode, type ObjectLockState } from './s3/objectLock.js';
export { BRAZILIAN_REGIONS, checkResidency, isBrazilianRegion, isPrivateEndpoint, type BrazilianRegion, type ResidencyBasis, type ResidencyDecision } from './s3/residency.js';
export { findInner, isLockedFile, isPutOnly, s3BackendOf } from './unwrap.js';
export {
  defaultMountRoots,
  identifyDestination,
  locateDestination,
  markerRepoId,
  mountedVolumes,
  openLocalDestination,
  relocationCandidates,
  type DestinationIdentity,
  type DestinationState,
} from './local/identify.js';
export { mapS3Error, type S3ErrorContext } from './s3/s3Errors.js';
export { OFFSITE_PROVIDERS } from './s3/providers.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export { ejectDrive } from './local/eject.js';
export { bucketOf, canonicalLocation, copyOfLocation, copyPlanOf, openBackend, parseBackendLocation, residencyOf } from './registry.js';
export type { S3Access } from './registry.js';
