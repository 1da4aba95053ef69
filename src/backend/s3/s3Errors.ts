import { EngineError, isEngineError } from '../../shared/index.js';

/** What an S3 error looks like from the outside (SDK service exceptions and network errors, duck-typed). */
interface S3ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly Region?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $response?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

export interface S3ErrorContext {
  readonly location: string;
  /** The service address as shown to a person (no credentials), when not AWS. */
  readonly endpoint?: string;
  readonly bucket: string;
  /** The S3 operation, for S3_ACCESS_DENIED ("PutObject", "ListObjectsV2", …). */
  readonly operation: string;
  readonly region: string;
  /** Repository-relative path of the file concerned, if any. */
  readonly file?: string;
}

export function s3ErrorName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const e = err as S3ErrorShape;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : '';
}

export function s3Status(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as S3ErrorShape).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True for "no such key" answers (GET gives NoSuchKey, HEAD gives a bare 404). */
export function isS3NotFound(err: unknown): boolean {
  const name = s3ErrorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (s3Status(err) === 404 && name !== 'NoSuchBucket');
}

const AUTH = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'CredentialsProviderError',
  'AuthorizationQueryParametersError',
]);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'Forbidden', 'AccountProblem']);
const REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException', 'Moved Permanently', 'Redirect']);
const FULL = new Set(['QuotaExceeded', 'StorageQuotaExceeded', 'XMinioStorageFull', 'InsufficientStorage']);
const THROTTLE = new Set([
  // a conditional write raced another one on the same key (AWS answers 409): try again
  'ConditionalRequestConflict',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeTooSkewedButRetry',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an S3 failure to an engine error. Details carry the bucket, operation and error name only:
 * never credentials, request signatures or the raw message.
 */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): EngineError {
  if (isEngineError(err)) return err;
  const name = s3ErrorName(err);
  const status = s3Status(err);
  const opts = { cause: err };
  const reason = status === undefined ? `${name || 'error'} (${ctx.operation})` : `${name || 'HTTP'} ${status} (${ctx.operation})`;

  if (name === 'AbortError') return new EngineError('CANCELLED', {}, opts);
  // Which field is wrong: an unknown key id, or a secret that does not match it (never their values).
  const field = name === 'InvalidAccessKeyId' || name === 'InvalidClientTokenId' ? 'accessKeyId' : name === 'SignatureDoesNotMatch' ? 'secretAccessKey' : 'credentials';
  if (AUTH.has(name)) return new EngineError('S3_AUTH', { bucket: ctx.bucket, operation: ctx.operation, field }, opts);
  if (name === 'RequestTimeTooSkewed') return new EngineError('S3_CLOCK_SKEW', { bucket: ctx.bucket }, opts);
  if (name === 'NoSuchBucket') return new EngineError('S3_BUCKET_MISSING', { bucket: ctx.bucket, field: 'bucket' }, opts);
  if (REGION.has(name) || status === 301) {
    const shape = err as S3ErrorShape;
    const header = shape.$response?.headers?.['x-amz-bucket-region'];
    const actual = typeof shape.Region === 'string' ? shape.Region : (header ?? 'unknown');
    return new EngineError('S3_REGION_MISMATCH', { bucket: ctx.bucket, actual, configured: ctx.region }, opts);
  }
  // AWS: "Access Denied because object protected by object lock."; MinIO: "Object is WORM protected and cannot be overwritten"
  if (name === 'ObjectLockedException' || (name === 'AccessDenied' && /object ?lock|retention|legal hold|WORM/i.test(String((err as S3ErrorShape).message ?? '')))) {
    return new EngineError('S3_OBJECT_LOCKED', { file: ctx.file ?? ctx.operation, until: 'unknown' }, opts);
  }
  if (DENIED.has(name) || status === 403) return new EngineError('S3_ACCESS_DENIED', { bucket: ctx.bucket, operation: ctx.operation }, opts);
  if (FULL.has(name) || status === 507) return new EngineError('DEST_FULL', { location: ctx.location, reason }, opts);

  const net = networkCode(err);
  if (net !== undefined)
    return new EngineError(
      'DEST_OFFLINE',
      { location: ctx.location, reason: `${net} (${ctx.operation})`, ...(ctx.endpoint ? { endpoint: ctx.endpoint, field: 'endpoint' } : {}) },
      { cause: err, transient: true },
    );

  const retryable = typeof err === 'object' && err !== null && (err as S3ErrorShape).$retryable !== undefined;
  const transient = THROTTLE.has(name) || retryable || status === 429 || (status !== undefined && status >= 500);
  return new EngineError('DEST_IO', { location: ctx.location, reason }, { cause: err, transient });
}
