/**
 * Use cases: the stored credentials (names only ever leave the engine, never values), and resolving how to sign
 * in to a FHIR server from files or named secrets.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertSecretName, probeKeychain, REPOSITORY_PASSWORD_SECRET, type SecretStore } from '../secrets/index.js';
import type { SourceAuth } from '../source/index.js';
import { EngineError, type SourceAuthSetting } from '../shared/index.js';
import type { EngineContext } from './context.js';

export async function listSecrets(ctx: EngineContext): Promise<string[]> {
  return (await (await ctx.credentialStore()).list()).filter((n) => !n.startsWith('repo-') && n !== REPOSITORY_PASSWORD_SECRET).sort();
}

/** Stores or rotates a credential; takes effect on the next run. The audit trail records the name only. */
export async function setSecret(ctx: EngineContext, name: string, value: string): Promise<void> {
  assertSecretName(name);
  if (name.startsWith('repo-')) throw new EngineError('INVALID_ARGUMENT', { field: 'secret name', reason: 'names starting with "repo-" are reserved' });
  const store = await ctx.credentialStore();
  const existed = (await store.get(name)) !== null;
  await store.set(name, value);
  await ctx.record(existed ? 'secret.rotate' : 'secret.set', { name });
}

export async function deleteSecret(ctx: EngineContext, name: string): Promise<boolean> {
  assertSecretName(name);
  const deleted = await (await ctx.credentialStore()).delete(name);
  if (deleted) await ctx.record('secret.delete', { name });
  return deleted;
}

async function readSecretFile(file: string, field: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // Which file could not be read is what the user needs; the system's wording adds nothing.
    throw new EngineError('PASSWORD_FILE_UNREADABLE', { path: file });
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (!value) throw new EngineError('INVALID_ARGUMENT', { field, reason: 'the file is empty' });
  return value;
}

/** A credential from a file or from a named secret in the SecretStore. */
async function secretValue(field: string, file: string | undefined, name: string | undefined, store: () => Promise<SecretStore>): Promise<string> {
  if (file) return readSecretFile(file, field);
  if (name) {
    const value = await (await store()).get(name);
    if (value === null) throw new EngineError('SECRET_NOT_FOUND', { name });
    return value;
  }
  throw new EngineError('INVALID_ARGUMENT', { field, reason: 'give a file or the name of a stored secret' });
}

/** How to sign in to a FHIR server, with the secret values read now (never kept). */
export async function resolveSourceAuth(ctx: EngineContext, a: SourceAuthSetting): Promise<SourceAuth> {
  const store = (): Promise<SecretStore> => ctx.credentialStore();
  switch (a.kind) {
    case 'none':
      return { kind: 'none' };
    case 'bearer':
      return { kind: 'bearer', token: await secretValue('token', a.tokenFile, a.tokenSecret, store) };
    case 'basic':
      return { kind: 'basic', username: a.username, password: await secretValue('password', a.passwordFile, a.passwordSecret, store) };
    case 'smart':
      return {
        kind: 'smart',
        clientId: a.clientId,
        tokenUrl: a.tokenUrl,
        privateKeyPem: await secretValue('SMART key', a.keyFile, a.keySecret, store),
        ...(a.keyId ? { keyId: a.keyId } : {}),
        ...(a.scope ? { scope: a.scope } : {}),
        ...(a.scopes ? { scopes: a.scopes } : {}),
      };
  }
}

/** The shortest passphrase the clinic may choose for its owner-only passphrase file. */
export const MIN_CLINIC_PASSPHRASE = 12;

/** Where the clinic's chosen passphrase is kept on a computer without a keychain, and its credentials beside it. */
export function clinicPassphrasePaths(stateRoot: string): { passwordFile: string; secretsDir: string } {
  return { passwordFile: path.join(stateRoot, 'clinic-passphrase'), secretsDir: path.join(stateRoot, 'secrets') };
}

/**
 * The supported alternative to a keychain: the passphrase the clinic chooses, kept in a file only this user can
 * read (0600, in a 0700 folder), with the credentials in files beside it. Refused: a short passphrase, and
 * replacing a different passphrase already kept there (the repository it opens would be locked out).
 */
export async function saveClinicPassphrase(stateRoot: string, passphrase: string): Promise<{ passwordFile: string; secretsDir: string }> {
  if (typeof passphrase !== 'string' || [...passphrase.trim()].length < MIN_CLINIC_PASSPHRASE) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'passphrase', reason: `at least ${MIN_CLINIC_PASSPHRASE} characters` });
  }
  const paths = clinicPassphrasePaths(stateRoot);
  await mkdir(stateRoot, { recursive: true, mode: 0o700 });
  await mkdir(paths.secretsDir, { recursive: true, mode: 0o700 });
  let existing: string | null = null;
  try {
    if ((await stat(paths.passwordFile)).isFile()) existing = (await readFile(paths.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  } catch {
    existing = null;
  }
  if (existing !== null && existing !== passphrase) throw new EngineError('INVALID_ARGUMENT', { field: 'passphrase', reason: 'another passphrase is already kept on this computer' });
  await writeFile(paths.passwordFile, passphrase + '\n', { mode: 0o600 });
  return paths;
}

/** Whether the OS keychain can be used: probed (a write, read and delete of a harmless item) when it would be. */
export async function keychainStatus(ctx: EngineContext): Promise<'available' | 'unavailable' | 'not-used'> {
  if (ctx.options.secretStore) return 'available';
  if (ctx.options.passwordFile) return 'not-used';
  const service = ctx.options.keychainService;
  return (await probeKeychain({ ...(service ? { service } : {}), timeoutMs: 5000 })).available ? 'available' : 'unavailable';
}
