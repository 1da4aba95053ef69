/**
 * SecretStore on Electron safeStorage (ARCHITECTURE.md §9): values encrypted by the OS (DPAPI, Keychain,
 * libsecret/kwallet) and kept in one 0600 JSON file in the app's data folder, names in clear.
 * On Linux, safeStorage falls back to "basic_text" (a hard-coded key) when no keyring is running: this store
 * refuses to work then, instead of pretending the secrets are protected.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { t, type EngineOptions, type Locale } from '../src/index.js';
import { EngineError } from '../src/shared/errors.js';

export type SecretStore = NonNullable<EngineOptions['secretStore']>;

/** The parts of Electron's safeStorage the store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safeStorage';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly file: string,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly locale: () => Locale = () => 'pt-BR',
  ) {}

  /** Throws KEYCHAIN_UNAVAILABLE when the OS cannot protect the secrets. */
  assertUsable(): void {
    if (!this.safeStorage.isEncryptionAvailable()) throw new EngineError('KEYCHAIN_UNAVAILABLE', { reason: t('desktop.secrets.unavailable', {}, this.locale()) });
    if (this.platform === 'linux') {
      const backend = this.safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
      if (backend === 'basic_text' || backend === 'unknown') throw new EngineError('KEYCHAIN_UNAVAILABLE', { reason: t('desktop.secrets.basicText', {}, this.locale()) });
    }
  }

  private checkName(name: string): void {
    if (!NAME_RE.test(name)) throw new EngineError('INVALID_ARGUMENT', { field: 'secret name', reason: 'use 1–200 letters, digits or . _ : @ / -, starting with a letter or digit' });
  }

  private async load(): Promise<Record<string, string>> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '{}';
      throw err;
    });
    const data = JSON.parse(text) as unknown;
    return typeof data === 'object' && data !== null ? (data as Record<string, string>) : {};
  }

  private async save(data: Record<string, string>): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 1), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }

  /** Serialises read-modify-write cycles of the file. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async get(name: string): Promise<string | null> {
    this.checkName(name);
    this.assertUsable();
    const stored = (await this.load())[name];
    return stored === undefined ? null : this.safeStorage.decryptString(Buffer.from(stored, 'base64'));
  }

  async set(name: string, value: string): Promise<void> {
    this.checkName(name);
    if (typeof value !== 'string' || value.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'secret value', reason: 'must be a non-empty string' });
    this.assertUsable();
    return this.exclusive(async () => {
      const data = await this.load();
      data[name] = this.safeStorage.encryptString(value).toString('base64');
      await this.save(data);
    });
  }

  async delete(name: string): Promise<boolean> {
    this.checkName(name);
    return this.exclusive(async () => {
      const data = await this.load();
      if (!(name in data)) return false;
      delete data[name];
      await this.save(data);
      return true;
    });
  }

  async list(): Promise<string[]> {
    return Object.keys(await this.load()).sort();
  }
}
