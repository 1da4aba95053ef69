/**
 * Use cases: creating and connecting to a repository, its key slots, and the printed recovery kit (words, the
 * confirmation ceremony, reprints and rotation).
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { encodeRecoveryKey, normalizeRecoveryWord, parseRecoveryKey, pickConfirmationWords, type RecoveryKeyLanguage } from '../crypto/index.js';
import { refreshSnapshotCache } from '../catalog/index.js';
import { Repository } from '../repository/index.js';
import {
  type ConnectResult,
  EngineError,
  ensurePrivateDir,
  type InitRequest,
  type InitResult,
  isEngineError,
  type KeySlotSummary,
  type RecoveryKitStatus,
  type RecoveryKitWords,
  writePrivateFile,
} from '../shared/index.js';
import type { EngineContext } from './context.js';
import { ProbedKeychain } from './probedKeychain.js';

const CHALLENGE_FILE = 'kit-challenge.json';

function challengeName(repoId: string): string {
  return `repo-${repoId}-kit-challenge`;
}

/**
 * Remembers two words of a recovery key so the user can prove the kit was written down. `restart` (a new key)
 * marks the kit unconfirmed and dated now; a reprint only adds the missing challenge.
 */
async function storeKitChallenge(ctx: EngineContext, repoId: string, lines: string[][], options: { restart: boolean } = { restart: true }): Promise<[number, number]> {
  const { positions } = pickConfirmationWords(lines);
  const words = lines.flat();
  const challenge = JSON.stringify({ positions, words: positions.map((p) => normalizeRecoveryWord(words[p - 1] as string)) });
  const store = await ctx.credentialStore();
  try {
    await store.set(challengeName(repoId), challenge);
  } catch (err) {
    // A password-file store without a secrets folder cannot hold it: a 0600 file in the local state folder does.
    if (!isEngineError(err)) throw err;
    const file = path.join(ctx.stateDir(repoId), CHALLENGE_FILE);
    await ensurePrivateDir(path.dirname(file));
    await writePrivateFile(file, challenge);
  }
  const catalog = await ctx.catalog();
  if (options.restart) {
    catalog.setSetting('recoveryKit.confirmedAt', null);
    catalog.setSetting('recoveryKit.createdAt', ctx.clock.now().toISOString());
  }
  await ctx.bus.publish('settings-changed', {});
  return positions;
}

async function loadKitChallenge(ctx: EngineContext, repoId: string): Promise<{ positions: [number, number]; words: string[] } | null> {
  let fromStore: string | null = null;
  try {
    // Absent from the store is normal (kept in the state folder): no keychain probe for it.
    const store = await ctx.credentialStore();
    fromStore = await (store instanceof ProbedKeychain ? store.peek(challengeName(repoId)) : store.get(challengeName(repoId)));
  } catch (err) {
    // The keychain is locked or gone: the state folder may hold the challenge; the logs say why the store did not.
    if (!isEngineError(err)) throw err;
    ctx.bus.diagnostic('recovery kit challenge', err);
  }
  const text = fromStore ?? (await ctx.readStateFile(repoId, CHALLENGE_FILE));
  return text ? (JSON.parse(text) as { positions: [number, number]; words: string[] }) : null;
}

export async function init(ctx: EngineContext, request: InitRequest): Promise<InitResult> {
  const passphrase = request.passphrase ?? (await ctx.passphraseFromFile()) ?? undefined;
  const secretStore = request.useKeychain ? await ctx.probedSecretStore() : undefined;
  if (!passphrase && !secretStore) throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'use the keychain or a password file' });
  const backend = await ctx.backendFor(ctx.options.repo, 'create');
  const { repo, recoveryKey, slots } = await Repository.init(backend, { passphrase, secretStore });
  ctx.adoptRepository(repo);
  await ctx.record('repository.init', { repoId: repo.id, location: ctx.location, slots: slots.map((s) => `${s.kind}:${s.id}`) });
  await ctx.saveResidencyAcks();
  const lines = recoveryKey ? encodeRecoveryKey(recoveryKey, request.recoveryLanguage ?? 'pt-BR') : null;
  const confirmPositions = lines ? await storeKitChallenge(ctx, repo.id, lines) : null;
  return { repoId: repo.id, location: ctx.location, slots, recoveryKey: lines, confirmPositions };
}

/**
 * Recovery on a new machine: opens the repository with the printed recovery key alone, adds a key slot for
 * this machine (keychain, or the password file's passphrase when headless), and rebuilds the local catalog.
 */
export async function connect(ctx: EngineContext, request: { recoveryKey: string; useKeychain: boolean }): Promise<ConnectResult> {
  const key = parseRecoveryKey(request.recoveryKey);
  const backend = await ctx.openPrimaryBackend();
  const repo = await Repository.open(backend, { recoveryKey: Buffer.from(key) });
  ctx.adoptRepository(repo);
  const lock = await repo.lock('exclusive', 'connect');
  try {
    const passphrase = await ctx.passphraseFromFile();
    let slot: KeySlotSummary;
    if (request.useKeychain) slot = (await repo.addKey('keychain', { secretStore: await ctx.probedSecretStore() })).slot;
    else if (passphrase) {
      const opens = await Repository.open(backend, { passphrase }).then(
        () => true,
        (err: unknown) => {
          // A wrong passphrase means this machine's passphrase is not a slot yet; anything else is a real failure.
          if (isEngineError(err, 'WRONG_PASSWORD')) return false;
          throw err;
        },
      );
      slot = opens ? ((await repo.listKeys()).find((k) => k.kind === 'passphrase') as KeySlotSummary) : (await repo.addKey('passphrase', { passphrase })).slot;
    } else throw new EngineError('INVALID_ARGUMENT', { field: 'key', reason: 'use the keychain or a password file' });
    const snapshots = await refreshSnapshotCache(await ctx.catalog(), repo, ctx.location);
    await ctx.record('repository.connect', { slot: slot.id, kind: slot.kind });
    return { repoId: repo.id, location: ctx.location, slot, snapshots };
  } finally {
    await lock.release();
  }
}

export async function listKeys(ctx: EngineContext): Promise<KeySlotSummary[]> {
  return (await ctx.repo()).listKeys();
}

export async function addKey(
  ctx: EngineContext,
  kind: 'keychain' | 'passphrase' | 'recovery',
  options: { passphrase?: string; name?: string; language?: RecoveryKeyLanguage } = {},
): Promise<{ slot: KeySlotSummary; recoveryKey: string[][] | null }> {
  const repo = await ctx.repo();
  const lock = await repo.lock('exclusive', 'key add');
  try {
    const secretStore = kind === 'keychain' ? await ctx.probedSecretStore() : undefined;
    const r = await repo.addKey(kind, { passphrase: options.passphrase, name: options.name, secretStore });
    await ctx.record('key.add', { slot: r.slot.id, kind: r.slot.kind, name: r.slot.name });
    return { slot: r.slot, recoveryKey: r.recoveryKey ? encodeRecoveryKey(r.recoveryKey, options.language ?? 'pt-BR') : null };
  } finally {
    await lock.release();
  }
}

export async function removeKey(ctx: EngineContext, slotId: string): Promise<void> {
  const repo = await ctx.repo();
  const lock = await repo.lock('exclusive', 'key remove');
  try {
    const slots = await repo.listKeys();
    const target = slots.find((s) => s.id === slotId || (slotId.length >= 4 && s.id.startsWith(slotId)));
    if (!target) throw new EngineError('KEY_SLOT_NOT_FOUND', { slot: slotId });
    let secretStore;
    if (target.kind === 'keychain') {
      try {
        secretStore = await ctx.probedSecretStore();
      } catch (err) {
        // No keychain on this machine: the slot goes from the repository; its keychain entry (elsewhere) stays.
        if (!isEngineError(err)) throw err;
      }
    }
    await repo.removeKey(target.id, secretStore);
    await ctx.record('key.remove', { slot: target.id, kind: target.kind });
  } finally {
    await lock.release();
  }
}

/**
 * Replaces the recovery key: the printed kit stops working. The new slot is verified before older recovery slots
 * are removed; the confirmation ceremony starts again.
 */
export async function rotateRecoveryKey(ctx: EngineContext, request: { confirmed: boolean; language?: RecoveryKeyLanguage }): Promise<RecoveryKitWords> {
  if (request.confirmed !== true) throw new EngineError('CONFIRMATION_REQUIRED', { action: 'recovery-kit rotate' });
  const language = request.language ?? 'pt-BR';
  const repo = await ctx.repo();
  const lock = await repo.lock('exclusive', 'recovery key');
  try {
    const before = (await repo.listKeys()).filter((s) => s.kind === 'recovery');
    const { slot, recoveryKey } = await repo.addKey('recovery', { name: `recovery kit ${ctx.clock.now().toISOString().slice(0, 10)}` });
    if (!recoveryKey) throw new EngineError('INTERNAL', { reason: 'no recovery key made' });
    // Prove the new key opens the repository before the old ones go.
    const check = await Repository.open(repo.backend, { recoveryKey });
    if (check.openedWith?.id !== slot.id) throw new EngineError('INTERNAL', { reason: 'new recovery key did not verify' });
    for (const old of before) await repo.removeKey(old.id);
    await ctx.record('key.rotate-recovery', { slot: slot.id, removed: before.map((b) => b.id) });
    const lines = encodeRecoveryKey(recoveryKey, language);
    const confirmPositions = await storeKitChallenge(ctx, repo.id, lines);
    return { repoId: repo.id, location: ctx.location, slot, recoveryKey: lines, confirmPositions, confirmed: false };
  } finally {
    await lock.release();
  }
}

export async function recoveryKitStatus(ctx: EngineContext): Promise<RecoveryKitStatus> {
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const confirmedAt = (catalog.getSetting('recoveryKit.confirmedAt') as string | null | undefined) ?? null;
  const createdAt = (catalog.getSetting('recoveryKit.createdAt') as string | null | undefined) ?? null;
  const challenge = await loadKitChallenge(ctx, repo.id);
  return { confirmed: confirmedAt !== null, confirmedAt, createdAt, positions: challenge?.positions ?? null };
}

/** The current recovery key's words, to print the same kit again (any number of times; nothing changes). */
export async function recoveryKit(ctx: EngineContext, language: RecoveryKeyLanguage = 'pt-BR'): Promise<RecoveryKitWords> {
  const repo = await ctx.repo();
  const { slot, key } = await repo.currentRecoveryKey();
  const lines = encodeRecoveryKey(key, language);
  const status = await recoveryKitStatus(ctx);
  // A kit never confirmed on this computer (e.g. after connect) gets its ceremony; a pending one keeps its words.
  const confirmPositions = status.confirmed ? null : (status.positions ?? (await storeKitChallenge(ctx, repo.id, lines, { restart: false })));
  await ctx.record('recovery-kit.print', { slot: slot.id });
  return { repoId: repo.id, location: ctx.location, slot, recoveryKey: lines, confirmPositions, confirmed: status.confirmed };
}

/** The confirmation ceremony: the user types back the two words asked for. */
export async function confirmRecoveryKit(ctx: EngineContext, answers: readonly { position: number; word: string }[]): Promise<{ confirmedAt: string }> {
  const repo = await ctx.repo();
  const challenge = await loadKitChallenge(ctx, repo.id);
  if (!challenge) throw new EngineError('NOT_FOUND', { what: 'recovery kit to confirm (make one with "recovery-kit")' });
  // The kit may have been printed again in the other language: a word is right in either language.
  let current: { key: Uint8Array } | null = null;
  try {
    current = await repo.currentRecoveryKey();
  } catch (err) {
    // A repository that keeps no sealed copy of its key (RECOVERY_KEY_NOT_KEPT, or none): the challenge's words alone count.
    if (!isEngineError(err, 'RECOVERY_KEY_NOT_KEPT') && !isEngineError(err, 'NOT_FOUND')) throw err;
  }
  const wordsAt = (p: number, i: number): string[] => [
    challenge.words[i] as string,
    ...(current ? (['pt-BR', 'en'] as const).map((l) => normalizeRecoveryWord(encodeRecoveryKey(current.key, l).flat()[p - 1] as string)) : []),
  ];
  const ok = answers.length === challenge.positions.length && challenge.positions.every((p, i) => answers.some((a) => a.position === p && wordsAt(p, i).includes(normalizeRecoveryWord(a.word))));
  if (!ok) throw new EngineError('CONFIRMATION_MISMATCH');
  const confirmedAt = ctx.clock.now().toISOString();
  (await ctx.catalog()).setSetting('recoveryKit.confirmedAt', confirmedAt);
  try {
    await (await ctx.credentialStore()).delete(challengeName(repo.id));
  } catch (err) {
    // The kit is confirmed; a challenge left in an unavailable store is never asked again (the logs say why).
    if (!isEngineError(err)) throw err;
    ctx.bus.diagnostic('recovery kit challenge', err);
  }
  try {
    await unlink(path.join(ctx.stateDir(repo.id), CHALLENGE_FILE));
  } catch (err) {
    // Best effort: the challenge lives in the secret store, this file exists only without a secrets folder.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await ctx.record('recovery-kit.confirmed', { positions: [...challenge.positions] });
  return { confirmedAt };
}
