/**
 * Use case: the verification rotation — `check --read-data-subset n/m` of the primary repository and of every copy,
 * the slice moving on at each run so that every byte of every copy is read at least once a month (m = the runs of
 * the check schedule in 28 days). Each copy's result is a "verify-copy" run in the catalog (shown per copy in the
 * dashboard; a damaged copy raises the integrity alert naming it). An unplugged USB drive is skipped, not failed.
 */
import { checkRepository } from '../checker/index.js';
import { Repository } from '../repository/index.js';
import { isEngineError } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { check } from './maintenance.js';

export const VERIFY_COPY_RUN = 'verify-copy';

export interface VerificationResult {
  readonly slice: { readonly n: number; readonly m: number };
  readonly primaryOk: boolean;
  readonly copies: readonly { readonly location: string; readonly state: 'ok' | 'damaged' | 'offline' | 'failed'; readonly errorCode: string | null }[];
}

/** The slice the next rotation reads: one more than the checks recorded so far, modulo m. */
export function nextSlice(checksSoFar: number, m: number): { n: number; m: number } {
  return { n: (checksSoFar % m) + 1, m };
}

export async function verificationRotation(ctx: EngineContext, slices: number, signal?: AbortSignal): Promise<VerificationResult> {
  const catalog = await ctx.catalog();
  const slice = nextSlice(catalog.listRuns({ kind: 'check', limit: 1_000_000 }).filter((r) => r.status !== 'running').length, slices);
  const primary = await check(ctx, { readDataSubset: slice, ...(signal ? { signal } : {}) });
  const copies: VerificationResult['copies'][number][] = [];
  for (const copy of ctx.copies()) {
    const runId = catalog.startRun({ kind: VERIFY_COPY_RUN, destination: copy.location });
    let repo: Repository | null = null;
    try {
      repo = await Repository.open(await ctx.backendFor(copy.location, 'open'), await ctx.credentials());
      const report = await checkRepository(repo, { readDataSubset: slice, ...(signal ? { signal } : {}) });
      const errorCode = report.ok ? null : (report.problems[0]?.code ?? 'INTEGRITY_ERROR');
      catalog.finishRun(runId, { status: report.ok ? 'success' : 'failed', errorCode, bytesRead: report.stats.bytesRead ?? 0, errorMessage: `slice ${slice.n}/${slice.m}` });
      copies.push({ location: copy.location, state: report.ok ? 'ok' : 'damaged', errorCode });
    } catch (err) {
      if (isEngineError(err, 'CANCELLED')) {
        catalog.finishRun(runId, { status: 'interrupted', errorCode: 'CANCELLED' });
        throw err;
      }
      const code = isEngineError(err) ? err.code : 'INTERNAL';
      const offline = code === 'DEST_OFFLINE' || (copy.kind === 'usb' && code === 'REPO_MARKER_MISSING');
      // Not read this time: an unplugged drive is read when it is back (the copy's own alerts say it is missing).
      catalog.finishRun(runId, { status: 'interrupted', errorCode: code });
      copies.push({ location: copy.location, state: offline ? 'offline' : 'failed', errorCode: code });
    } finally {
      await repo?.backend.close().catch((err: unknown) => ctx.bus.diagnostic('close copy', err));
    }
  }
  await ctx.bus.publish('run-finished', { runId: 0, kind: VERIFY_COPY_RUN, status: copies.every((c) => c.state !== 'damaged') ? 'success' : 'failed' });
  return { slice, primaryOk: primary.ok, copies };
}
