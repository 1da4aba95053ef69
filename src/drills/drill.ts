/**
 * A restore drill (ARCHITECTURE.md §8, SOP-019 §6.3, issue 7): open a copy of the repository (the offsite one
 * first when configured: it is what a disaster leaves), restore a snapshot (default: latest) into a fresh
 * in-process sandbox FHIR server (or a configured test server), validate what came back (validate.ts), and
 * measure recovery time, time to Critical data, resources restored, bytes read and an integrity score.
 *
 * Never a green result with damage: 'success' needs every check passed, no resource failed and a perfect
 * integrity score; 'partial' is intact data with a caveat (RTO target missed, or the first copy unreachable
 * and a fallback used); 'failed' is anything damaged or unverifiable; 'interrupted' is a cancel.
 *
 * Clean-up: the sandbox is closed and the repository lock released in `finally`, on success, failure and
 * cancel alike. A drill writes no files of its own (the sandbox keeps everything in memory and the restore
 * runs without a journal), so a process killed mid-drill leaves no temp data; its listening socket dies with
 * the process, and the catalog's `interruptRunningRuns()` at the next start marks the drill 'interrupted'.
 * A lock left behind by a killed drill is stale at once for this host (its pid is gone: repository/lock.ts).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { KPI_TARGETS, targetsOf, type Tier, TIER_TARGETS, tierOf, TIERS, withinObjective } from '../policy/index.js';
import type { RepoLock, Repository, SnapshotRecord } from '../repository/index.js';
import { executeFhirRestore, type FhirRestoreExecution, type FhirRestoreOptions, planFhirRestore, resolveSnapshot } from '../restorer/index.js';
import type { SandboxServer } from '../sandbox/index.js';
import { displayUrl, FhirHttp } from '../source/index.js';
import { EngineError, type ErrorCode, type ErrorDetails, isEngineError, isIntegrityCode, type ProgressEvent } from '../shared/index.js';
import { newSeed } from './sample.js';
import type {
  DrillCandidate,
  DrillChecks,
  DrillCopy,
  DrillCopyAttempt,
  DrillFailure,
  DrillFailureKind,
  DrillInput,
  DrillOptions,
  DrillOutcome,
  DrillProblem,
  DrillStatus,
  DrillTypeResult,
} from './types.js';
import { validateRestore } from './validate.js';

const MINUTE = 60_000;
export const DEFAULT_SAMPLE_SIZE = 10;

/** Errors of taking a lock that mean "this copy is read-only": read it without a lock. */
const READ_ONLY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DEST_READONLY', 'DEST_NOT_WRITABLE', 'DEST_PERMISSION', 'S3_ACCESS_DENIED', 'S3_OBJECT_LOCKED']);

const SKIPPED_CHECKS: DrillChecks = {
  counts: { outcome: 'skipped', typesChecked: 0, typesMismatched: 0 },
  content: { outcome: 'skipped', checked: 0, mismatched: 0 },
  references: { outcome: 'skipped', checked: 0, unresolved: 0, external: 0 },
  compartment: { outcome: 'skipped', patientsSampled: 0, patientsComplete: 0, resourcesChecked: 0 },
};

/** The signed-in OS user (who ran the drill), or null when the OS cannot say. */
export function signedInUser(): string | null {
  try {
    return os.userInfo().username || null;
  } catch {
    return null;
  }
}

function errorOf(err: unknown): { code: ErrorCode; details: ErrorDetails } {
  if (isEngineError(err)) return { code: err.code, details: err.details };
  return { code: 'INTERNAL', details: { reason: err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300) } };
}

type Stage = 'open' | 'target' | 'restore' | 'validate';

/** Which report line an error that stopped the drill belongs to. */
function failureKindOf(stage: Stage, code: ErrorCode): DrillFailureKind {
  if (stage === 'open') return 'repository-error';
  if (isIntegrityCode(code) || code.startsWith('DEST_') || code.startsWith('S3_') || code.startsWith('REPO_')) return 'repository-error';
  if (stage === 'target' || code.startsWith('SOURCE_') || code === 'TIMEOUT' || code === 'RESTORE_TARGET_REJECTED') return 'sandbox-error';
  return 'other';
}

function nextStepFor(kind: DrillFailureKind, code: ErrorCode): string {
  if (code === 'DEST_OFFLINE') return 'drills.next.copyOffline';
  if (code === 'SNAPSHOT_NOT_FOUND') return 'drills.next.snapshotNotFound';
  if (kind === 'repository-error') return isIntegrityCode(code) ? 'drills.next.repositoryDamaged' : 'drills.next.repositoryUnavailable';
  if (kind === 'sandbox-error') return 'drills.next.targetFailed';
  return 'drills.next.other';
}

interface Opened {
  readonly candidate: DrillCandidate;
  readonly repo: Repository;
  readonly snap: SnapshotRecord;
  readonly lock: RepoLock | null;
}

/** Runs one drill. Never throws for what goes wrong during the drill: the outcome says it. */
export async function runDrill(input: DrillInput, options: DrillOptions = {}): Promise<DrillOutcome> {
  if (input.candidates.length === 0) throw new EngineError('INVALID_ARGUMENT', { field: 'candidates', reason: 'no repository copy to drill' });
  const { signal, onProgress } = options;
  const startedAt = options.now?.() ?? new Date();
  const operator = input.operator === undefined ? signedInUser() : input.operator;
  const seed = input.seed ?? newSeed();
  const sampleSize = input.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const step = (phase: string, done: number, total: number, subject?: string): void =>
    onProgress?.({ type: 'progress', op: 'drill', phase, done, total, unit: 'steps', ...(subject ? { subject } : {}) });

  const attempts: DrillCopyAttempt[] = [];
  let opened: Opened | null = null;
  let sandbox: SandboxServer | null = null;
  let targetUrl: string | null = null;
  let existingBefore = 0;
  let stage: Stage = 'open';
  let stopped: { code: ErrorCode; details: ErrorDetails } | null = null;
  let interrupted = false;
  let restore: FhirRestoreExecution | null = null;
  let excludedTypes: string[] = [];
  let resourcesExpected = 0;
  let recoveryTimeMs: number | null = null;
  let timeToCriticalMs: number | null = null;
  const tierCompletedMs: Partial<Record<Tier, number>> = {};
  let bytesRead = 0;
  let validationBytesRead = 0;
  let validation: Awaited<ReturnType<typeof validateRestore>> | null = null;

  try {
    // ---- 1. a copy of the repository and the snapshot in it
    step('open', 0, 4);
    opened = await openCopy(input, attempts, signal);
    if (!opened) {
      const first = attempts[0] as DrillCopyAttempt;
      const last = attempts[attempts.length - 1] as DrillCopyAttempt;
      const reason = input.allowFallback ? last : first;
      stopped = { code: reason.errorCode ?? 'INTERNAL', details: reason.errorDetails ?? {} };
    } else {
      const { repo, snap } = opened;
      resourcesExpected = Object.values(snap.manifest.counts).reduce((a, b) => a + b, 0);

      // ---- 2. the target: a fresh sandbox unless a test server is configured
      stage = 'target';
      if (input.target) {
        targetUrl = displayUrl(input.target.baseUrl).replace(/\/$/, '');
      } else {
        // Loaded here only: the sandbox server is not part of what other commands compile at start-up.
        const { startSandbox } = await import('../sandbox/index.js');
        sandbox = await startSandbox({ patients: 0, createGroup: false });
        targetUrl = sandbox.url;
      }
      step('target', 1, 4, targetUrl);
      const http = new FhirHttp({ baseUrl: input.target?.baseUrl ?? targetUrl, ...(input.target?.auth ? { auth: input.target.auth } : {}) });

      // ---- 3. the restore, timed: plan (index, tree, target probe) → last resource written
      stage = 'restore';
      step('restore', 2, 4);
      const typeDoneAt = new Map<string, number>();
      const forward = (e: ProgressEvent): void => {
        if (e.subject) typeDoneAt.set(e.subject, performance.now());
        onProgress?.({ ...e, op: 'drill', phase: 'restore' });
      };
      const opts: FhirRestoreOptions = { http, orderTypes: input.orderTypes, criticalTypes: input.criticalTypes, verify: 'none', signal, onProgress: forward };
      const readBefore = repo.bytesRead;
      const t0 = performance.now();
      const { plan, rows } = await planFhirRestore(repo, snap, {}, opts);
      existingBefore = plan.existing;
      // Server administration is left out of restores by design: not expected on the target either.
      excludedTypes = plan.administration?.included ? [] : Object.keys(plan.administration?.counts ?? {});
      for (const t of excludedTypes) resourcesExpected -= snap.manifest.counts[t] ?? 0;
      const execStart = performance.now();
      restore = await executeFhirRestore(repo, snap, plan, rows, { ...opts, confirmed: true });
      const t1 = performance.now();
      bytesRead = repo.bytesRead - readBefore;
      recoveryTimeMs = Math.round(t1 - t0);
      const rt = recoveryTimeMs;
      if (restore.timeToCriticalMs !== null) timeToCriticalMs = Math.min(rt, Math.round(execStart - t0 + restore.timeToCriticalMs));
      // A type is complete at its last progress event (types are written one after another); a type with
      // none (every resource unreadable) completes with the type before it.
      let prev = execStart;
      for (const type of plan.order) {
        const at = typeDoneAt.get(type) ?? prev;
        prev = at;
        const tier = tierOf(type);
        tierCompletedMs[tier] = Math.min(rt, Math.max(tierCompletedMs[tier] ?? 0, Math.round(at - t0)));
      }

      // ---- 4. validation against the target
      stage = 'validate';
      step('validate', 3, 4);
      validation = await validateRestore({ repo, snap, rows, restore, http, sampleSize, seed, signal, onProgress, excludedTypes });
      validationBytesRead = repo.bytesRead - readBefore - bytesRead;
      step('done', 4, 4);
    }
  } catch (err) {
    if (signal?.aborted || isEngineError(err, 'CANCELLED')) interrupted = true;
    else stopped = errorOf(err);
  } finally {
    // Best effort clean-up: the drill's outcome is recorded whatever happens here. A lock that cannot be removed
    // is reported by the repository's lock listener and expires; the sandbox lives in memory only.
    if (opened?.lock) await opened.lock.release();
    if (opened?.candidate.close) await opened.candidate.close(opened.repo).catch(() => undefined);
    if (sandbox) await sandbox.close().catch(() => undefined);
  }

  // ---- the verdict
  const typesPresent = opened ? Object.keys(opened.snap.manifest.counts).filter((t) => (opened?.snap.manifest.counts[t] ?? 0) > 0) : [];
  const rtoTargetMs = input.rtoTargetMs ?? Math.max(TIER_TARGETS.critical.rtoMinutes, ...typesPresent.map((t) => targetsOf(t).rtoMinutes)) * MINUTE;
  const criticalTargetMs = input.criticalRtoTargetMs ?? TIER_TARGETS.critical.rtoMinutes * MINUTE;
  const rtoMet = recoveryTimeMs === null ? null : withinObjective(recoveryTimeMs, rtoTargetMs, KPI_TARGETS.rtoTolerance);
  const criticalMet = timeToCriticalMs === null ? null : withinObjective(timeToCriticalMs, criticalTargetMs, KPI_TARGETS.rtoTolerance);

  const failures: DrillFailure[] = [...(validation?.failures ?? [])];
  if (interrupted) failures.push({ kind: 'interrupted', nextStep: 'drills.next.interrupted' });
  else if (stopped) {
    const kind = failureKindOf(stage, stopped.code);
    const file = stopped.details['file'] ?? stopped.details['blob'];
    failures.push({ kind, errorCode: stopped.code, errorDetails: stopped.details, example: typeof file === 'string' ? file : null, nextStep: nextStepFor(kind, stopped.code) });
  }
  if (rtoMet === false || criticalMet === false) {
    failures.push({
      kind: 'rto-exceeded',
      example: rtoMet === false ? `${recoveryTimeMs ?? 0} ms > ${rtoTargetMs} ms` : `${timeToCriticalMs ?? 0} ms > ${criticalTargetMs} ms`,
      nextStep: 'drills.next.rtoExceeded',
    });
  }
  if (validation && resourcesExpected === 0) failures.push({ kind: 'other', nextStep: 'drills.next.emptySnapshot' });

  const copy = copyOf(opened, attempts, input);
  // Green needs all of it: checks passed (the compartment check may only be skipped when there are no
  // patients), nothing named as damaged, nothing the restore failed, and a perfect score.
  const damaged =
    !validation ||
    validation.problemCount > 0 ||
    (restore?.failures.length ?? 0) > 0 ||
    validation.integrityScore !== 1 ||
    validation.checks.counts.outcome !== 'passed' ||
    validation.checks.content.outcome !== 'passed' ||
    validation.checks.references.outcome !== 'passed' ||
    validation.checks.compartment.outcome === 'failed' ||
    validation.checks.attachments?.outcome === 'failed';
  let status: DrillStatus;
  if (interrupted) status = 'interrupted';
  else if (stopped || damaged) status = 'failed';
  else if (rtoMet === false || criticalMet === false || copy.usedFallback) status = 'partial';
  else status = 'success';

  const snap = opened?.snap ?? null;
  const resources: DrillTypeResult[] =
    validation?.resources ??
    (snap ? Object.entries(snap.manifest.counts).map(([resourceType, expected]) => ({ resourceType, expected, restored: restore?.counts[resourceType] ?? 0, contentMismatches: 0 })) : []);
  const problems: DrillProblem[] = validation?.problems ?? [];
  return {
    status,
    startedAt: startedAt.toISOString(),
    endedAt: (options.now?.() ?? new Date()).toISOString(),
    operator,
    host: os.hostname(),
    snapshot: snap ? { id: snap.id, time: snap.manifest.time, source: snap.manifest.source.location } : null,
    copy,
    target: { url: targetUrl, sandbox: !input.target, existingBefore },
    resourcesExpected,
    resourcesRestored: restore?.restored ?? 0,
    recoveryTimeMs,
    timeToCriticalMs,
    tierCompletedMs: Object.fromEntries(TIERS.filter((t) => tierCompletedMs[t] !== undefined).map((t) => [t, tierCompletedMs[t] as number])),
    bytesRead,
    validationBytesRead,
    integrityScore: validation?.integrityScore ?? null,
    rto: { targetMs: rtoTargetMs, met: rtoMet, criticalTargetMs, criticalMet },
    checks: validation?.checks ?? SKIPPED_CHECKS,
    resources,
    sample: { seed, patients: validation?.samplePatients ?? [] },
    failures,
    problems,
    problemCount: validation?.problemCount ?? 0,
    error: interrupted ? { code: 'CANCELLED', details: {} } : stopped,
  };
}

/**
 * Opens the first copy that works: open, lock (shared; skipped on a read-only copy), load the index and
 * resolve the snapshot. Only the first copy is tried unless fallback is allowed. Null when none worked.
 */
async function openCopy(input: DrillInput, attempts: DrillCopyAttempt[], signal: AbortSignal | undefined): Promise<Opened | null> {
  for (const [i, candidate] of input.candidates.entries()) {
    if (i > 0 && !input.allowFallback) break;
    if (signal?.aborted) throw new EngineError('CANCELLED');
    let repo: Repository | null = null;
    let lock: RepoLock | null = null;
    try {
      repo = await candidate.open();
      if (input.lock !== false) {
        try {
          lock = await repo.lock('shared', 'drill');
        } catch (err) {
          if (!isEngineError(err) || !READ_ONLY_CODES.has(err.code)) throw err;
        }
      }
      await repo.loadIndex(signal);
      const snap = await resolveSnapshot(repo, { ...(input.snapshot ? { snapshot: input.snapshot } : {}), ...(input.asOf ? { asOf: input.asOf } : {}) });
      attempts.push({ label: candidate.label, location: repo.backend.location, ok: true, errorCode: null, errorDetails: null });
      return { candidate, repo, snap, lock };
    } catch (err) {
      // Best effort clean-up of a copy that could not be used; why it could not is what is recorded.
      if (lock) await lock.release();
      if (repo && candidate.close) await candidate.close(repo).catch(() => undefined);
      if (signal?.aborted || isEngineError(err, 'CANCELLED')) throw new EngineError('CANCELLED');
      const e = errorOf(err);
      attempts.push({ label: candidate.label, location: repo?.backend.location ?? null, ok: false, errorCode: e.code, errorDetails: e.details });
    }
  }
  return null;
}

function copyOf(opened: Opened | null, attempts: readonly DrillCopyAttempt[], input: DrillInput): DrillCopy {
  const first = attempts[0];
  const usedFallback = opened !== null && opened.candidate !== input.candidates[0];
  return {
    label: opened?.candidate.label ?? null,
    location: opened?.repo.backend.location ?? null,
    repoId: opened?.repo.id ?? null,
    usedFallback,
    fallbackReason: first && !first.ok && first.errorCode ? { label: first.label, errorCode: first.errorCode, errorDetails: first.errorDetails ?? {} } : null,
    attempts,
    locked: opened?.lock !== null && opened?.lock !== undefined,
  };
}
