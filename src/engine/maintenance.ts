/**
 * Use cases: keeping the repository sound — check (structure, data, audit trail), repair from another copy or
 * from the packs' own headers, retention (forget) and prune. Long ones are tasks that can be cancelled.
 */
import type { Backend } from '../backend/index.js';
import { refreshSnapshotCache, verifyStoredAuditChain } from '../catalog/index.js';
import { checkRepository } from '../checker/index.js';
import { applyRetention, assertForgetAllowed, explainForget, validateRetentionPolicy, type RetentionPolicy } from '../policy/index.js';
import { migrateRepository, type MigrateResult } from '../archiver/index.js';
import {
  healFromCopy,
  pruneRepository,
  type PruneResult,
  repairIndex as rebuildIndex,
  type RepairIndexResult,
  repairSnapshots as repairSnapshotFiles,
  type RepairSnapshotsResult,
} from '../repository/index.js';
import type { CheckResult, ForgetResult, LongOperationOptions } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { track, trackUnderSharedLock } from './runs.js';
import { retentionPolicy } from './settings.js';

type CheckOptions = LongOperationOptions & { readData?: boolean; readDataSubset?: { n: number; m: number } };
export type RepairedCheck = CheckResult & { repaired: string[]; unrepaired: { file: string; reason: string }[] };

const CHECK_TASK = { kind: 'check', title: 'task.title.check', cancelled: 'task.cancelled.check' } as const;
const REPAIR_CANCELLED = 'task.cancelled.repair';

/** One check, recorded as a run: the repository, then the audit trail (the repository's copy and the catalog's). */
function recordedCheck(ctx: EngineContext, options: CheckOptions): Promise<CheckResult> {
  return trackUnderSharedLock(
    ctx,
    'check',
    async (repo, started) => {
      const report = await checkRepository(repo, options);
      const problems = [...report.problems];
      const stored = await repo.readAuditEntries(options.signal);
      for (const file of stored.damaged)
        problems.push({ code: 'AUDIT_TAMPERED', file, reason: 'audit entry does not match its name or does not decrypt', snapshots: [], resources: [], resourceCount: 0 });
      const chain = verifyStoredAuditChain(stored.entries);
      if (!chain.ok)
        problems.push({
          code: 'AUDIT_TAMPERED',
          file: 'audit/',
          reason: `audit trail in the repository: ${chain.problem} at entry ${chain.firstBadSeq}`,
          snapshots: [],
          resources: [],
          resourceCount: 0,
        });
      const local = (await ctx.catalog()).verifyAuditChain();
      if (!local.ok)
        problems.push({ code: 'AUDIT_TAMPERED', file: 'catalog.sqlite', reason: `local audit log: entry ${local.firstBadSeq} was altered`, snapshots: [], resources: [], resourceCount: 0 });
      return { ok: problems.length === 0, problems, stats: report.stats, durationMs: Date.now() - started };
    },
    // A slice of the data (the verification rotation) is noted, as for each copy, so the dashboard says which part was read.
    (r) => ({
      status: r.ok ? 'success' : 'failed',
      bytesRead: r.stats['bytesRead'] ?? 0,
      ...(options.readDataSubset ? { errorMessage: `slice ${options.readDataSubset.n}/${options.readDataSubset.m}` } : {}),
    }),
  );
}

export function check(ctx: EngineContext, options: CheckOptions = {}): Promise<CheckResult> {
  return ctx.tasks.run(CHECK_TASK, options, (o) => recordedCheck(ctx, { ...options, ...o }));
}

async function indexFromHeaders(ctx: EngineContext, options: LongOperationOptions): Promise<RepairIndexResult> {
  const repo = await ctx.repo();
  const lock = await repo.lock('exclusive', 'repair index');
  try {
    const r = await rebuildIndex(repo, options);
    await ctx.record('repair.index', { packs: r.packs, fromHeaders: r.fromHeaders, replaced: r.indexFilesReplaced, unreadable: [...r.unreadable], missing: [...r.missing] });
    return r;
  } finally {
    await lock.release();
  }
}

/** Closes the other copies opened to repair from; a close that fails changes nothing repaired (the logs say so). */
async function closeSources(ctx: EngineContext, sources: readonly Backend[]): Promise<void> {
  for (const b of sources) {
    try {
      await b.close();
    } catch (err) {
      ctx.bus.diagnostic('close copy', err);
    }
  }
}

/**
 * check --repair: damaged or missing files are replaced with verified copies from the other destinations, and a
 * missing or damaged index is rebuilt from the packs' own headers (no other copy needed); then checks again (a
 * damaged index hides the packs it lists, so this repeats, at most three times).
 */
export function checkAndRepair(ctx: EngineContext, request: { from?: readonly string[]; readData?: boolean }, options: LongOperationOptions = {}): Promise<RepairedCheck> {
  return ctx.tasks.run({ kind: 'check', title: 'task.title.checkRepair', cancelled: REPAIR_CANCELLED }, options, async (o) => {
    // Copies added from the user interface are known once the catalog is open (none when it cannot be).
    if (!request.from) await ctx.catalogIfAvailable();
    const sources: Backend[] = [];
    try {
      for (const loc of request.from ?? ctx.copies().map((c) => c.location)) sources.push(await ctx.backendFor(loc, 'open'));
      const repaired: string[] = [];
      let unrepaired: { file: string; reason: string }[] = [];
      const isIndexGap = (p: { code: string }): boolean => p.code === 'INDEX_CORRUPT' || p.code === 'INDEX_INCOMPLETE';
      const checkOptions = { ...o, readData: request.readData ?? true };
      let result = await recordedCheck(ctx, checkOptions);
      for (let pass = 0; pass < 3 && !result.ok; pass++) {
        const repo = await ctx.repo();
        let changed = false;
        // Damaged files come back from another copy first (exact bytes); what no copy fixes of the index is rebuilt.
        const healable = result.problems.filter((p) => p.file.startsWith('data/') || p.file.startsWith('index/') || p.file.startsWith('snapshots/') || p.file.startsWith('audit/'));
        if (sources.length > 0 && healable.length > 0) {
          const heal = await healFromCopy(healable, repo.backend, sources, o);
          repaired.push(...heal.repaired);
          unrepaired = heal.unrepaired.map((u) => ({ file: u.file, reason: u.reason }));
          if (heal.repaired.length > 0) await ctx.record('repair', { repaired: heal.repaired, from: heal.details.map((d) => d.source) });
          changed = heal.repaired.length > 0;
        }
        if (!changed && result.problems.some(isIndexGap)) {
          const r = await indexFromHeaders(ctx, o);
          repaired.push(`index/ (${r.packs} data files listed from their own headers)`);
          unrepaired = unrepaired.filter((u) => !u.file.startsWith('index/'));
          changed = true;
        }
        if (!changed) break;
        await ctx.resetRepository();
        result = await recordedCheck(ctx, checkOptions);
      }
      if (sources.length === 0) {
        for (const p of result.problems)
          if (!isIndexGap(p) && !unrepaired.some((u) => u.file === p.file)) unrepaired.push({ file: p.file, reason: 'no other copy to repair from (give --from <location>)' });
      }
      return { ...result, repaired, unrepaired };
    } finally {
      await closeSources(ctx, sources);
    }
  });
}

/** Rebuilds the index from the packs' own headers (like `restic repair index`); no other copy needed. */
export function repairIndex(ctx: EngineContext, options: LongOperationOptions = {}): Promise<RepairIndexResult> {
  return ctx.tasks.run({ kind: 'repair', title: 'task.title.repairIndex', cancelled: REPAIR_CANCELLED }, options, (o) =>
    track(
      ctx,
      'repair',
      () => indexFromHeaders(ctx, o),
      (r) => ({ status: r.unreadable.length > 0 ? 'partial' : 'success' }),
    ),
  );
}

/** A repaired successor for each snapshot whose data is gone, listing every lost resource (history is never rewritten). */
export function repairSnapshots(ctx: EngineContext, options: LongOperationOptions = {}): Promise<RepairSnapshotsResult> {
  return ctx.tasks.run({ kind: 'repair', title: 'task.title.repairSnapshots', cancelled: REPAIR_CANCELLED }, options, async (o) => {
    const r = await track(
      ctx,
      'repair',
      async () => {
        const repo = await ctx.repo();
        const lock = await repo.lock('exclusive', 'repair snapshots');
        try {
          return await repairSnapshotFiles(repo, o);
        } finally {
          await lock.release();
        }
      },
      (x) => ({ status: 'success', resourcesTotal: x.repaired.reduce((n, s) => n + s.kept, 0) }),
    );
    if (r.repaired.length > 0) {
      await ctx.record('repair.snapshots', { repaired: r.repaired.map((x) => ({ snapshot: x.snapshot, successor: x.successor, lost: x.lost.length })) });
      await refreshSnapshotCache(await ctx.catalog(), await ctx.repo(), ctx.location);
    }
    return r;
  });
}

/**
 * Applies the retention policy (GFS with the legal floor for medical records). With dryRun, only explains each
 * snapshot's fate. A policy below the legal floor is refused.
 */
export async function forget(ctx: EngineContext, request: { policy?: RetentionPolicy; dryRun: boolean }): Promise<ForgetResult> {
  const policy = request.policy ?? (await retentionPolicy(ctx));
  validateRetentionPolicy(policy); // RETENTION_LEGAL_FLOOR when it would keep less than the law requires
  const repo = await ctx.repo();
  const lock = request.dryRun ? null : await repo.lock('exclusive', 'forget');
  try {
    const snaps = await repo.listSnapshots();
    const infos = snaps.map((x) => ({
      id: x.id,
      time: x.manifest.time,
      tags: x.manifest.tags,
      ...(x.manifest.suspicious ? { suspicious: { previous: x.manifest.suspicious.previous, dropPercent: x.manifest.suspicious.dropPercent } } : {}),
    }));
    const now = ctx.clock.now();
    const decisions = applyRetention(infos, policy, now);
    const explanations = explainForget(decisions, ctx.locale);
    const removed = decisions.filter((d) => !d.keep).map((d) => d.id);
    assertForgetAllowed(infos, removed, policy, now);
    if (!request.dryRun && removed.length > 0) {
      await repo.deleteSnapshots(removed);
      const catalog = await ctx.catalog();
      await refreshSnapshotCache(catalog, repo, ctx.location);
      catalog.removeSnapshots(removed);
      await ctx.record('forget', { removed, kept: decisions.length - removed.length });
    }
    return { decisions: decisions.map((d, i) => ({ id: d.id, time: d.time, keep: d.keep, explanation: explanations[i] ?? '' })), removed: request.dryRun ? [] : removed };
  } finally {
    await lock?.release();
  }
}

/** Removes data no snapshot references (exclusive lock, crash-safe, Object-Lock aware). */
export function prune(ctx: EngineContext, request: { dryRun?: boolean } = {}, options: LongOperationOptions = {}): Promise<PruneResult> {
  return ctx.tasks.run({ kind: 'prune', title: 'task.title.prune', cancelled: 'task.cancelled.prune' }, options, async (o) => {
    const repo = await ctx.repo();
    const lock = await repo.lock('exclusive', 'prune');
    try {
      const r = await track(
        ctx,
        'prune',
        () => pruneRepository(repo, { ...o, dryRun: request.dryRun === true }),
        (x) => ({ status: 'success', bytesAdded: -x.bytesFreed }),
      );
      if (!request.dryRun) await ctx.record('prune', { packsDeleted: r.packsDeleted, packsRepacked: r.packsRepacked, bytesFreed: r.bytesFreed, keptLocked: r.packsKeptLocked });
      // The in-memory index changed under the repository object: reopen for what follows.
      ctx.forgetRepository();
      return r;
    } finally {
      await lock.release();
    }
  });
}

/** Converts a version 1 repository to format version 2 in place (resumable; docs/format.md §21.4). */
export function migrate(ctx: EngineContext, options: LongOperationOptions = {}): Promise<MigrateResult> {
  return ctx.tasks.run({ kind: 'migrate', title: 'task.title.migrate', cancelled: 'task.cancelled.migrate' }, options, async (o) => {
    const repo = await ctx.repo();
    const lock = await repo.lock('exclusive', 'migrate');
    let r: MigrateResult;
    try {
      r = await migrateRepository(repo, o);
    } finally {
      await lock.release();
      // The repository changed format under the repository object: reopen for what follows.
      ctx.forgetRepository();
    }
    await ctx.record('repository.migrated', { migrated: r.migrated, alreadyMigrated: r.alreadyMigrated, deletedFiles: r.deletedFiles });
    return r;
  });
}

/** Recreates the local catalog's snapshot cache from the repository (the source of truth). */
export async function rebuildCatalog(ctx: EngineContext): Promise<{ snapshots: number }> {
  const catalog = await ctx.catalog();
  return { snapshots: await refreshSnapshotCache(catalog, await ctx.repo(), ctx.location) };
}
