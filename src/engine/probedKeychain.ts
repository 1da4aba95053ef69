/**
 * The keychain as the engine uses it: a read that gives the value is one keychain call; the probe (is the keychain
 * usable at all?) runs only before a write or after a read that gave nothing, so a missing or locked keychain is
 * still the error the user sees, not "no key".
 */
import type { SecretStore } from '../secrets/index.js';

/** The keychain, probed (once, by `probe`) before a write and after a read that gave nothing; a read that works is one call. */
export class ProbedKeychain implements SecretStore {
  readonly kind: string;

  constructor(
    private readonly store: SecretStore,
    private readonly probe: () => Promise<void>,
  ) {
    this.kind = store.kind;
  }

  async get(name: string): Promise<string | null> {
    const value = await this.store.get(name);
    if (value === null) await this.probe();
    return value;
  }

  /** A read whose caller has somewhere else to look when nothing is there (no probe: absence is not an error). */
  peek(name: string): Promise<string | null> {
    return this.store.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    await this.probe();
    await this.store.set(name, value);
  }

  async delete(name: string): Promise<boolean> {
    await this.probe();
    return this.store.delete(name);
  }

  async list(): Promise<string[]> {
    await this.probe();
    return this.store.list();
  }
}
