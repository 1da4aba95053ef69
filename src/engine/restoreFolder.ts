/**
 * Use cases: a restore to a folder of NDJSON files and its plan. Apart from the server restores (restore.ts) because a
 * one-patient restore is measured from process start (docs/benchmarks.md: ≤ 0.5 s): the restorer's folder path is
 * loaded by import() of its own file, so this use case compiles neither the FHIR client, the server restore, the
 * folder-source restore nor the archiver.
 */
import path from 'node:path';
import { assertResourceTypes, EngineError, type FolderRestorePlan, type LongOperationOptions, type RestoreResult, type RestoreScopeRequest, type RestoreToFolderRequest } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { restoreRun } from './runs.js';

export const PLAN_TASK = { kind: 'restore', title: 'task.title.restorePlan', cancelled: 'task.cancelled.readOnly' } as const;

/** The restorer's folder path: snapshot and row selection, the NDJSON writer (src/restorer/folderRestore.ts). */
const folderRestorer = () => import('../restorer/folderRestore.js');

/** What a request selects: some types, one patient (with the resources shared with others, when asked). */
export function selection(request: RestoreScopeRequest): { types?: readonly string[]; patient?: string; includeShared?: boolean } {
  return { ...(request.types ? { types: request.types } : {}), ...(request.patient ? { patient: request.patient } : {}), ...(request.patient && request.includeShared ? { includeShared: true } : {}) };
}

/** Restores to a folder of NDJSON files; needs `confirmed`. */
export async function restoreToFolder(ctx: EngineContext, request: RestoreToFolderRequest & { asOf?: string }, options: LongOperationOptions = {}): Promise<RestoreResult> {
  assertResourceTypes(request.types);
  if (!request.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
  // Compiled while the repository opens: the key's derivation (scrypt of a password, or the keychain's helper
  // process) leaves this thread idle for 60-200 ms. A failure to load surfaces where it is awaited.
  const loading = folderRestorer();
  loading.catch(() => undefined);
  return restoreRun(
    ctx,
    {
      task: { kind: 'restore', title: 'task.title.restoreFolder', cancelled: 'task.cancelled.restoreFolder' },
      target: path.resolve(request.target),
      summary: (x) => ({ status: x.failures.length > 0 ? 'partial' : 'success', snapshotId: x.snapshotId, resourcesTotal: x.resources, bytesRead: x.bytesRead }),
      audit: (r) => ['restore.folder', { snapshot: r.snapshotId, target: r.target, resources: r.resources, types: [...(request.types ?? [])], patient: request.patient ?? null }],
    },
    options,
    async (repo, o, started) => {
      const { assertPatientExists, checkTypesInSnapshot, resolveSnapshot, restoreToNdjson } = await loading;
      const readBefore = repo.bytesRead;
      const snap = await resolveSnapshot(repo, { snapshot: request.snapshot, ...(request.asOf ? { asOf: request.asOf } : {}) });
      const missingTypes = checkTypesInSnapshot(snap, request.types);
      await repo.loadIndex(o.signal);
      if (request.patient) await assertPatientExists(repo, snap, request.patient, o.signal);
      const result = await restoreToNdjson(repo, snap, path.resolve(request.target), request, o);
      // Everything this restore read from packs, the patient check's tree reads included.
      return { ...result, missingTypes, bytesRead: repo.bytesRead - readBefore, durationMs: Date.now() - started };
    },
  );
}

/** What a restore to a folder would write (counts per type; one patient: the shared resources left out). Writes nothing. */
export function planRestoreToFolder(ctx: EngineContext, request: RestoreScopeRequest, options: LongOperationOptions = {}): Promise<FolderRestorePlan> {
  return ctx.tasks.run(PLAN_TASK, options, async (o) => {
    const { assertPatientExists, checkTypesInSnapshot, resolveSnapshot, selectForRestore } = await folderRestorer();
    const repo = await ctx.repo();
    const lock = await repo.lock('shared', 'restore plan');
    try {
      assertResourceTypes(request.types);
      const snap = await resolveSnapshot(repo, request);
      const missingTypes = checkTypesInSnapshot(snap, request.types);
      await repo.loadIndex(o.signal);
      if (request.patient) await assertPatientExists(repo, snap, request.patient, o.signal);
      const { rows, shared, sharedIncluded, listingLost } = await selectForRestore(repo, snap, selection(request), o.signal);
      const counts: Record<string, number> = {};
      let resources = 0;
      let bytes = 0;
      for (const [type, list] of rows) {
        counts[type] = list.length;
        resources += list.length;
        for (const r of list) bytes += r.size;
      }
      return { snapshotId: snap.id, snapshotTime: snap.manifest.time, counts, resources, bytes, shared, sharedIncluded, listingLost, missingTypes };
    } finally {
      await lock.release();
    }
  });
}
