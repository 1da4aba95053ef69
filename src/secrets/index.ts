/**
 * Where secrets live (ARCHITECTURE.md §9). openSecretStore() picks the store: the OS keychain by default,
 * the password-file store when the user points at a password file, memory for tests. It never falls
 * back from one to another: an unusable keychain is an error telling the user what to do.
 */
import { EngineError } from '../shared/index.js';
import type { SecretStore } from './types.js';
import { KeychainSecretStore, assertKeychainUsable } from './keychainStore.js';
import { FileSecretStore } from './fileStore.js';
import { MemorySecretStore } from './memoryStore.js';

export type { SecretStore } from './types.js';
export { MemorySecretStore } from './memoryStore.js';
export {
  KeychainSecretStore,
  probeKeychain,
  assertKeychainUsable,
  classifyKeychainFailure,
  type KeychainOptions,
  type KeychainProbeResult,
  type KeychainFailureCode,
  type KeychainReasonCode,
} from './keychainStore.js';
export { FileSecretStore, type FileSecretStoreOptions, type SecretFileReasonCode } from './fileStore.js';
export { redact, REDACTED } from './redact.js';
export { DEFAULT_KEYCHAIN_SERVICE, REPOSITORY_PASSWORD_SECRET, isSecretName, assertSecretName } from './names.js';

export type SecretStoreKind = 'keychain' | 'file' | 'memory';

export interface OpenSecretStoreOptions {
  /** Default: "file" when a password file is given (here or in the environment), else "keychain". */
  kind?: SecretStoreKind;
  /** --password-file; CLINIC_BACKUP_PASSWORD_FILE when absent. */
  passwordFile?: string;
  /** --secrets-dir, only with a password file; CLINIC_BACKUP_SECRETS_DIR when absent. */
  secretsDir?: string;
  /** Secret name the password file answers to (default REPOSITORY_PASSWORD_SECRET). */
  passwordName?: string;
  /** Keychain service name (default "clinic-backup"); tests pass their own. */
  service?: string;
  /** Keychain call limit (see KeychainOptions). */
  timeoutMs?: number;
  /** Keychain probe limit. Default 10 s. */
  probeTimeoutMs?: number;
  /** Environment to read CLINIC_BACKUP_PASSWORD_FILE / CLINIC_BACKUP_SECRETS_DIR from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the secret store the options ask for and checks it can be used:
 * keychain → probed, KEYCHAIN_UNAVAILABLE / KEYCHAIN_LOCKED when not usable;
 * file → the password file is read once, PASSWORD_FILE_UNREADABLE when it cannot be used.
 */
export async function openSecretStore(opts: OpenSecretStoreOptions = {}): Promise<SecretStore> {
  const env = opts.env ?? process.env;
  const useEnv = opts.kind === undefined || opts.kind === 'file';
  const passwordFile = opts.passwordFile ?? (useEnv ? env['CLINIC_BACKUP_PASSWORD_FILE'] || undefined : undefined);
  const secretsDir = opts.secretsDir ?? (useEnv ? env['CLINIC_BACKUP_SECRETS_DIR'] || undefined : undefined);
  const kind: SecretStoreKind = opts.kind ?? (passwordFile ? 'file' : 'keychain');

  if (kind !== 'file' && opts.passwordFile) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'passwordFile', reason: `not used with the ${kind} store` });
  }
  if (kind !== 'file' && opts.secretsDir) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'secretsDir', reason: 'only used together with a password file' });
  }

  switch (kind) {
    case 'memory':
      return new MemorySecretStore();
    case 'file': {
      if (!passwordFile) {
        throw new EngineError('INVALID_ARGUMENT', { field: 'passwordFile', reason: 'the file store needs --password-file' });
      }
      const store = new FileSecretStore({
        passwordFile,
        ...(secretsDir ? { secretsDir } : {}),
        ...(opts.passwordName ? { passwordName: opts.passwordName } : {}),
      });
      await store.check();
      return store;
    }
    case 'keychain': {
      const service = opts.service;
      await assertKeychainUsable({
        ...(service ? { service } : {}),
        ...(opts.probeTimeoutMs ? { timeoutMs: opts.probeTimeoutMs } : {}),
      });
      return new KeychainSecretStore({
        ...(service ? { service } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
    }
    default:
      throw new EngineError('INVALID_ARGUMENT', { field: 'kind', reason: 'must be keychain, file or memory' });
  }
}
