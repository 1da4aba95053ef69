/**
 * Use cases: the copies of the repository (3-2-1): adding and removing a copy (tested before anything is saved),
 * their state, bringing them up to date after each backup, and replicating on demand.
 */
import { createHash } from 'node:crypto';
import { type Backend, copyPlanOf, ejectDrive } from '../backend/index.js';
import { type JsonValue, refreshSnapshotCache, storedCopiesOf } from '../catalog/index.js';
import { prepareTarget, replicate as replicateFiles, type ReplicateResult, type Repository } from '../repository/index.js';
import { type AddCopyRequest, type AddCopyResult, type CopyOutcome, type DestinationState, EngineError, isEngineError, type LongOperationOptions } from '../shared/index.js';
import { osUser, type EngineContext } from './context.js';
import { track } from './runs.js';

const DAY_MS = 24 * 3600_000;

/** The catalog's id of a destination. */
export function destinationId(location: string): string {
  return createHash('sha256').update(location).digest('hex').slice(0, 16);
}

/** Closes a backend opened for one operation; a close that fails changes nothing already done (the logs say so). */
async function closeBackend(ctx: EngineContext, backend: Backend): Promise<void> {
  try {
    await backend.close();
  } catch (err) {
    ctx.bus.diagnostic('close destination', err);
  }
}

/**
 * After a snapshot is committed: brings every configured copy up to date. An unplugged drive is offline
 * (reported, not a failure); a full or failing destination makes the run partial while the others complete.
 */
export async function replicateCopies(ctx: EngineContext, repo: Repository, options: LongOperationOptions): Promise<CopyOutcome[]> {
  const catalog = await ctx.catalog();
  await refreshSnapshotCache(catalog, repo, ctx.location);
  const outcomes: CopyOutcome[] = [];
  for (const copy of ctx.copies()) {
    const id = destinationId(copy.location);
    catalog.upsertDestination({ id, location: copy.location, kind: copy.kind === 's3' ? 's3' : 'local', label: copy.label ?? `${copy.kind}:${copy.location}`, repoId: repo.id });
    let backend: Backend;
    try {
      backend = await ctx.targetBackend(copy.location);
    } catch (err) {
      const code = isEngineError(err) ? err.code : 'INTERNAL';
      const offline = code === 'DEST_OFFLINE' || code === 'REPO_MARKER_MISSING';
      catalog.recordDestinationStatus(id, { ok: false, errorCode: code, offline });
      outcomes.push({ location: copy.location, state: offline ? 'offline' : 'failed', copied: 0, errorCode: code, ejected: null });
      continue;
    }
    try {
      const r = await replicateFiles(repo.backend, backend, { signal: options.signal, onProgress: options.onProgress });
      const cap = await capacityOf(ctx, backend);
      catalog.recordDestinationStatus(id, {
        ok: r.complete,
        errorCode: r.stopped?.code ?? r.failed[0]?.code ?? null,
        capacityTotal: cap?.totalBytes ?? null,
        capacityFree: cap?.freeBytes ?? null,
        offline: false,
      });
      let ejected: boolean | null = null;
      if (r.complete) {
        const snaps = catalog.listSnapshots();
        catalog.replaceSnapshots(snaps.map((s) => ({ ...s, destinations: [...new Set([...s.destinations, copy.location])] })));
        if (copy.kind === 'usb' && copy.eject) ejected = (await ejectDrive(copy.location)).ejected;
      }
      outcomes.push({ location: copy.location, state: r.complete ? 'ok' : 'partial', copied: r.copied, errorCode: r.complete ? null : (r.stopped?.code ?? r.failed[0]?.code ?? null), ejected });
    } catch (err) {
      if (isEngineError(err, 'CANCELLED')) throw err;
      const code = isEngineError(err) ? err.code : 'INTERNAL';
      catalog.recordDestinationStatus(id, { ok: false, errorCode: code, offline: code === 'DEST_OFFLINE' });
      outcomes.push({ location: copy.location, state: code === 'DEST_OFFLINE' ? 'offline' : 'failed', copied: 0, errorCode: code, ejected: null });
    } finally {
      await closeBackend(ctx, backend);
    }
  }
  return outcomes;
}

/** Size and free space of a destination, null when it cannot say (S3, or the query failed: the logs say why). */
export async function capacityOf(ctx: EngineContext, backend: Backend): Promise<{ totalBytes: number; freeBytes: number } | null> {
  try {
    return await backend.capacity();
  } catch (err) {
    ctx.bus.diagnostic('destination capacity', err);
    return null;
  }
}

/** State of every configured copy: last update, newest snapshot held, USB rotation overdue. */
export async function destinations(ctx: EngineContext): Promise<DestinationState[]> {
  const catalog = await ctx.catalog();
  const now = ctx.clock.now().getTime();
  const snaps = catalog.listSnapshots();
  const verifyRuns = catalog.listRuns({ kind: 'verify-copy', limit: 10_000 });
  return ctx.copies().map((copy) => {
    const rec = catalog.getDestination(destinationId(copy.location));
    const v = verifyRuns.find((r) => r.destination === copy.location && (r.status === 'success' || r.status === 'failed'));
    const verification = v ? { at: v.endedAt ?? v.startedAt, ok: v.status === 'success', slice: /slice (\d+\/\d+)/.exec(v.errorMessage ?? '')?.[1] ?? null, errorCode: v.errorCode } : null;
    const held = snaps.filter((s) => s.destinations.includes(copy.location)).sort((a, b) => b.time.localeCompare(a.time))[0];
    const rotateMs = (copy.rotateDays ?? 7) * DAY_MS;
    const overdue = copy.kind === 'usb' ? !rec?.lastSuccessAt || now - Date.parse(rec.lastSuccessAt) > rotateMs : false;
    return {
      location: copy.location,
      kind: copy.kind,
      label: copy.label ?? copy.location,
      lastSuccessAt: rec?.lastSuccessAt ?? null,
      offline: rec?.offline ?? false,
      errorCode: rec?.lastErrorCode ?? null,
      latestSnapshot: held?.id ?? null,
      overdue,
      verification,
    };
  });
}

/**
 * Adds a copy of this repository from the user interface (setup wizard, destinations screen). The destination is
 * tested first with the credentials given (reach, permission, region, residency, holds this repository or nothing)
 * and its marker written; only then are the credentials stored in the secret store and the copy saved in
 * settings. On any failure nothing is saved. The content follows with the next backup.
 */
export async function addCopy(ctx: EngineContext, request: AddCopyRequest, options: LongOperationOptions = {}): Promise<AddCopyResult> {
  const repo = await ctx.repo();
  const catalog = await ctx.catalog();
  const { config, given, residency } = copyPlanOf(request);
  if (config.location === ctx.location || ctx.copies().some((c) => c.location === config.location)) {
    throw new EngineError('INVALID_ARGUMENT', { field: request.kind === 's3' ? 'bucket' : 'path', reason: 'already a copy of this repository' });
  }
  let backend: Backend;
  try {
    backend = await ctx.backendFor(config.location, 'open', given);
  } catch (err) {
    if (!isEngineError(err, 'REPO_MARKER_MISSING') && !(request.kind !== 's3' && isEngineError(err, 'DEST_OFFLINE'))) throw err;
    backend = await ctx.backendFor(config.location, 'create', given);
  }
  let existing: boolean;
  try {
    existing = (await prepareTarget(repo.backend, backend, options.signal)).existing;
  } finally {
    await closeBackend(ctx, backend);
  }
  if (given && request.kind === 's3') {
    const store = await ctx.credentialStore();
    await store.set(`s3:${request.bucket}:access-key-id`, given.credentials.accessKeyId);
    await store.set(`s3:${request.bucket}:secret-access-key`, given.credentials.secretAccessKey);
  }
  const actor = osUser();
  if (residency === 'acknowledged' && given) {
    const acks = { ...((catalog.getSetting('residency.acknowledgements') as Record<string, JsonValue> | undefined) ?? {}) };
    acks[config.location] = { region: given.region, by: actor, at: ctx.clock.now().toISOString() };
    catalog.setSetting('residency.acknowledgements', acks, actor);
  }
  const stored = [...storedCopiesOf(catalog), config];
  ctx.setStoredCopies(stored);
  catalog.setSetting('copies', stored as unknown as JsonValue, actor);
  await ctx.record('copy.added', { location: config.location, kind: config.kind, existing, residency });
  ctx.emit({ type: 'status-changed' });
  return { location: config.location, kind: config.kind, label: config.label ?? config.location, existing, residency };
}

/** Stops keeping a copy added from the user interface. Its data stays where it is; its credentials are forgotten. */
export async function removeCopy(ctx: EngineContext, location: string): Promise<{ removed: boolean }> {
  const catalog = await ctx.catalog();
  const stored = storedCopiesOf(catalog);
  const copy = stored.find((c) => c.location === location);
  if (!copy) {
    if (ctx.copies().some((c) => c.location === location)) throw new EngineError('INVALID_ARGUMENT', { field: 'location', reason: 'this copy is given on the command line or in the environment' });
    return { removed: false };
  }
  const rest = stored.filter((c) => c.location !== location);
  ctx.setStoredCopies(rest);
  catalog.setSetting('copies', rest as unknown as JsonValue, osUser());
  const bucket = ctx.bucketOf(location);
  if (bucket !== null && !rest.some((c) => ctx.bucketOf(c.location) === bucket)) await forgetBucketCredentials(ctx, bucket);
  await ctx.record('copy.removed', { location });
  ctx.emit({ type: 'status-changed' });
  return { removed: true };
}

/** The credentials of a bucket no copy uses any more are removed from the secret store. */
async function forgetBucketCredentials(ctx: EngineContext, bucket: string): Promise<void> {
  try {
    const store = await ctx.credentialStore();
    await store.delete(`s3:${bucket}:access-key-id`);
    await store.delete(`s3:${bucket}:secret-access-key`);
  } catch (err) {
    // The copy is removed either way; credentials left in an unavailable store are unused (the logs say so).
    if (!isEngineError(err)) throw err;
    ctx.bus.diagnostic('forget bucket credentials', err);
  }
}

/** Copies what another destination lacks (resumable; verifies ids on arrival). From this repository unless `from` is given. */
export async function replicate(ctx: EngineContext, request: { to: string; from?: string }, options: LongOperationOptions = {}): Promise<ReplicateResult> {
  return ctx.tasks.run({ kind: 'replicate', title: 'task.title.replicate', cancelled: 'task.cancelled.replicate' }, options, async (o) => {
    const repo = await ctx.repo();
    const lock = await repo.lock('shared', 'replicate');
    const opened: Backend[] = [];
    try {
      const from = request.from ? await ctx.backendFor(request.from, 'open') : repo.backend;
      if (from !== repo.backend) opened.push(from);
      const to = await ctx.targetBackend(request.to);
      opened.push(to);
      const result = await track(
        ctx,
        'replicate',
        () => replicateFiles(from, to, { signal: o.signal, onProgress: o.onProgress }),
        (r) => ({ status: r.complete ? 'success' : 'partial', bytesAdded: r.bytes }),
      );
      await ctx.record('replicate', { from: from.location, to: to.location, copied: result.copied, complete: result.complete });
      await ctx.saveResidencyAcks();
      return result;
    } finally {
      for (const b of opened) await closeBackend(ctx, b);
      await lock.release();
    }
  });
}
