/**
 * Use cases: the monthly restore test (drill) — restores a snapshot (from the offsite copy when one is configured,
 * since that is what a disaster leaves) into a fresh sandbox FHIR server, validates it and records the result —
 * and the drills' history.
 */
import { TOOL_VERSION } from '../archiver/archiver.js';
import { recordedDrill } from '../drills/record.js';
import { restoreOrder, TIER_TYPES } from '../policy/tiers.js';
import { Repository } from '../repository/repository.js';
import type { DrillRunResult, DrillSummary } from '../shared/drill.js';
import { throwIfAborted } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
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
    return { id: record.id, status: record.status, integrityScore: record.integrityScore, recoveryTimeMs: record.recoveryTimeMs, resourcesRestored: record.resourcesRestored, usedCopy: outcome.copy?.label ?? null };
  });
}

export async function listDrills(ctx: EngineContext): Promise<DrillSummary[]> {
  return (await ctx.catalog()).listDrills(100).map((d) => ({ id: d.id, startedAt: d.startedAt, status: d.status, integrityScore: d.integrityScore, recoveryTimeMs: d.recoveryTimeMs, resourcesRestored: d.resourcesRestored }));
}
