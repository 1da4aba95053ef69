/**
 * Where secrets live (ARCHITECTURE.md §9). Implementations: OS keychain (@napi-rs/keyring) for CLI/serve,
 * a password file for headless servers (only when the user points at one), memory for tests, and
 * Electron safeStorage in main/. Nothing secret is ever written to SQLite, logs, events or the renderer.
 */
export interface SecretStore {
  /** Short name of the implementation, e.g. "keychain", "file", "memory", "safeStorage". */
  readonly kind: string;
  /** The secret, or null when there is none under this name. Throws KEYCHAIN_UNAVAILABLE/KEYCHAIN_LOCKED when the store cannot be used. */
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(name: string): Promise<boolean>;
  /** Names only, never values. */
  list(): Promise<string[]>;
}
