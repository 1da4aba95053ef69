import { createHash } from 'node:crypto';
import type { _Object, PutObjectCommandInput, S3Client, S3ClientConfig, StorageClass } from '@aws-sdk/client-s3';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type * as S3Storage from '@aws-sdk/lib-storage';
import { EngineError, isEngineError, throwIfAborted } from '../../shared/index.js';
import { filePath, type Backend, type ByteRange, type Capacity, type FileInfo, type FileKind, type FileRef, type WriteOptions } from '../types.js';
import { isValidName, validateKind, validateRange, validateRef } from '../validate.js';
import { isS3NotFound, mapS3Error, s3ErrorName, s3Status } from './s3Errors.js';
import { lockStateFromS3, noLockAnswer, type BucketProtection, type ObjectLockState } from './objectLock.js';

const MiB = 1024 * 1024;
const CONFIG_REF: FileRef = { kind: 'config', name: 'config' };
/** Bound on ListObjectsV2 pages of one listing (1000 keys each): 1e9 files. */
const MAX_LIST_PAGES = 1_000_000;

/** The AWS SDK (a large library), loaded when the first S3 destination opens: commands that use none never load it. */
interface Sdk extends Pick<
  typeof S3Sdk,
  | 'AbortMultipartUploadCommand'
  | 'DeleteObjectCommand'
  | 'GetBucketVersioningCommand'
  | 'GetObjectCommand'
  | 'GetObjectLegalHoldCommand'
  | 'GetObjectLockConfigurationCommand'
  | 'GetObjectRetentionCommand'
  | 'HeadObjectCommand'
  | 'ListObjectsCommand'
  | 'ListObjectsV2Command'
  | 'PutObjectCommand'
  | 'S3Client'
> {
  readonly Upload: typeof S3Storage.Upload;
}
let sdk: Promise<Sdk> | null = null;
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ ...s3, Upload: storage.Upload }));
  return sdk;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type S3ServerSideEncryption = { readonly type: 'AES256' } | { readonly type: 'aws:kms'; readonly keyId?: string };

export interface S3BackendOptions {
  /** S3-compatible endpoint (MinIO, Wasabi, a NAS…); absent for AWS. */
  readonly endpoint?: string;
  /** Default 'sa-east-1' (São Paulo, data residency in Brazil). */
  readonly region?: string;
  readonly bucket: string;
  /** Key prefix of the repository inside the bucket; '' for the bucket root. */
  readonly prefix?: string;
  /** Path-style URLs (http://host/bucket/key), needed by most self-hosted services. */
  readonly forcePathStyle?: boolean;
  /** Absent: the SDK's default chain (environment, shared config, instance role). */
  readonly credentials?: S3Credentials;
  readonly storageClass?: StorageClass;
  readonly sse?: S3ServerSideEncryption;
  /** Inactivity timeout of a request (connection, headers and body), in ms. */
  readonly requestTimeoutMs?: number;
  /** Object Lock retention put on every file but locks/ (the bucket must have Object Lock enabled). */
  readonly objectLock?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number };
  /** Files larger than this are sent as multipart uploads. Default 8 MiB. */
  readonly multipartThresholdBytes?: number;
  /** Part size of multipart uploads (at least 5 MiB). Default 8 MiB. */
  readonly partSizeBytes?: number;
  /** Attempts made by the SDK itself. Default 1: retries belong to RetryBackend, so they are not multiplied. */
  readonly sdkMaxAttempts?: number;
  /**
   * Extra checksums of the SDK (CRC32). Default: 'when_supported' on AWS, 'when_required' on other
   * endpoints, many of which do not understand them. Content-MD5 is always sent on single PUTs.
   */
  readonly checksums?: 'when_supported' | 'when_required';
  /**
   * Listing API. Default 'v2' (ListObjectsV2). 'v1' (ListObjects with markers) for old or partial
   * S3 implementations, like restic's s3.list-objects-v1 option.
   */
  readonly listApi?: 'v1' | 'v2';
  /**
   * Put-only mode, for credentials that may not delete or overwrite (docs/offsite.md): `delete()` sends no
   * DeleteObject except for lock files (best effort: AccessDenied on them is expected, not an error) and
   * records the skip. Prune then runs from a separate admin credential.
   */
  readonly putOnly?: boolean;
  /**
   * Conditional writes (`If-None-Match: *`): an existing object is never replaced. Default: on in
   * put-only mode. A bucket policy can then require the condition, so even a stolen app credential
   * cannot overwrite a file. Needs a service that supports conditional writes (AWS, recent MinIO).
   */
  readonly noOverwrite?: boolean;
  /** Told about each delete that put-only mode skipped (for the run log and the audit trail). */
  readonly onSkippedDelete?: (skip: SkippedDelete) => void;
}

/** A delete that was not done in put-only mode: "put-only" (not attempted) or "access-denied" (lock file, refused). */
export interface SkippedDelete {
  readonly file: string;
  readonly reason: 'put-only' | 'access-denied';
}

/** File kinds whose name is the SHA-256 of the content: an existing object with that name holds the same bytes. */
const CONTENT_ADDRESSED: ReadonlySet<FileKind> = new Set<FileKind>(['data', 'index', 'snapshots', 'locks', 'audit']);

function normalisePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (p.split('/').some((s) => s === '.' || s === '..') || p.includes('//')) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'prefix', reason: 'empty, "." or ".." segments are not allowed' });
  }
  return p;
}

/** Display form of the destination, in parseLocation's syntax, without any userinfo or query of the endpoint. */
function displayLocation(endpoint: string | undefined, bucket: string, prefix: string): string {
  const tail = prefix === '' ? bucket : `${bucket}/${prefix}`;
  if (endpoint === undefined) return `s3:${tail}`;
  let base: string;
  try {
    const url = new URL(endpoint);
    base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new EngineError('INVALID_ARGUMENT', { field: 'endpoint', reason: 'malformed URL' });
  }
  return `s3:${base}/${tail}`;
}

/** The endpoint as shown to a person (scheme, host, path; never userinfo or a query); undefined for AWS. */
function displayEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  const url = new URL(endpoint);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * A repository in an S3 bucket (AWS or any S3-compatible service). Objects live at
 * `<prefix>/<filePath(ref)>`; a PUT is atomic on S3, so readers see the old or the new object.
 */
export class S3Backend implements Backend {
  readonly location: string;
  readonly #endpoint: string | undefined;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly #client: S3Client;
  readonly #sdk: Sdk;
  readonly #base: string;
  readonly #options: S3BackendOptions;
  readonly #threshold: number;
  readonly #partSize: number;
  /** True in put-only mode: no deletes but of lock files, and those may be refused. */
  readonly putOnly: boolean;
  /** True when writes never replace an existing object (If-None-Match: *). */
  readonly noOverwrite: boolean;
  /** Deletes skipped in put-only mode since this backend was opened. */
  skippedDeletes = 0;

  private constructor(options: S3BackendOptions, sdk: Sdk) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new EngineError('INVALID_ARGUMENT', { field: 'bucket', reason: 'invalid bucket name' });
    }
    this.#options = options;
    this.#sdk = sdk;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix);
    this.region = options.region ?? 'sa-east-1';
    this.location = displayLocation(options.endpoint, this.bucket, this.prefix);
    this.#endpoint = displayEndpoint(options.endpoint);
    this.#base = this.prefix === '' ? '' : `${this.prefix}/`;
    this.#threshold = Math.max(5 * MiB, options.multipartThresholdBytes ?? 8 * MiB);
    this.#partSize = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
    this.putOnly = options.putOnly ?? false;
    this.noOverwrite = options.noOverwrite ?? this.putOnly;
    const checksums = options.checksums ?? (options.endpoint === undefined ? 'when_supported' : 'when_required');
    const config: S3ClientConfig = {
      region: this.region,
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: Math.max(1, options.sdkMaxAttempts ?? 1),
      requestChecksumCalculation: checksums === 'when_supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
      responseChecksumValidation: checksums === 'when_supported' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) {
      const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
      config.credentials = sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
    }
    if (options.requestTimeoutMs !== undefined) {
      // an inactivity timeout on the socket: it also covers a response body that stalls midway
      config.requestHandler = { socketTimeout: options.requestTimeoutMs, connectionTimeout: Math.min(options.requestTimeoutMs, 15_000) };
    }
    // The SDK prints a 9-line notice about Node versions on every process: the product says it in one line of its
    // own (the CLI's Node advice), so the SDK's never reaches the user.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    this.#client = new sdk.S3Client(config);
  }

  /** Opens an existing repository: the bucket must exist and hold the marker (`<prefix>/config`). Writes nothing. */
  static async open(options: S3BackendOptions): Promise<S3Backend> {
    const b = new S3Backend(options, await loadSdk());
    try {
      // One GET that checks credentials, bucket and marker at once (a HEAD's 403/404 carry no error code).
      const keys = await b.#probe(`${b.#base}config`);
      if (!keys.includes(`${b.#base}config`)) throw new EngineError('REPO_MARKER_MISSING', { location: b.location });
      return b;
    } catch (err) {
      await b.close();
      throw err;
    }
  }

  /** For `init`: the bucket must exist and the prefix must be empty. */
  static async create(options: S3BackendOptions): Promise<S3Backend> {
    const b = new S3Backend(options, await loadSdk());
    try {
      const keys = await b.#probe(b.#base);
      if (keys.length > 0) throw new EngineError('REPO_ALREADY_EXISTS', { location: b.location });
      return b;
    } catch (err) {
      await b.close();
      throw err;
    }
  }

  async #probe(prefix: string): Promise<string[]> {
    try {
      const res = await this.#client.send(new this.#sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 }));
      return (res.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
    } catch (err) {
      throw this.#map(err, 'ListObjectsV2');
    }
  }

  #key(ref: FileRef): string {
    return this.#base + filePath(ref);
  }

  #map(err: unknown, operation: string, ref?: FileRef): EngineError {
    return mapS3Error(err, {
      location: this.location,
      ...(this.#endpoint ? { endpoint: this.#endpoint } : {}),
      bucket: this.bucket,
      operation,
      region: this.region,
      ...(ref ? { file: filePath(ref) } : {}),
    });
  }

  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.#list(kind, signal);
  }

  async *#list(kind: FileKind, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    validateKind(kind);
    throwIfAborted(signal);
    if (kind === 'config') {
      const info = await this.stat(CONFIG_REF, signal);
      if (info) yield info;
      return;
    }
    const listPrefix = `${this.#base}${kind}/`;
    for await (const obj of this.#listObjects(listPrefix, signal)) {
      if (obj.Key === undefined || !obj.Key.startsWith(listPrefix)) continue;
      const rest = obj.Key.slice(listPrefix.length);
      let name: string;
      if (kind === 'data') {
        const parts = rest.split('/');
        if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined) continue;
        name = parts[1];
        if (name.slice(0, 2) !== parts[0]) continue;
      } else {
        if (rest.includes('/')) continue;
        name = rest;
      }
      if (!isValidName(kind, name)) continue;
      yield { kind, name, size: obj.Size ?? 0 };
    }
  }

  /** Every object under a prefix, page by page (V2 continuation tokens or V1 markers). */
  async *#listObjects(prefix: string, signal?: AbortSignal): AsyncGenerator<_Object> {
    const useV1 = this.#options.listApi === 'v1';
    const operation = useV1 ? 'ListObjects' : 'ListObjectsV2';
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      throwIfAborted(signal);
      let contents: _Object[];
      let truncated: boolean;
      let next: string | undefined;
      try {
        if (useV1) {
          const res = await this.#client.send(new this.#sdk.ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, ...(cursor ? { Marker: cursor } : {}) }), signal ? { abortSignal: signal } : {});
          contents = res.Contents ?? [];
          truncated = res.IsTruncated ?? false;
          next = res.NextMarker ?? contents[contents.length - 1]?.Key;
        } else {
          const res = await this.#client.send(
            new this.#sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(cursor ? { ContinuationToken: cursor } : {}) }),
            signal ? { abortSignal: signal } : {},
          );
          contents = res.Contents ?? [];
          truncated = res.IsTruncated ?? false;
          next = res.NextContinuationToken;
        }
      } catch (err) {
        if (signal?.aborted) throw new EngineError('CANCELLED', {}, { cause: err });
        throw this.#map(err, operation);
      }
      yield* contents;
      if (!truncated) return;
      if (!next || next === cursor) throw new EngineError('DEST_IO', { location: this.location, reason: `${operation}: truncated listing without a way to continue` });
      cursor = next;
    }
    throw new EngineError('DEST_IO', { location: this.location, reason: 'listing too long' });
  }

  async stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    validateRef(ref);
    throwIfAborted(signal);
    try {
      const res = await this.#client.send(new this.#sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(ref) }), signal ? { abortSignal: signal } : {});
      return { kind: ref.kind, name: ref.name, size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isS3NotFound(err)) return null;
      throw this.#map(err, 'HeadObject', ref);
    }
  }

  async read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    validateRef(ref);
    validateRange(range);
    throwIfAborted(signal);
    if (range !== undefined && range.length === 0) {
      // HTTP cannot ask for zero bytes: check the size instead.
      const info = await this.stat(ref, signal);
      if (info === null) throw new EngineError('NOT_FOUND', { what: filePath(ref) });
      if (range.offset > info.size) throw this.#truncated(ref, range, info.size);
      return Buffer.alloc(0);
    }
    try {
      const res = await this.#client.send(
        new this.#sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key: this.#key(ref),
          ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      if (res.Body === undefined) throw new EngineError('DEST_IO', { location: this.location, reason: 'empty response body' }, { transient: true });
      const bytes = await res.Body.transformToByteArray();
      throwIfAborted(signal);
      let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (res.ContentLength !== undefined && buf.length !== res.ContentLength) {
        throw new EngineError('DEST_IO', { location: this.location, reason: 'incomplete response body' }, { transient: true });
      }
      if (range !== undefined) {
        // A server that ignores Range answers 200 with the whole object.
        if (res.ContentRange === undefined && buf.length > range.length) {
          if (range.offset + range.length > buf.length) throw this.#truncated(ref, range, buf.length);
          buf = buf.subarray(range.offset, range.offset + range.length);
        }
        if (buf.length !== range.length) throw this.#truncated(ref, range, sizeFromContentRange(res.ContentRange) ?? range.offset + buf.length);
      }
      return buf;
    } catch (err) {
      if (isEngineError(err)) throw err;
      if (isS3NotFound(err)) throw new EngineError('NOT_FOUND', { what: filePath(ref) }, { cause: err });
      if (range !== undefined && (s3ErrorName(err) === 'InvalidRange' || s3Status(err) === 416)) {
        throw this.#truncated(ref, range, -1);
      }
      if (signal?.aborted) throw new EngineError('CANCELLED', {}, { cause: err });
      const mapped = this.#map(err, 'GetObject', ref);
      if (range !== undefined && mapped.transient) {
        // Some servers drop the connection instead of answering 416 to a range past the end.
        // Only to word the error better; when this fails too, the original error stands.
        const info = await this.stat(ref, signal).catch(() => undefined);
        if (info === null) throw new EngineError('NOT_FOUND', { what: filePath(ref) }, { cause: err });
        if (info !== undefined && range.offset + range.length > info.size) throw this.#truncated(ref, range, info.size);
      }
      throw mapped;
    }
  }

  #truncated(ref: FileRef, range: ByteRange, size: number): EngineError {
    return new EngineError('FILE_TRUNCATED', { file: filePath(ref), location: this.location, size, offset: range.offset, length: range.length });
  }

  async write(ref: FileRef, data: Buffer, options?: WriteOptions, signal?: AbortSignal): Promise<void> {
    validateRef(ref);
    throwIfAborted(signal);
    const params: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.#key(ref),
      Body: data,
      ContentType: 'application/octet-stream',
    };
    const o = this.#options;
    if (o.storageClass !== undefined) params.StorageClass = o.storageClass;
    if (o.sse !== undefined) {
      params.ServerSideEncryption = o.sse.type;
      if (o.sse.type === 'aws:kms' && o.sse.keyId !== undefined) params.SSEKMSKeyId = o.sse.keyId;
    }
    // locks/ must stay deletable: a crashed backup's lock would otherwise block the repository for days
    if (o.objectLock !== undefined && ref.kind !== 'locks') {
      params.ObjectLockMode = o.objectLock.mode;
      params.ObjectLockRetainUntilDate = options?.retainUntil ?? new Date(Date.now() + o.objectLock.days * 86_400_000);
    }
    if (this.noOverwrite) params.IfNoneMatch = '*';
    try {
      if (data.length <= this.#threshold) {
        params.ContentLength = data.length;
        params.ContentMD5 = createHash('md5').update(data).digest('base64');
        await this.#client.send(new this.#sdk.PutObjectCommand(params), signal ? { abortSignal: signal } : {});
      } else {
        await this.#multipart(params, signal);
      }
    } catch (err) {
      if (isEngineError(err)) throw err;
      if (signal?.aborted) throw new EngineError('CANCELLED', {}, { cause: err });
      if (this.noOverwrite && (s3ErrorName(err) === 'PreconditionFailed' || s3Status(err) === 412)) {
        await this.#alreadyThere(ref, data.length, err, signal);
        return;
      }
      throw this.#map(err, data.length <= this.#threshold ? 'PutObject' : 'MultipartUpload', ref);
    }
  }

  /**
   * A conditional write found the object already there. For a content-addressed file with the same size that
   * is the same file (a retried or repeated write): done. Anything else cannot be replaced from here.
   */
  async #alreadyThere(ref: FileRef, size: number, cause: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (CONTENT_ADDRESSED.has(ref.kind)) {
      const info = await this.stat(ref, signal);
      if (info !== null && info.size === size) return;
    }
    throw new EngineError('DEST_NOT_WRITABLE', { location: this.location, reason: `${filePath(ref)} already exists and this destination does not allow overwriting (put-only)` }, { cause });
  }

  async #multipart(params: PutObjectCommandInput, signal: AbortSignal | undefined): Promise<void> {
    // Parts are left on error by the library and aborted here, best effort: when lib-storage aborts itself, a
    // failing AbortMultipartUpload (network still down, a put-only credential without the permission)
    // replaces the real error.
    const upload = new this.#sdk.Upload({ client: this.#client, params, partSize: this.#partSize, queueSize: 4, leavePartsOnError: true });
    const onAbort = (): void => {
      // Best effort (see above): the cancel is what the caller hears; parts left behind expire by the bucket's rule.
      void upload.abort().catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      await this.#abortMultipart(params, upload.uploadId);
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Frees the parts of a failed multipart upload; a bucket lifecycle rule removes any the call cannot (docs/offsite.md). */
  async #abortMultipart(params: PutObjectCommandInput, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    try {
      await this.#client.send(new this.#sdk.AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: uploadId }));
    } catch {
      // best effort
    }
  }

  async delete(ref: FileRef, signal?: AbortSignal): Promise<void> {
    validateRef(ref);
    throwIfAborted(signal);
    // Put-only: only lock files are worth a try (a policy may allow deleting locks/ and nothing else).
    if (this.putOnly && ref.kind !== 'locks') {
      this.#skipped(ref, 'put-only');
      return;
    }
    try {
      await this.#client.send(new this.#sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(ref) }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      if (isS3NotFound(err)) return;
      const mapped = this.#map(err, 'DeleteObject', ref);
      if (this.putOnly && (mapped.code === 'S3_ACCESS_DENIED' || mapped.code === 'S3_OBJECT_LOCKED')) {
        this.#skipped(ref, 'access-denied');
        return;
      }
      throw mapped;
    }
  }

  #skipped(ref: FileRef, reason: SkippedDelete['reason']): void {
    this.skippedDeletes++;
    this.#options.onSkippedDelete?.({ file: filePath(ref), reason });
  }

  /**
   * Object Lock state of one object: retention mode and retain-until date (GetObjectRetention) and legal hold
   * (GetObjectLegalHold). Null when the object has no protection, the bucket has no Object Lock, the service
   * does not implement it, or the object does not exist. Throws S3_ACCESS_DENIED when the credential may not
   * read retention: prune must then treat the object as locked.
   */
  async lockState(ref: FileRef, signal?: AbortSignal): Promise<ObjectLockState | null> {
    validateRef(ref);
    throwIfAborted(signal);
    const req = { Bucket: this.bucket, Key: this.#key(ref) };
    const opts = signal ? { abortSignal: signal } : {};
    let mode: string | undefined;
    let until: Date | undefined;
    try {
      const res = await this.#client.send(new this.#sdk.GetObjectRetentionCommand(req), opts);
      mode = res.Retention?.Mode;
      until = res.Retention?.RetainUntilDate;
    } catch (err) {
      const answer = noLockAnswer(err);
      if (answer === 'bucket') return null; // no Object Lock on this bucket or service: no legal hold either
      if (answer === null) throw this.#map(err, 'GetObjectRetention', ref);
    }
    let legalHold: string | undefined;
    try {
      const res = await this.#client.send(new this.#sdk.GetObjectLegalHoldCommand(req), opts);
      legalHold = res.LegalHold?.Status;
    } catch (err) {
      if (noLockAnswer(err) === null) throw this.#map(err, 'GetObjectLegalHold', ref);
    }
    return lockStateFromS3(mode, until, legalHold);
  }

  /** True when Object Lock forbids deleting this object now (retention not expired, or a legal hold). */
  async isLocked(ref: FileRef, now: Date = new Date(), signal?: AbortSignal): Promise<boolean> {
    const state = await this.lockState(ref, signal);
    return state !== null && (state.legalHold || (state.retainUntil !== null && state.retainUntil.getTime() > now.getTime()));
  }

  /**
   * What the bucket offers against deletion: versioning and the default Object Lock rule. 'unknown' where the
   * service does not implement the call or the credential may not read it (put-only credentials usually can't).
   */
  async bucketProtection(signal?: AbortSignal): Promise<BucketProtection> {
    throwIfAborted(signal);
    const opts = signal ? { abortSignal: signal } : {};
    let versioning: BucketProtection['versioning'] = 'unknown';
    try {
      const res = await this.#client.send(new this.#sdk.GetBucketVersioningCommand({ Bucket: this.bucket }), opts);
      versioning = res.Status === 'Enabled' ? 'enabled' : res.Status === 'Suspended' ? 'suspended' : 'off';
    } catch (err) {
      this.#unlessUnknown(err, 'GetBucketVersioning');
    }
    let objectLock: BucketProtection['objectLock'] = 'unknown';
    try {
      const res = await this.#client.send(new this.#sdk.GetObjectLockConfigurationCommand({ Bucket: this.bucket }), opts);
      const cfg = res.ObjectLockConfiguration;
      const rule = cfg?.Rule?.DefaultRetention;
      const days = rule?.Days ?? (rule?.Years === undefined ? undefined : rule.Years * 365);
      objectLock = {
        enabled: cfg?.ObjectLockEnabled === 'Enabled',
        ...(rule?.Mode === 'GOVERNANCE' || rule?.Mode === 'COMPLIANCE' ? { mode: rule.Mode } : {}),
        ...(days === undefined ? {} : { days }),
      };
    } catch (err) {
      if (s3ErrorName(err) === 'ObjectLockConfigurationNotFoundError') objectLock = { enabled: false };
      else this.#unlessUnknown(err, 'GetObjectLockConfiguration');
    }
    return { versioning, objectLock };
  }

  /** For bucket settings calls: "not implemented" and "access denied" mean unknown; anything else is thrown. */
  #unlessUnknown(err: unknown, operation: string): void {
    if (s3ErrorName(err) === 'NotImplemented' || s3Status(err) === 501) return;
    const mapped = this.#map(err, operation);
    if (mapped.code === 'S3_ACCESS_DENIED') return;
    throw mapped;
  }

  async capacity(signal?: AbortSignal): Promise<Capacity | null> {
    throwIfAborted(signal);
    return null;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

function sizeFromContentRange(contentRange: string | undefined): number | undefined {
  const m = contentRange === undefined ? null : /\/(\d+)$/.exec(contentRange);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
