/**
 * SOP-019 §9 for the destinations: is the drive or share mounted (the repository marker is there), can we
 * write, is there space; for S3: can we reach the bucket with these credentials, and is it in the region
 * configured (data residency, LGPD).
 *
 * The write test writes and removes a small temp file named like LocalBackend's temp files
 * (TEMP_PREFIX…), which listings skip and cleanupTempFiles removes if the process dies in between:
 * the repository never sees it.
 */
import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../shared/index.js';
import { LocalBackend, mapFsError, mapS3Error, S3Backend, type S3BackendOptions, TEMP_PREFIX } from '../backend/index.js';
import { codeOf, detail, result } from './result.js';
import type { DoctorCheck, DoctorLimits, DoctorLocalDestination, DoctorS3Destination } from './types.js';

const PROBE_BYTES = 4096;

function rethrowCancel(err: unknown): void {
  if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
}

function mountedFailure(err: unknown, subject: string, params: Record<string, string | number | boolean | null>): DoctorCheck {
  const code = codeOf(err);
  const p = { ...params, code, reason: detail(err, 'reason') };
  switch (code) {
    case 'REPO_MARKER_MISSING':
      return result('destination.mounted', 'fail', 'markerMissing', { subject, params: p, fix: 'markerMissing' });
    case 'DEST_OFFLINE':
      return result('destination.mounted', 'fail', 'offline', { subject, params: p, fix: 'destOffline' });
    case 'DEST_PERMISSION':
      return result('destination.mounted', 'fail', 'permission', { subject, params: p, fix: 'destPermission' });
    default:
      return result('destination.mounted', 'fail', 'error', { subject, params: p, fix: 'destOffline' });
  }
}

function writableFailure(err: unknown, subject: string, params: Record<string, string | number | boolean | null>): DoctorCheck {
  const code = codeOf(err);
  const p = { ...params, code, reason: detail(err, 'reason') };
  switch (code) {
    case 'DEST_PERMISSION':
      return result('destination.writable', 'fail', 'permission', { subject, params: p, fix: 'destPermission' });
    case 'DEST_READONLY':
      return result('destination.writable', 'fail', 'readonly', { subject, params: p, fix: 'destReadonly' });
    case 'DEST_FULL':
      return result('destination.writable', 'fail', 'full', { subject, params: p, fix: 'destFull' });
    default:
      return result('destination.writable', 'fail', 'error', { subject, params: p, fix: 'destOffline' });
  }
}

/** Writes, syncs and removes a small temp file in the repository folder. */
async function probeWrite(root: string): Promise<void> {
  const file = path.join(root, `${TEMP_PREFIX}doctor-${randomBytes(6).toString('hex')}`);
  let created = false;
  try {
    const fh = await open(file, 'wx');
    created = true;
    try {
      await fh.write(randomBytes(PROBE_BYTES), 0, PROBE_BYTES, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await unlink(file);
    created = false;
  } catch (err) {
    // Best effort: the write test already failed; that failure, not the clean-up's, is what the user needs.
    if (created) await unlink(file).catch(() => undefined);
    throw mapFsError(err, root, 'doctor write test');
  }
}

export async function checkLocalDestination(d: DoctorLocalDestination, limits: DoctorLimits, signal?: AbortSignal): Promise<DoctorCheck[]> {
  const subject = d.id;
  const base = { destination: d.label ?? d.id, path: path.resolve(d.path) };
  let backend: LocalBackend;
  try {
    backend = await LocalBackend.open(d.path);
  } catch (err) {
    rethrowCancel(err);
    return [
      mountedFailure(err, subject, base),
      result('destination.writable', 'skip', 'skipped', { subject, params: base }),
      result('destination.space', 'skip', 'skipped', { subject, params: base }),
    ];
  }
  const mounted = result('destination.mounted', 'pass', 'ok', { subject, params: base });

  let writable: DoctorCheck;
  try {
    if (signal?.aborted) throw new EngineError('CANCELLED');
    await probeWrite(backend.location);
    writable = result('destination.writable', 'pass', 'ok', { subject, params: base });
  } catch (err) {
    rethrowCancel(err);
    writable = writableFailure(err, subject, base);
  }

  let space: DoctorCheck;
  try {
    const cap = await backend.capacity(signal);
    if (!cap || !(cap.totalBytes > 0)) {
      space = result('destination.space', 'skip', 'unknown', { subject, params: base });
    } else {
      const usedPercent = Math.floor(((cap.totalBytes - cap.freeBytes) / cap.totalBytes) * 1000) / 10;
      const params = { ...base, usedPercent, freeBytes: cap.freeBytes, totalBytes: cap.totalBytes, minFreeBytes: limits.minFreeBytes, limitPercent: limits.diskWarnPercent };
      if (cap.freeBytes < limits.minFreeBytes || usedPercent > limits.diskFailPercent) space = result('destination.space', 'fail', 'almostFull', { subject, params, fix: 'destFull' });
      else if (usedPercent > limits.diskWarnPercent) space = result('destination.space', 'warn', 'filling', { subject, severity: 'medium', params, fix: 'destFilling' });
      else space = result('destination.space', 'pass', 'ok', { subject, params });
    }
  } catch (err) {
    rethrowCancel(err);
    space = result('destination.space', 'fail', 'error', { subject, params: { ...base, code: codeOf(err) }, fix: 'destOffline' });
  } finally {
    await backend.close();
  }
  return [mounted, writable, space];
}

/**
 * The bucket's region as S3 reports it (GetBucketLocation); an empty LocationConstraint means us-east-1.
 * Null when the service does not implement the call.
 */
export async function s3BucketRegion(options: S3BackendOptions, signal?: AbortSignal): Promise<string | null> {
  const timeout = options.requestTimeoutMs ?? 10_000;
  // The AWS SDK loads here, for an S3 destination only.
  const { GetBucketLocationCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: options.region ?? 'sa-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 1,
    requestHandler: { socketTimeout: timeout, connectionTimeout: Math.min(timeout, 15_000) },
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  try {
    const res = await client.send(new GetBucketLocationCommand({ Bucket: options.bucket }), signal ? { abortSignal: signal } : {});
    const constraint = res.LocationConstraint as string | undefined;
    if (constraint === undefined || constraint === '') return 'us-east-1';
    return constraint === 'EU' ? 'eu-west-1' : constraint;
  } catch (err) {
    const name = (err as { name?: unknown }).name;
    if (name === 'NotImplemented' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 501) return null;
    throw mapS3Error(err, { location: options.bucket, bucket: options.bucket, operation: 'GetBucketLocation', region: options.region ?? 'sa-east-1' });
  } finally {
    client.destroy();
  }
}

function s3Failure(err: unknown, subject: string, params: Record<string, string | number | boolean | null>): DoctorCheck {
  const code = codeOf(err);
  const p = { ...params, code, reason: detail(err, 'reason'), operation: detail(err, 'operation') };
  const fix: Partial<Record<string, string>> = {
    DEST_OFFLINE: 's3Offline',
    S3_AUTH: 's3Auth',
    S3_ACCESS_DENIED: 's3Denied',
    S3_BUCKET_MISSING: 's3BucketMissing',
    REPO_MARKER_MISSING: 's3MarkerMissing',
    S3_CLOCK_SKEW: 'clockSkew',
    S3_REGION_MISMATCH: 's3Region',
  };
  const outcome: Partial<Record<string, string>> = {
    DEST_OFFLINE: 'offline',
    S3_AUTH: 'auth',
    S3_ACCESS_DENIED: 'denied',
    S3_BUCKET_MISSING: 'bucketMissing',
    REPO_MARKER_MISSING: 'markerMissing',
    S3_CLOCK_SKEW: 'clockSkew',
    S3_REGION_MISMATCH: 'region',
  };
  return result('destination.s3.reachable', 'fail', outcome[code] ?? 'error', { subject, params: p, fix: fix[code] ?? 's3Offline' });
}

export async function checkS3Destination(
  d: DoctorS3Destination,
  bucketRegion: (options: S3BackendOptions, signal?: AbortSignal) => Promise<string | null>,
  signal?: AbortSignal,
): Promise<DoctorCheck[]> {
  const subject = d.id;
  const options: S3BackendOptions = { sdkMaxAttempts: 1, ...d.options, requestTimeoutMs: d.options.requestTimeoutMs ?? 10_000 };
  const configured = options.region ?? 'sa-east-1';
  const base = { destination: d.label ?? d.id, bucket: options.bucket, configured };
  let reachable: DoctorCheck;
  let openError: unknown = null;
  try {
    const backend = await S3Backend.open(options);
    await backend.close();
    reachable = result('destination.s3.reachable', 'pass', 'ok', { subject, params: { ...base, location: backend.location } });
  } catch (err) {
    rethrowCancel(err);
    openError = err;
    reachable = s3Failure(err, subject, base);
  }

  let region: DoctorCheck;
  if (openError instanceof EngineError && openError.code === 'S3_REGION_MISMATCH') {
    region = result('destination.s3.region', 'fail', 'mismatch', { subject, params: { ...base, actual: detail(openError, 'actual') }, fix: 's3Region' });
  } else if (openError !== null && !(openError instanceof EngineError && openError.code === 'REPO_MARKER_MISSING')) {
    region = result('destination.s3.region', 'skip', 'skipped', { subject, params: base });
  } else {
    try {
      const actual = await bucketRegion(options, signal);
      if (actual === null) region = result('destination.s3.region', 'skip', 'unknown', { subject, params: base });
      else if (actual === configured) region = result('destination.s3.region', 'pass', 'ok', { subject, params: { ...base, actual } });
      else if (options.endpoint === undefined) region = result('destination.s3.region', 'fail', 'mismatch', { subject, params: { ...base, actual }, fix: 's3Region' });
      // Other services often report a nominal region ("us-east-1" on MinIO) whatever the place: worth a look, not a failure.
      else region = result('destination.s3.region', 'warn', 'differs', { subject, severity: 'low', params: { ...base, actual }, fix: 's3RegionOther' });
    } catch (err) {
      rethrowCancel(err);
      region = result('destination.s3.region', 'skip', 'unknown', { subject, params: { ...base, code: codeOf(err) } });
    }
  }
  return [reachable, region];
}
