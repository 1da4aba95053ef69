import { EngineError } from '../shared/index.js';

/** Keychain service name used by the CLI and serve mode (tests pass their own to stay isolated). */
export const DEFAULT_KEYCHAIN_SERVICE = 'clinic-backup';

/** Name under which the repository password is asked for; the password file store serves exactly this name. */
export const REPOSITORY_PASSWORD_SECRET = 'repository-password';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

/** True for names a store accepts: 1–200 chars of letters, digits and . _ : @ / -, starting with a letter or digit. */
export function isSecretName(name: string): boolean {
  return typeof name === 'string' && NAME_RE.test(name);
}

/** Throws INVALID_ARGUMENT for a name no store accepts. Names are not secret; values are. */
export function assertSecretName(name: string): void {
  if (!isSecretName(name)) {
    throw new EngineError('INVALID_ARGUMENT', {
      field: 'secret name',
      reason: 'use 1–200 letters, digits or . _ : @ / -, starting with a letter or digit',
    });
  }
}

/** Throws INVALID_ARGUMENT for a value no store accepts (never echoing the value). */
export function assertSecretValue(value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'secret value', reason: 'must be a non-empty string' });
  }
}
