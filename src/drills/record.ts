/**
 * A drill's outcome as the catalog stores it (drills table) and as src/reports prints it (DrillReportData).
 * recordedDrill() wraps runDrill with catalog.startDrill / finishDrill: the row is 'running' while the drill
 * runs, so a process killed mid-drill leaves it 'running' until Catalog.interruptRunningRuns() at the next
 * start marks it 'interrupted'.
 */
import type { Catalog, DrillRecord, DrillResult, JsonValue } from '../catalog/index.js';
import { runDrill, signedInUser } from './drill.js';
import type { DrillInput, DrillOptions, DrillOutcome, DrillReportShape } from './types.js';

export interface DrillReportExtras {
  readonly id?: number | string | null;
  readonly clinicName?: string | null;
  readonly trigger?: 'scheduled' | 'manual' | null;
  readonly timeZone?: string;
  readonly toolVersion?: string;
  readonly generatedAt?: string;
}

/** The report data (assignable to src/reports DrillReportData). */
export function drillReportData(outcome: DrillOutcome, extras: DrillReportExtras = {}): DrillReportShape {
  return {
    ...extras,
    status: outcome.status,
    startedAt: outcome.startedAt,
    endedAt: outcome.endedAt,
    operator: outcome.operator,
    host: outcome.host,
    snapshot: outcome.snapshot ?? { id: '', time: outcome.startedAt, source: '' },
    repository: outcome.copy.repoId && outcome.copy.location ? { id: outcome.copy.repoId, location: outcome.copy.location } : null,
    // The sandbox is gone after the drill: the report says "sandbox" rather than a dead URL.
    target: outcome.target.sandbox ? null : outcome.target.url,
    resources: outcome.resources,
    checks: outcome.checks,
    integrityScore: outcome.integrityScore,
    recoveryTimeMs: outcome.recoveryTimeMs,
    timeToFirstCriticalMs: outcome.timeToCriticalMs,
    tierCompletedMs: outcome.tierCompletedMs,
    bytesRead: outcome.bytesRead,
    failures: outcome.failures,
    copy: outcome.copy,
    sample: outcome.sample,
    problems: outcome.problems,
    problemCount: outcome.problemCount,
  };
}

/** Plain JSON (drops undefined members) for the catalog's report column. */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** What Catalog.finishDrill takes. */
export function drillResult(outcome: DrillOutcome, extras: DrillReportExtras = {}): DrillResult {
  return {
    status: outcome.status,
    endedAt: new Date(outcome.endedAt),
    recoveryTimeMs: outcome.recoveryTimeMs,
    timeToFirstCriticalMs: outcome.timeToCriticalMs,
    integrityScore: outcome.integrityScore,
    resourcesRestored: outcome.resourcesRestored,
    bytesRead: outcome.bytesRead,
    report: toJson(drillReportData(outcome, extras)),
  };
}

/** Runs a drill recorded in the catalog: a 'running' row first, the result when it ends (whatever the status). */
export async function recordedDrill(
  catalog: Pick<Catalog, 'startDrill' | 'finishDrill'>,
  input: DrillInput,
  options: DrillOptions & { readonly extras?: DrillReportExtras; readonly onStarted?: (drillId: number) => void } = {},
): Promise<{ outcome: DrillOutcome; record: DrillRecord }> {
  const operator = input.operator === undefined ? signedInUser() : input.operator;
  // The catalog keeps the snapshot named at start; "latest" is resolved by the drill (see the report JSON).
  const id = catalog.startDrill({ snapshotId: input.snapshot && input.snapshot !== 'latest' ? input.snapshot : null, operator });
  options.onStarted?.(id);
  let outcome: DrillOutcome;
  try {
    outcome = await runDrill({ ...input, operator }, options);
  } catch (err) {
    // runDrill only throws for bad input; the row must not stay 'running'.
    catalog.finishDrill(id, { status: 'failed' });
    throw err;
  }
  const record = catalog.finishDrill(id, drillResult(outcome, { id, ...(options.extras ?? {}) }));
  return { outcome, record };
}
