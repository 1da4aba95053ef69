/**
 * Use cases: the monthly restore test (drill) — restores a snapshot (from the offsite copy when one is configured,
 * since that is what a disaster leaves) into a fresh sandbox FHIR server, validates it and records the result —
 * and the drills' history.
 */
import { type DatabaseSourceSetting, type DrillRunResult, type DrillSummary, isEngineError, type LongOperationOptions, type SourceDrillResult, throwIfAborted, TOOL_VERSION } from '../shared/index.js';
import { databaseDrill, filesDrill, newSeed, recordedDrill, signedInUser, type SourceDrillOutcome } from '../drills/index.js';
import { restoreOrder, TIER_TYPES } from '../policy/index.js';
import { Repository } from '../repository/index.js';
import type { JsonValue } from '../catalog/index.js';
import { t } from '../i18n/index.js';
import { databaseCredentials } from './databases.js';
import { sourceConnection } from './sources.js';
import { resolveFilesSnapshot } from './files.js';
import type { EngineContext } from './context.js';
import { getSettings } from './settings.js';

export function drill(ctx: EngineContext, request: { snapshot?: string; target?: string; allowFallback?: boolean } = {}, options: LongOperationOptions = {}): Promise<DrillRunResult> {
  return ctx.tasks.run({ kind: 'drill', title: 'task.title.drill', cancelled: 'task.cancelled.drill' }, options, async (o) => {
    const catalog = await ctx.catalog();
    const offsite = ctx.copies().filter((c) => c.offsite || c.kind === 's3');
    const creds = await ctx.credentials();
    const candidates = [
      ...offsite.map((c) => ({ label: 'offsite', open: async () => Repository.open(await ctx.backendFor(c.location, 'open'), creds), close: async (r: Repository) => r.backend.close() })),
      { label: 'local', open: async () => ctx.repo() },
    ];
    let drillId = 0;
    const { outcome, record } = await recordedDrill(
      catalog,
      {
        candidates,
        allowFallback: request.allowFallback ?? offsite.length === 0,
        ...(request.snapshot ? { snapshot: request.snapshot } : {}),
        ...(request.target ? { target: { baseUrl: request.target } } : {}),
        orderTypes: (types) => restoreOrder(types),
        criticalTypes: TIER_TYPES.critical,
      },
      { ...o, now: () => ctx.clock.now(), extras: { clinicName: (await getSettings(ctx)).clinicName ?? null, toolVersion: TOOL_VERSION }, onStarted: (id) => (drillId = id) },
    );
    await ctx.record('drill', { id: drillId, status: outcome.status, integrityScore: outcome.integrityScore });
    // The alerts follow drills as they follow runs (a failed drill is a critical alert; a good one clears it).
    await ctx.bus.publish('run-finished', { runId: drillId, kind: 'drill', status: record.status });
    ctx.emit({ type: 'status-changed' });
    // A drill stopped by cancel is recorded (interrupted); the caller hears that it was cancelled.
    throwIfAborted(o.signal);
    return {
      id: record.id,
      status: record.status,
      integrityScore: record.integrityScore,
      recoveryTimeMs: record.recoveryTimeMs,
      resourcesRestored: record.resourcesRestored,
      usedCopy: outcome.copy?.label ?? null,
    };
  });
}

export async function listDrills(ctx: EngineContext): Promise<DrillSummary[]> {
  return (await ctx.catalog())
    .listDrills(100)
    .map((d) => ({ id: d.id, startedAt: d.startedAt, status: d.status, integrityScore: d.integrityScore, recoveryTimeMs: d.recoveryTimeMs, resourcesRestored: d.resourcesRestored }));
}

/**
 * A drill of a folder source (a sample of files restored and verified) or a database source (the dump restored into
 * a throw-away database and queried), recorded with the other drills; the result says what was proven.
 */
export function drillSource(
  ctx: EngineContext,
  request: { snapshot?: string; source?: string; kind?: 'files' | 'database'; sampleSize?: number; connection?: DatabaseSourceSetting } = {},
  options: LongOperationOptions = {},
): Promise<SourceDrillResult> {
  return ctx.tasks.run({ kind: 'drill', title: 'task.title.drill', cancelled: 'task.cancelled.drill' }, options, async (o) => {
    const catalog = await ctx.catalog();
    const repo = await ctx.repo();
    const lock = await repo.lock('shared', 'drill');
    let id = 0;
    try {
      const snap = await resolveFilesSnapshot(repo, { ...(request.snapshot ? { snapshot: request.snapshot } : {}), ...(request.source ? { source: request.source } : {}) }, request.kind);
      id = catalog.startDrill({ snapshotId: snap.id, operator: signedInUser() });
      let outcome: SourceDrillOutcome;
      if (snap.manifest.source.kind === 'database') {
        const conn = request.connection ?? (await sourceConnection(ctx, snap.manifest.source.location));
        const pgConn = conn && conn.kind === 'postgres' ? { ...conn, kind: 'postgres' as const } : undefined;
        outcome = await databaseDrill(repo, snap, { ...(pgConn ? { connection: pgConn, credentials: await databaseCredentials(ctx, pgConn) } : {}), ...(o.signal ? { signal: o.signal } : {}) });
      } else {
        outcome = await filesDrill(repo, snap, { seed: newSeed(), ...(request.sampleSize ? { sampleSize: request.sampleSize } : {}), ...(o.signal ? { signal: o.signal } : {}) });
      }
      const proofs = outcome.proofs.map((p) => ({ code: p.code, ok: p.ok, text: t(`drills.proof.${p.code}`, p.details, ctx.locale) }));
      catalog.finishDrill(id, {
        status: outcome.status,
        recoveryTimeMs: outcome.recoveryTimeMs,
        integrityScore: outcome.status === 'success' ? 1 : 0,
        resourcesRestored: outcome.restored,
        bytesRead: outcome.bytes,
        // The figures of each proof are kept, so the report can be printed in any language later.
        report: JSON.parse(JSON.stringify({ ...outcome, proofs: outcome.proofs.map((p, i) => ({ ...p, text: proofs[i]?.text ?? '' })) })) as JsonValue,
      });
      await ctx.record('drill', { id, status: outcome.status, kind: outcome.kind, snapshot: snap.id });
      // The alerts follow these drills as they follow the FHIR one (a failed drill is a critical alert).
      await ctx.bus.publish('run-finished', { runId: id, kind: 'drill', status: outcome.status });
      ctx.emit({ type: 'status-changed' });
      return {
        id,
        kind: outcome.kind,
        status: outcome.status,
        snapshotId: snap.id,
        source: outcome.snapshot.source,
        recoveryTimeMs: outcome.recoveryTimeMs,
        restored: outcome.restored,
        bytes: outcome.bytes,
        proofs,
      };
    } catch (err) {
      if (id > 0 && catalog.getDrill(id)?.status === 'running') {
        const status = isEngineError(err, 'CANCELLED') ? 'interrupted' : 'failed';
        catalog.finishDrill(id, { status });
        await ctx.bus.publish('run-finished', { runId: id, kind: 'drill', status });
        ctx.emit({ type: 'status-changed' });
      }
      throw err;
    } finally {
      await lock.release();
    }
  });
}
