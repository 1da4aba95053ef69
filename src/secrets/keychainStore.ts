/**
 * Secrets in the OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager,
 * and on Linux the freedesktop Secret Service (gnome-keyring, KeePassXC, KWallet) over D-Bus.
 * One keychain item per secret: service = "clinic-backup" (or a test service), account = secret name.
 *
 * Never a silent fallback: on Linux the library would quietly use the kernel keyring (keyutils, lost at
 * logout/reboot) when no Secret Service answers, so every entry is pinned to the Secret Service and its
 * absence is reported as KEYCHAIN_UNAVAILABLE; a locked collection is reported as KEYCHAIN_LOCKED.
 *
 * Every keychain call runs in a short-lived helper process (this Node binary, the same library). Observed
 * against a frozen gnome-keyring: `new Entry()` blocks its thread on D-Bus, and zbus-based calls
 * (findCredentials) wait forever; a thread stuck like that also keeps Node from exiting, because the
 * thread pool and workers are joined at exit. A process can be killed: so each call has a hard limit,
 * the event loop never blocks, and a wedged keyring cannot stall a scheduled backup. Values travel over
 * the helper's stdin/stdout pipes only (never argv or environment); list() returns account names only.
 *
 * The library reports every failure as a generic Error whose text is all there is to classify; these
 * texts were observed against a real gnome-keyring (see test/secrets/keychain*.test.ts). Library errors
 * never leave this module: they become EngineError with a fixed reason and no cause attached, so no value
 * or library text reaches logs through an error.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError } from '../shared/index.js';
import { scrubSecrets } from '../i18n/index.js';
import type { SecretStore } from './types.js';
import { DEFAULT_KEYCHAIN_SERVICE, assertSecretName, assertSecretValue, isSecretName } from './names.js';
import { redact } from './redact.js';

export type KeychainFailureCode = 'KEYCHAIN_UNAVAILABLE' | 'KEYCHAIN_LOCKED';

/** Why the keychain cannot be used; `secrets.keychain.reason.<code>` in i18n holds the user text. */
export type KeychainReasonCode = 'no-dbus' | 'no-provider' | 'no-default-collection' | 'locked' | 'timeout' | 'ambiguous' | 'roundtrip-mismatch' | 'failed';

export interface KeychainProbeResult {
  available: boolean;
  code?: KeychainFailureCode;
  /** Short English reason for logs and the {reason} of the error message. */
  reason?: string;
  reasonCode?: KeychainReasonCode;
}

export interface KeychainOptions {
  /** Keychain service name; tests pass a unique one so runs are isolated. Default "clinic-backup". */
  service?: string;
  /** Limit for one keychain call. A desktop unlock prompt counts against it. Default 120 s (probe: 10 s). */
  timeoutMs?: number;
}

/** Account name of the probe item written and removed by probeKeychain (not a valid secret name, so never listed). */
const PROBE_ACCOUNT = '__clinic-backup-probe__';
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
/** Pins Linux entries to the Secret Service (no keyutils fallback); ignored elsewhere. */
const ENTRY_OPTIONS = { linux: { store: 'secret-service' } } as const;

const REASONS: Readonly<Record<KeychainReasonCode, string>> = {
  'no-dbus': 'no D-Bus session bus',
  'no-provider': 'no Secret Service on D-Bus',
  'no-default-collection': 'the Secret Service has no default keyring',
  locked: 'the keyring is locked',
  timeout: 'the keychain did not answer in time (is an unlock prompt waiting?)',
  ambiguous: 'several keychain items match the same secret',
  'roundtrip-mismatch': 'the keychain did not return what was stored',
  failed: 'the keychain reported an error',
};

/**
 * Classifies a keyring library failure from its text. Locked: the Secret Service refused because a
 * collection is locked, or its unlock prompt was dismissed or could not be shown (no display);
 * macOS reports a locked keychain as "User interaction is not allowed".
 */
export function classifyKeychainFailure(message: string): { code: KeychainFailureCode; reasonCode: KeychainReasonCode } {
  const m = message;
  if (/IsLocked|is locked|locked object|unlock prompt|prompt was dismissed|interaction is not allowed|-25308/i.test(m)) {
    return { code: 'KEYCHAIN_LOCKED', reasonCode: 'locked' };
  }
  if (/not provided by any \.service|ServiceUnknown|NameHasNoOwner|org\.freedesktop\.secrets/i.test(m)) {
    return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'no-provider' };
  }
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|failed to connect|could not connect|connection refused|no such file or directory|broken pipe|session bus/i.test(m)) {
    return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'no-dbus' };
  }
  if (/no result found|NoResult|no default collection/i.test(m)) {
    return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'no-default-collection' };
  }
  if (/did not receive a reply|NoReply|timed? ?out/i.test(m)) return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'timeout' };
  if (/ambiguous/i.test(m)) return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'ambiguous' };
  return { code: 'KEYCHAIN_UNAVAILABLE', reasonCode: 'failed' };
}

function failure(code: KeychainFailureCode, reasonCode: KeychainReasonCode, extra: Record<string, string | number> = {}): EngineError {
  return new EngineError(code, { reason: REASONS[reasonCode], reasonCode, ...extra });
}

/**
 * The helper's environment, or null when Linux has no session bus at all. libdbus (used by the Secret
 * Service backend) only looks at DBUS_SESSION_BUS_ADDRESS, while systemd user sessions may only provide
 * $XDG_RUNTIME_DIR/bus (e.g. over ssh): the helper then gets the address of that socket, as the D-Bus
 * spec and newer libdbus do. Our own process.env is left alone.
 */
function helperEnv(): NodeJS.ProcessEnv | null {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  delete env['NODE_OPTIONS']; // nothing of the parent's loaders (tsx, inspectors) in the helper
  if (process.platform !== 'linux' || env['DBUS_SESSION_BUS_ADDRESS']) return env;
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime && existsSync(path.join(runtime, 'bus'))) {
    env['DBUS_SESSION_BUS_ADDRESS'] = `unix:path=${path.join(runtime, 'bus')}`;
    return env;
  }
  return null;
}

// ---- the helper process ------------------------------------------------------------------------

type HelperRequest = { op: 'get' | 'delete'; service: string; account: string } | { op: 'set' | 'probe'; service: string; account: string; value: string } | { op: 'list'; service: string };

type HelperAnswer = { ok: true; value: unknown } | { ok: false; message: string };

/** The helper: reads one JSON request on stdin, answers one JSON line on stdout, exits. */
const HELPER_SOURCE = `
const { Entry, findCredentials } = require(process.argv[1]);
const options = ${JSON.stringify(ENTRY_OPTIONS)};
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  let answer;
  try {
    const req = JSON.parse(input);
    const entry = () => new Entry(req.service, req.account, options);
    if (req.op === 'get') answer = { ok: true, value: entry().getPassword() ?? null };
    else if (req.op === 'set') { entry().setPassword(req.value); answer = { ok: true, value: null }; }
    else if (req.op === 'delete') answer = { ok: true, value: entry().deletePassword() };
    else if (req.op === 'list') answer = { ok: true, value: findCredentials(req.service).map((c) => c.account) };
    else if (req.op === 'probe') {
      const e = entry();
      e.setPassword(req.value);
      const read = e.getPassword();
      e.deletePassword();
      answer = { ok: true, value: read === req.value };
    } else answer = { ok: false, message: 'unknown operation' };
  } catch (err) {
    answer = { ok: false, message: err && err.message ? String(err.message) : String(err) };
  }
  process.stdout.write(JSON.stringify(answer) + '\\n', () => process.exit(0));
});
`;

let keyringModulePath: string | undefined;

class HelperTimeout extends Error {}

/** Runs one keychain call in a helper process; kills it at the limit. Rejects with HelperTimeout or the library's error text. */
function runHelper(request: HelperRequest, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<unknown> {
  keyringModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/keyring');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', HELPER_SOURCE, keyringModulePath as string], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env,
      windowsHide: true,
    });
    let out = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new HelperTimeout()));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', (err) => settle(() => reject(new Error(`helper could not start: ${err.message}`))));
    child.on('close', (code) =>
      settle(() => {
        const line = out.trim().split('\n').pop() ?? '';
        let answer: HelperAnswer;
        try {
          answer = JSON.parse(line) as HelperAnswer;
        } catch {
          reject(new Error(`keychain helper ended without an answer (exit code ${String(code)})`));
          return;
        }
        if (answer.ok) resolve(answer.value);
        else reject(new Error(answer.message));
      }),
    );
    child.stdin.on('error', () => undefined); // a helper that died early: reported by "close"
    child.stdin.end(JSON.stringify(request));
  });
}

/** Turns anything a keychain call failed with into an EngineError without the library's object or any value in it. */
function wrap(err: unknown, values: readonly string[], timeoutMs: number): EngineError {
  if (err instanceof EngineError) return err;
  if (err instanceof HelperTimeout) return failure('KEYCHAIN_UNAVAILABLE', 'timeout', { timeoutSeconds: Math.round(timeoutMs / 1000) });
  const text = err instanceof Error ? err.message : String(err);
  const { code, reasonCode } = classifyKeychainFailure(text);
  // Only an unrecognised failure carries the library text, scrubbed and with every known value removed.
  if (reasonCode === 'failed') return failure(code, reasonCode, { detail: redact(scrubSecrets(text), values).slice(0, 300) });
  return failure(code, reasonCode);
}

async function call(request: HelperRequest, timeoutMs: number, values: readonly string[]): Promise<unknown> {
  const env = helperEnv();
  if (!env) throw failure('KEYCHAIN_UNAVAILABLE', 'no-dbus');
  try {
    return await runHelper(request, timeoutMs, env);
  } catch (err) {
    throw wrap(err, values, timeoutMs);
  }
}

function checkService(service: string): void {
  if (typeof service !== 'string' || service.trim().length === 0) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'service', reason: 'must be a non-empty name' });
  }
}

// ---- the store ---------------------------------------------------------------------------------

/** Secrets in the OS keychain. Use openSecretStore() (which probes first) rather than constructing it directly. */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  readonly service: string;
  readonly #timeoutMs: number;

  constructor(options: KeychainOptions = {}) {
    this.service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    checkService(this.service);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    const value = await call({ op: 'get', service: this.service, account: name }, this.#timeoutMs, []);
    return typeof value === 'string' ? value : null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(value);
    await call({ op: 'set', service: this.service, account: name, value }, this.#timeoutMs, [value]);
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    return (await call({ op: 'delete', service: this.service, account: name }, this.#timeoutMs, [])) === true;
  }

  /** Names of this service's items, enumerated by the keychain itself (values never leave the helper). */
  async list(): Promise<string[]> {
    const accounts = await call({ op: 'list', service: this.service }, this.#timeoutMs, []);
    const names = new Set<string>();
    if (Array.isArray(accounts)) for (const a of accounts) if (typeof a === 'string' && isSecretName(a)) names.add(a);
    return [...names].sort();
  }
}

/**
 * Checks that the keychain can store, read and delete an item: writes and removes one probe item
 * (a random non-secret value) under the service. Never throws for an unusable keychain and gives up
 * after timeoutMs (default 10 s). Where a desktop keyring is locked, the write may show the system
 * unlock prompt; an answer within the limit counts.
 */
export async function probeKeychain(options: KeychainOptions = {}): Promise<KeychainProbeResult> {
  const service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
  checkService(service);
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const value = randomBytes(12).toString('hex');
  try {
    const matched = await call({ op: 'probe', service, account: PROBE_ACCOUNT, value }, timeoutMs, [value]);
    if (matched === true) return { available: true };
    return { available: false, code: 'KEYCHAIN_UNAVAILABLE', reason: REASONS['roundtrip-mismatch'], reasonCode: 'roundtrip-mismatch' };
  } catch (err) {
    const e = wrap(err, [value], timeoutMs);
    const reasonCode = e.details['reasonCode'] as KeychainReasonCode;
    return { available: false, code: e.code as KeychainFailureCode, reason: REASONS[reasonCode], reasonCode };
  }
}

/** Throws the probe's KEYCHAIN_UNAVAILABLE / KEYCHAIN_LOCKED error when the keychain is not usable. */
export async function assertKeychainUsable(options: KeychainOptions = {}): Promise<void> {
  const probe = await probeKeychain(options);
  if (probe.available) return;
  throw new EngineError(probe.code ?? 'KEYCHAIN_UNAVAILABLE', {
    reason: probe.reason ?? REASONS.failed,
    reasonCode: probe.reasonCode ?? 'failed',
  });
}
