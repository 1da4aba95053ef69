/**
 * Errors are values with stable codes. Engine code throws EngineError internally; at every
 * front-end seam (CLI, serve, IPC) it is converted to ErrorInfo data with user text from i18n.
 * Details carry parameters for the message (never secrets).
 */

export const ERROR_CODES = [
  // usage and configuration
  'USAGE',
  'UNKNOWN_OPTION',
  'OPTION_CONFLICT',
  'UNKNOWN_RESOURCE_TYPE',
  'INVALID_ARGUMENT',
  'INVALID_SETTINGS',
  'NOT_FOUND',
  // repository
  'REPO_NOT_FOUND',
  'REPO_ALREADY_EXISTS',
  'REPO_MARKER_MISSING',
  'REPO_MARKER_MISMATCH',
  'REPO_VERSION_UNSUPPORTED',
  'REPO_NEEDS_MIGRATION',
  'REPO_LOCKED',
  'WRONG_PASSWORD',
  'WRONG_RECOVERY_KEY',
  'RECOVERY_KEY_CHECKSUM',
  'RECOVERY_KEY_OTHER_REPO',
  'RECOVERY_KEY_NOT_KEPT',
  'KEY_SLOT_LAST',
  'KEY_SLOT_NOT_FOUND',
  'KEY_SLOT_DUPLICATE',
  'SNAPSHOT_NOT_FOUND',
  'RESOURCE_NOT_FOUND',
  'PATIENT_NOT_FOUND',
  'TYPE_NOT_IN_SNAPSHOT',
  // integrity
  'INTEGRITY_ERROR',
  'PACK_CORRUPT',
  'INDEX_CORRUPT',
  'INDEX_INCOMPLETE',
  'SNAPSHOT_CORRUPT',
  'BLOB_MISSING',
  'FILE_TRUNCATED',
  'AUDIT_TAMPERED',
  // destinations
  'DEST_FULL',
  'DEST_OFFLINE',
  'DEST_NOT_WRITABLE',
  'DEST_PERMISSION',
  'DEST_IO',
  'DEST_READONLY',
  'S3_AUTH',
  'S3_BUCKET_MISSING',
  'S3_ACCESS_DENIED',
  'S3_CLOCK_SKEW',
  'S3_REGION_MISMATCH',
  'S3_OBJECT_LOCKED',
  'RESIDENCY_NOT_ACKNOWLEDGED',
  // sources
  'SOURCE_UNREACHABLE',
  'SOURCE_DNS',
  'SOURCE_TLS',
  'SOURCE_AUTH',
  'SOURCE_FORBIDDEN',
  'SOURCE_HTTP',
  'SOURCE_NOT_FHIR',
  'SOURCE_FHIR_VERSION',
  'SOURCE_BAD_RESPONSE',
  'SOURCE_FOREIGN_ORIGIN',
  'EXPORT_UNSUPPORTED',
  'EXPORT_FAILED',
  'EXPORT_EXPIRED',
  'INPUT_MALFORMED',
  'RESOURCE_WITHOUT_ID',
  'INPUT_NOT_FOUND',
  // folder sources (reported per entry; the walk goes on)
  'FILE_VANISHED',
  'FILE_PERMISSION_DENIED',
  'FILE_UNREADABLE',
  'FILE_SPECIAL_SKIPPED',
  'FILE_NAME_UNREADABLE',
  'FILE_CHANGED_DURING_BACKUP',
  'FOLDER_SOURCE_MISSING',
  'FOLDER_SOURCE_NOT_FOLDER',
  'FOLDER_SOURCE_EMPTY',
  'EXCLUDE_PATTERN_INVALID',
  // database dump sources
  'DUMP_TOOL_MISSING',
  'DUMP_FAILED',
  'DUMP_EMPTY',
  'DB_FILE_NOT_FOUND',
  'DB_RESTORE_TARGET_EXISTS',
  'DB_RESTORE_FAILED',
  'EMPTY_SOURCE',
  'BACKUP_SOURCES_FAILED',
  // secrets
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_LOCKED',
  'KEYCHAIN_ENTRY_MISSING',
  'SECRET_NOT_FOUND',
  'PASSWORD_FILE_UNREADABLE',
  // restore
  'RESTORE_NOT_CONFIRMED',
  'RESTORE_TARGET_NOT_EMPTY',
  'RESTORE_TARGET_REJECTED',
  'CONFIRMATION_MISMATCH',
  'RESTORE_FILE_EXISTS',
  'RESTORE_NAME_CONFLICT',
  'RESTORE_TARGET_FULL',
  'RESTORE_PATH_NOT_FOUND',
  'CONFIRMATION_REQUIRED',
  // retention and scheduling
  'RETENTION_LEGAL_FLOOR',
  'SCHEDULER_ALREADY_RUNNING',
  'ON_BATTERY',
  // catalog, alerts
  'CATALOG_CORRUPT',
  'ALERT_CHANNEL_FAILED',
  'SMTP_RECIPIENT_UNKNOWN',
  'SMTP_SENDER_REFUSED',
  'SMTP_AUTH',
  'SMTP_UNREACHABLE',
  'SMTP_DNS',
  'SMTP_TLS',
  // serve
  'UNAUTHORIZED',
  'FORBIDDEN_ORIGIN',
  // generic
  'RUN_PARTIAL',
  'CANCELLED',
  'TIMEOUT',
  'WORKER_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Parameters for the user message of an error. Never put secrets here. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

/** An error as data: what crosses the contract to CLI output, serve responses and the renderer. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
  /** Which side failed, when the code says: the data being backed up (source) or where the copies are kept. */
  readonly side?: 'source' | 'destination';
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

const INTEGRITY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INTEGRITY_ERROR',
  'PACK_CORRUPT',
  'INDEX_CORRUPT',
  'INDEX_INCOMPLETE',
  'SNAPSHOT_CORRUPT',
  'BLOB_MISSING',
  'FILE_TRUNCATED',
  'AUDIT_TAMPERED',
]);

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['USAGE', 'UNKNOWN_OPTION', 'OPTION_CONFLICT', 'UNKNOWN_RESOURCE_TYPE', 'INVALID_ARGUMENT']);

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** Worth retrying with backoff (network blips, 429/503, throttling). */
  readonly transient: boolean;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options: { cause?: unknown; transient?: boolean } = {}) {
    super(code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
    this.transient = options.transient ?? false;
  }
}

export function isEngineError(err: unknown, code?: ErrorCode): err is EngineError {
  return err instanceof EngineError && (code === undefined || err.code === code);
}

/**
 * Which side an error concerns: the data being backed up (the clinic's server, folder or database) or the place
 * the copy is kept (folder, NAS, USB drive, bucket). Null when neither (usage, keys, internal).
 */
export function errorSide(code: string): 'source' | 'destination' | null {
  if (/^(SOURCE_|EXPORT_|INPUT_|FILE_|FOLDER_SOURCE_|DUMP_)/.test(code) || code === 'DB_FILE_NOT_FOUND' || code === 'EMPTY_SOURCE' || code === 'RESOURCE_WITHOUT_ID') return 'source';
  if (/^(DEST_|S3_|REPO_NOT_FOUND|REPO_MARKER_)/.test(code) || code === 'RESIDENCY_NOT_ACKNOWLEDGED') return 'destination';
  return null;
}

export function isIntegrityCode(code: ErrorCode): boolean {
  return INTEGRITY_CODES.has(code);
}

/** CLI exit codes: 0 ok, 1 failed, 2 usage, 3 integrity problem. */
export function exitCodeFor(code: ErrorCode): 1 | 2 | 3 {
  if (USAGE_CODES.has(code)) return 2;
  if (INTEGRITY_CODES.has(code)) return 3;
  return 1;
}

const TRANSIENT_SYSCALL = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EBUSY', 'EAGAIN']);

/** True for errors worth another attempt: EngineError marked transient or a transient system error. */
export function isTransient(err: unknown): boolean {
  if (err instanceof EngineError) return err.transient;
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' && TRANSIENT_SYSCALL.has(code);
  }
  return false;
}

export function isAbortError(err: unknown): boolean {
  return (err instanceof EngineError && err.code === 'CANCELLED') || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError');
}

/** Throws CANCELLED when the signal has fired. Call at safe points in long loops. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('CANCELLED');
}
