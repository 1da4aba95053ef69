import type { SecretStore } from './types.js';
import { assertSecretName, assertSecretValue } from './names.js';

/** Secrets in process memory only; for tests and the demo. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory';
  readonly #values = new Map<string, string>();

  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of Object.entries(initial)) {
      assertSecretName(name);
      assertSecretValue(value);
      this.#values.set(name, value);
    }
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    return this.#values.get(name) ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(value);
    this.#values.set(name, value);
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    return this.#values.delete(name);
  }

  async list(): Promise<string[]> {
    return [...this.#values.keys()].sort();
  }
}
