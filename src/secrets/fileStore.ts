/**
 * Secrets in files, for headless servers only, and only when the user points at them
 * (--password-file / CLINIC_BACKUP_PASSWORD_FILE, and --secrets-dir / CLINIC_BACKUP_SECRETS_DIR).
 *
 * - The password file holds exactly one secret, the repository password (name REPOSITORY_PASSWORD_SECRET
 *   unless configured otherwise). It belongs to the user: it is read (trailing line breaks removed),
 *   never written or deleted.
 * - Other secrets (e.g. S3 credentials) need a secrets folder the user configured explicitly: one file per
 *   secret, created with mode 0600. Without that folder they cannot be stored here; there is no silent
 *   weaker store next to the password file.
 * - Every file read must be a regular file not accessible to group or others (0600 or stricter), like
 *   ssh does with private keys; otherwise PASSWORD_FILE_UNREADABLE tells the user to `chmod 600`.
 * Errors carry the path and a reason, never file contents.
 */
import { EngineError, tighten } from '../shared/index.js';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SecretStore } from './types.js';
import { REPOSITORY_PASSWORD_SECRET, assertSecretName, assertSecretValue, isSecretName } from './names.js';

/** Why a secret file cannot be used; `secrets.file.reason.<code>` in i18n holds the user text. */
export type SecretFileReasonCode = 'missing' | 'permission' | 'not-a-file' | 'too-open' | 'empty' | 'too-large' | 'not-text' | 'io';

const REASONS: Readonly<Record<SecretFileReasonCode, string>> = {
  missing: 'the file does not exist',
  permission: 'no permission to read it',
  'not-a-file': 'it is not a regular file',
  'too-open': 'other users can access it; run chmod 600 on it',
  empty: 'the file is empty',
  'too-large': 'the file is too large to be a password',
  'not-text': 'the file is not UTF-8 text',
  io: 'read error',
};

const MAX_SECRET_FILE_BYTES = 64 * 1024;
const TEMP_PREFIX = '.tmp-';

export interface FileSecretStoreOptions {
  /** File holding the repository password. */
  passwordFile: string;
  /** Secret name the password file answers to. Default REPOSITORY_PASSWORD_SECRET. */
  passwordName?: string;
  /** Folder for all other secrets, one 0600 file each. Without it, only the password is available. */
  secretsDir?: string;
}

function unreadable(file: string, reasonCode: SecretFileReasonCode): EngineError {
  return new EngineError('PASSWORD_FILE_UNREADABLE', { path: file, reason: REASONS[reasonCode], reasonCode });
}

function reasonForErrno(err: unknown): SecretFileReasonCode {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
  if (code === 'EACCES' || code === 'EPERM') return 'permission';
  if (code === 'EISDIR') return 'not-a-file';
  return 'io';
}

/** True when group or others have any access (POSIX only; Windows has no such mode bits). */
function tooOpen(mode: number): boolean {
  return process.platform !== 'win32' && (mode & 0o077) !== 0;
}

/**
 * Reads one secret file: regular, 0600 or stricter, at most 64 KiB of UTF-8, trailing CR/LF removed.
 * Returns null when it does not exist and `missingIsNull` is set.
 */
async function readSecretFile(file: string, missingIsNull: boolean): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    const reason = reasonForErrno(err);
    if (reason === 'missing' && missingIsNull) return null;
    throw unreadable(file, reason);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw unreadable(file, 'not-a-file');
    if (tooOpen(st.mode)) throw unreadable(file, 'too-open');
    if (st.size > MAX_SECRET_FILE_BYTES) throw unreadable(file, 'too-large');
    const bytes = await handle.readFile();
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw unreadable(file, 'not-text');
    }
    const value = text.replace(/[\r\n]+$/, '');
    if (value.length === 0) throw unreadable(file, 'empty');
    return value;
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw unreadable(file, reasonForErrno(err));
  } finally {
    await handle.close();
  }
}

/** Secrets from a user-designated password file and, optionally, a user-designated secrets folder. */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  readonly passwordFile: string;
  readonly passwordName: string;
  readonly secretsDir: string | undefined;

  constructor(options: FileSecretStoreOptions) {
    if (!options.passwordFile) throw new EngineError('INVALID_ARGUMENT', { field: 'passwordFile', reason: 'a path is required' });
    this.passwordFile = path.resolve(options.passwordFile);
    this.passwordName = options.passwordName ?? REPOSITORY_PASSWORD_SECRET;
    assertSecretName(this.passwordName);
    this.secretsDir = options.secretsDir ? path.resolve(options.secretsDir) : undefined;
  }

  /** Reads the password file once so a bad path or mode is reported when the store is opened, not mid-run. */
  async check(): Promise<void> {
    await readSecretFile(this.passwordFile, false);
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    if (name === this.passwordName) return readSecretFile(this.passwordFile, false);
    if (!this.secretsDir) return null;
    return readSecretFile(this.#fileOf(name), true);
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(value);
    if (name === this.passwordName) {
      // The user's file is never rewritten; storing the value it already holds is a no-op.
      if ((await readSecretFile(this.passwordFile, false)) === value) return;
      throw new EngineError('INVALID_ARGUMENT', {
        field: 'passwordFile',
        reason: `the password file ${this.passwordFile} is managed by you; edit it to change the password`,
      });
    }
    if (!this.secretsDir) {
      throw new EngineError('INVALID_ARGUMENT', {
        field: 'secretsDir',
        reason: `no secrets folder configured (--secrets-dir or CLINIC_BACKUP_SECRETS_DIR) to keep "${name}"`,
      });
    }
    const target = this.#fileOf(name);
    const temp = path.join(this.secretsDir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(this.secretsDir, { recursive: true, mode: 0o700 });
      await tighten(this.secretsDir); // a folder made by hand with looser modes becomes the owner's only
      const handle = await fs.open(temp, 'wx', 0o600);
      try {
        await handle.chmod(0o600);
        await handle.writeFile(value, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
    } catch (err) {
      // Best effort: the temporary file of a failed write; the failure itself is reported just below.
      await fs.rm(temp, { force: true }).catch(() => undefined);
      const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'error';
      throw new EngineError('DEST_NOT_WRITABLE', { location: this.secretsDir, reason: code });
    }
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    if (name === this.passwordName) {
      throw new EngineError('INVALID_ARGUMENT', {
        field: 'passwordFile',
        reason: `the password file ${this.passwordFile} is managed by you; delete it yourself if you mean to`,
      });
    }
    if (!this.secretsDir) return false;
    try {
      await fs.unlink(this.#fileOf(name));
      return true;
    } catch (err) {
      if (reasonForErrno(err) === 'missing') return false;
      throw unreadable(this.#fileOf(name), reasonForErrno(err));
    }
  }

  async list(): Promise<string[]> {
    const names = new Set<string>([this.passwordName]);
    if (this.secretsDir) {
      let entries: string[] = [];
      try {
        entries = await fs.readdir(this.secretsDir);
      } catch (err) {
        if (reasonForErrno(err) !== 'missing') throw unreadable(this.secretsDir, reasonForErrno(err));
      }
      for (const file of entries) {
        if (file.startsWith('.')) continue;
        let name: string;
        try {
          name = decodeURIComponent(file);
        } catch {
          continue;
        }
        if (isSecretName(name) && name !== this.passwordName) names.add(name);
      }
    }
    return [...names].sort();
  }

  /** One file per secret; the name is URL-encoded so "/", ":" and "@" cannot make paths. */
  #fileOf(name: string): string {
    return path.join(this.secretsDir as string, encodeURIComponent(name));
  }
}
