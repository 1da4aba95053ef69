/**
 * Use cases: restores into a FHIR server (planned first, then written, each a task that can be cancelled and
 * resumed), listing a snapshot's resources, reading one resource, and finding a patient for the one-patient restore.
 * The restore to a folder is in restoreFolder.ts.
 */
import { readResource, type Repository, type ResourceRow, type SnapshotRecord, snapshotRows } from '../repository/index.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { restoreOrder, TIER_TYPES } from '../policy/index.js';
import {
  assertPatientExists,
  checkTypesInSnapshot,
  executeFhirRestore,
  type FhirRestoreOptions,
  listResources,
  type PatientDirectory,
  planFhirRestore,
  resolveSnapshot,
  selectRows,
} from '../restorer/index.js';
import { authProvider, FhirHttp } from '../source/index.js';
import {
  EngineError,
  ensurePrivateDir,
  type FhirRestoreResult,
  type LongOperationOptions,
  type PatientSearchResult,
  type ResourceListing,
  type ResourceListResult,
  type RestorePlan,
  type RestoreScopeRequest,
  type ServerRestoreRequest,
  assertResourceTypes,
} from '../shared/index.js';
import type { EngineContext } from './context.js';
import { PLAN_TASK, selection } from './restoreFolder.js';
import { restoreRun } from './runs.js';
import { resolveSourceAuth } from './secrets.js';

async function serverRestoreSetup(
  ctx: EngineContext,
  repo: Repository,
  request: ServerRestoreRequest,
  options: LongOperationOptions,
): Promise<{ snap: SnapshotRecord; opts: FhirRestoreOptions; missingTypes: string[] }> {
  assertResourceTypes(request.types);
  const snap = await resolveSnapshot(repo, request);
  const missingTypes = checkTypesInSnapshot(snap, request.types);
  await repo.loadIndex(options.signal);
  if (request.patient) await assertPatientExists(repo, snap, request.patient, options.signal);
  const http = new FhirHttp({ baseUrl: request.target, auth: authProvider(await resolveSourceAuth(ctx, request.auth)) });
  const scope = JSON.stringify([snap.id, http.base.href, [...(request.types ?? [])].sort(), request.patient ?? null, ...(request.includeShared ? ['shared'] : [])]);
  const stateDir = ctx.stateDir(repo.id);
  await ensurePrivateDir(stateDir);
  const journalFile = path.join(stateDir, `restore-${createHash('sha256').update(scope).digest('hex').slice(0, 16)}.journal`);
  // Old → new ids (targets that assign their own) and attachment URLs, per target and source: kept for later restores.
  const mapFile = path.join(
    stateDir,
    `target-${createHash('sha256')
      .update(JSON.stringify([http.base.href, snap.manifest.source.location]))
      .digest('hex')
      .slice(0, 16)}.map`,
  );
  const opts: FhirRestoreOptions = {
    http,
    orderTypes: (types) => restoreOrder(types),
    criticalTypes: TIER_TYPES.critical,
    journalFile,
    mapFile,
    includeAdministration: request.includeAdministration === true,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  return { snap, opts, missingTypes };
}

/** What a restore into a FHIR server would do, including resources newer on the target. Writes nothing. */
export function planRestoreToServer(ctx: EngineContext, request: ServerRestoreRequest, options: LongOperationOptions = {}): Promise<RestorePlan> {
  return ctx.tasks.run(PLAN_TASK, options, async (o) => {
    const repo = await ctx.repo();
    const lock = await repo.lock('shared', 'restore plan');
    try {
      const { snap, opts, missingTypes } = await serverRestoreSetup(ctx, repo, request, o);
      return { ...(await planFhirRestore(repo, snap, selection(request), opts)).plan, missingTypes };
    } finally {
      await lock.release();
    }
  });
}

/** Restores into a FHIR server; needs `confirmed`. Resumes an interrupted restore of the same scope. */
export async function restoreToServer(
  ctx: EngineContext,
  request: ServerRestoreRequest & { confirmed: boolean; verify?: 'none' | 'sample' | 'all' },
  options: LongOperationOptions = {},
): Promise<FhirRestoreResult & { plan: RestorePlan }> {
  if (!request.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
  return restoreRun(
    ctx,
    {
      task: { kind: 'restore', title: 'task.title.restoreServer', cancelled: 'task.cancelled.restoreServer' },
      summary: (x) => ({ status: x.failures.length > 0 ? 'partial' : 'success', snapshotId: x.snapshotId, resourcesTotal: x.restored, bytesRead: x.bytesRead }),
      audit: (r) => [
        'restore.server',
        {
          snapshot: r.snapshotId,
          target: r.target,
          resources: r.restored,
          failures: r.failures.length,
          types: [...(request.types ?? [])],
          patient: request.patient ?? null,
        },
      ],
    },
    options,
    async (repo, o) => {
      const { snap, opts, missingTypes } = await serverRestoreSetup(ctx, repo, request, o);
      const { plan, rows } = await planFhirRestore(repo, snap, selection(request), { ...opts, preview: false });
      const { mapping: _mapping, ...result } = await executeFhirRestore(repo, snap, plan, rows, { ...opts, confirmed: true, ...(request.verify ? { verify: request.verify } : {}) });
      return { ...result, plan: { ...plan, missingTypes } };
    },
  );
}

/** Lists the resources of a snapshot (optionally one type or one patient's compartment). */
export async function ls(ctx: EngineContext, request: RestoreScopeRequest): Promise<ResourceListResult> {
  assertResourceTypes(request.types);
  const repo = await ctx.repo();
  const snap = await resolveSnapshot(repo, request);
  const missingTypes = checkTypesInSnapshot(snap, request.types);
  // The listing is made of tree blobs: the index is needed for every ls, not only --patient.
  await repo.loadIndex();
  if (request.patient) await assertPatientExists(repo, snap, request.patient);
  const rows: ResourceRow[] = [];
  for await (const row of snapshotRows(repo, snap, { ...(request.types ? { types: request.types } : {}), ...(request.patient ? { patient: request.patient } : {}) })) rows.push(row);
  const resources: ResourceListing[] = await listResources(repo, rows);
  return { snapshotId: snap.id, resources, missingTypes };
}

/** One resource's stored bytes. */
export async function dump(ctx: EngineContext, snapshot: string, reference: string): Promise<{ snapshotId: string; bytes: Buffer }> {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (!m) throw new EngineError('INVALID_ARGUMENT', { field: 'resource', reason: 'use Type/id, e.g. Patient/123' });
  const repo = await ctx.repo();
  const snap = await resolveSnapshot(repo, { snapshot });
  await repo.loadIndex();
  const row = ((await selectRows(repo, snap, { types: [m[1] as string] })).get(m[1] as string) ?? []).find((r) => r.id === m[2]);
  if (!row) throw new EngineError('RESOURCE_NOT_FOUND', { resource: reference, snapshot: snap.id.slice(0, 8) });
  return { snapshotId: snap.id, bytes: await readResource(repo, row) };
}

/** Patients of a snapshot whose name (accents and case ignored, each word a prefix) or id matches the query. */
export async function findPatients(ctx: EngineContext, directory: PatientDirectory, request: { snapshot?: string; query: string; limit?: number }): Promise<PatientSearchResult> {
  const repo = await ctx.repo();
  const snap = await resolveSnapshot(repo, { snapshot: request.snapshot ?? 'latest' });
  const found = await directory.find(repo, snap, request.query, request.limit);
  return { snapshotId: snap.id, ...found };
}
