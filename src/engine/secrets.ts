/**
 * Use cases: the stored credentials (names only ever leave the engine, never values), and resolving how to sign
 * in to a FHIR server from files or named secrets.
 */
import { readFile } from 'node:fs/promises';
import { REPOSITORY_PASSWORD_SECRET } from '../secrets/names.js';
import { assertSecretName } from '../secrets/names.js';
import type { SecretStore } from '../secrets/types.js';
import type { SourceAuth } from '../source/fhir/auth.js';
import type { SourceAuthSetting } from '../shared/contract.js';
import { EngineError } from '../shared/errors.js';
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
      return { kind: 'smart', clientId: a.clientId, tokenUrl: a.tokenUrl, privateKeyPem: await secretValue('SMART key', a.keyFile, a.keySecret, store), ...(a.keyId ? { keyId: a.keyId } : {}), ...(a.scope ? { scope: a.scope } : {}), ...(a.scopes ? { scopes: a.scopes } : {}) };
  }
}
