import { EngineError, isEngineError } from '../../shared/index.js';

/** The errno code of a Node system error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const OFFLINE = new Set(['ENOENT', 'ENOTCONN', 'ESTALE', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETDOWN', 'ENETUNREACH', 'ENODEV', 'ENXIO']);
const TRANSIENT_IO = new Set(['ETIMEDOUT', 'EAGAIN', 'EBUSY', 'EINTR', 'ECONNRESET', 'EMFILE', 'ENFILE']);

/**
 * Maps a file-system error to the destination error codes (the same mapping for LocalBackend and
 * FaultBackend). Callers handle "this file does not exist" themselves; an ENOENT reaching this
 * function means the destination itself is gone (unplugged drive, unmounted share): DEST_OFFLINE.
 */
export function mapFsError(err: unknown, location: string, operation?: string): EngineError {
  if (isEngineError(err)) return err;
  const code = errnoCode(err);
  const reason = operation ? `${code ?? 'error'} (${operation})` : (code ?? (err instanceof Error ? err.message : String(err)));
  const opts = { cause: err };
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new EngineError('DEST_FULL', { location, reason }, opts);
    case 'EACCES':
    case 'EPERM':
      return new EngineError('DEST_PERMISSION', { location, reason }, opts);
    case 'EROFS':
      return new EngineError('DEST_READONLY', { location, reason }, opts);
    case 'ABORT_ERR':
      return new EngineError('CANCELLED', {}, opts);
    default:
      break;
  }
  if (code !== undefined && OFFLINE.has(code)) {
    // A network share that drops may come back: worth a retry; a missing root is not.
    return new EngineError('DEST_OFFLINE', { location, reason }, { cause: err, transient: code !== 'ENOENT' && code !== 'ENODEV' && code !== 'ENXIO' });
  }
  return new EngineError('DEST_IO', { location, reason }, { cause: err, transient: code !== undefined && TRANSIENT_IO.has(code) });
}

/** Creates a Node-style system error, as fs would throw it (used by the fault injector). */
export function makeErrno(code: string, syscall: string, target?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: simulated failure, ${syscall}${target ? ` '${target}'` : ''}`);
  err.code = code;
  err.syscall = syscall;
  if (target !== undefined) err.path = target;
  return err;
}
