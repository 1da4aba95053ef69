/**
 * Backs up a live FHIR server into a repository (ARCHITECTURE.md §5): probe /metadata, choose a strategy
 * (system $export, tried even when the CapabilityStatement does not list it → _history → search paging), run
 * incrementally from the previous snapshot's server transactionTime (never the local clock), and reconcile
 * with a full pass periodically so deletions are caught on servers that do not report them. Every snapshot is
 * a complete view of the server; attachments (exam PDFs, images) the resources point to are fetched with it.
 */
import { readAttachments, type Repository, type SnapshotRecord } from '../repository/index.js';
import {
  authProvider,
  bulkExportStrategy,
  type Capabilities,
  displayUrl,
  FhirHttp,
  historyStrategy,
  probeCapabilities,
  searchStrategy,
  type SourceAuth,
  type StrategyName,
  type StrategyRun,
} from '../source/index.js';
import { EngineError, isEngineError, type LongOperationOptions, throwIfAborted } from '../shared/index.js';
import { Archiver, dedupParent, prepareArchive, type ArchiveResult, type ParentState } from './archiver.js';
import { AttachmentCollector, fetchAttachment } from './attachments.js';

export interface FhirBackupOptions extends LongOperationOptions {
  readonly baseUrl: string;
  readonly auth: SourceAuth;
  /** Force a strategy instead of choosing from the CapabilityStatement. */
  readonly strategy?: StrategyName;
  /** A full pass when the last one is older than this (default 7 days); 0 = always full. */
  readonly fullEveryMs?: number;
  /** Force a full pass now. */
  readonly full?: boolean;
  readonly types?: readonly string[];
  readonly pageSize?: number;
  readonly jobStateFile?: string;
  /** Other hosts trusted with the source's credentials and files (settings: source.allowedHosts). */
  readonly allowedHosts?: readonly string[];
  /** A resumed export job without progress for this long is replaced by a fresh one (default 10 min). */
  readonly stuckExportMs?: number;
  /** Attachment downloads at once (default 3). */
  readonly attachmentConcurrency?: number;
  readonly tags?: readonly string[];
  readonly now?: () => Date;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** See ArchiveOptions. */
  readonly allowEmpty?: boolean;
  readonly shrinkGuardPercent?: number;
}

export interface FhirBackupResult extends ArchiveResult {
  readonly strategy: StrategyName;
  readonly capabilities: Capabilities;
  readonly requests: number;
}

const WEEK_MS = 7 * 24 * 3600_000;

/** The canonical form of a source URL (no credentials, no trailing slash) that snapshots are grouped by. */
export function sourceLocation(baseUrl: string): string {
  return displayUrl(baseUrl).replace(/\/+$/, '');
}

function lastOfSource(snaps: readonly SnapshotRecord[], location: string, pred: (s: SnapshotRecord) => boolean = () => true): SnapshotRecord | null {
  for (let i = snaps.length - 1; i >= 0; i--) {
    const s = snaps[i] as SnapshotRecord;
    if (s.manifest.source.kind === 'fhir' && s.manifest.source.location === location && pred(s)) return s;
  }
  return null;
}

/**
 * Strategies to try in order. The $export kick-off is tried even when the CapabilityStatement does not list
 * it (many servers, e.g. Medplum, offer it unlisted); a refusal (4xx) moves on to the next way.
 */
function strategiesFor(caps: Capabilities, forced?: StrategyName): StrategyName[] {
  if (forced) return [forced];
  const order: StrategyName[] = ['bulk-export'];
  if (caps.systemHistory) order.push('history');
  order.push('search');
  return order;
}

export async function backupFhir(repo: Repository, options: FhirBackupOptions): Promise<FhirBackupResult> {
  const { signal } = options;
  const http = new FhirHttp({ baseUrl: options.baseUrl, auth: authProvider(options.auth), allowedHosts: options.allowedHosts, sleep: options.sleep });
  // Refused before anything is asked of the server (Archiver.begin() says the same, but runs beside the export's start).
  if (repo.version !== 2) throw new EngineError('REPO_NEEDS_MIGRATION', { location: repo.backend.location });
  const location = sourceLocation(options.baseUrl);
  const snaps = await repo.listSnapshots(signal);
  const parent = lastOfSource(snaps, location);
  const lastFull = lastOfSource(snaps, location, (s) => s.manifest.mode === 'full');
  const now = options.now?.() ?? new Date();
  const fullEveryMs = options.fullEveryMs ?? WEEK_MS;
  // A partial parent (problems recorded) misses resources: building on it would carry the gap on silently.
  const fullDue =
    options.full === true ||
    fullEveryMs <= 0 ||
    !parent ||
    parent.manifest.partial ||
    !parent.manifest.serverTransactionTime ||
    !lastFull ||
    now.getTime() - Date.parse(lastFull.manifest.time) >= fullEveryMs;
  const since = fullDue ? null : (parent?.manifest.serverTransactionTime ?? null);
  // Incremental runs build on this source's last snapshot; a full pass may dedup against any (a moved server).
  const archiveParent = since !== null ? parent : (parent ?? dedupParent(snaps, () => false));
  // The index and the parent's line table load while the server is probed and the export starts (waits on the network).
  const prepared = prepareArchive(repo, archiveParent, signal);
  try {
    return await backupWith(repo, http, options, { location, snaps, parent, since, archiveParent, prepared });
  } finally {
    // Settled before the caller releases its lock (a failed probe must not leave the parent being read).
    await prepared.catch(() => undefined);
  }
}

async function backupWith(
  repo: Repository,
  http: FhirHttp,
  options: FhirBackupOptions,
  run0: { location: string; snaps: readonly SnapshotRecord[]; parent: SnapshotRecord | null; since: string | null; archiveParent: SnapshotRecord | null; prepared: Promise<ParentState | null> },
): Promise<FhirBackupResult> {
  const { signal } = options;
  const { location, snaps, parent, since, archiveParent, prepared } = run0;
  const caps = await probeCapabilities(http, signal);
  const types = options.types ?? (caps.searchTypes.length > 0 ? caps.searchTypes : undefined);
  const parentAttachments = parent ? await readAttachments(repo, parent.manifest.attachments, signal) : [];
  /** Warnings of strategies tried before the one that ran (e.g. an export refused with 403). */
  const carried: { code: string; details: Record<string, string | number> }[] = [];

  for (const name of strategiesFor(caps, options.strategy)) {
    throwIfAborted(signal);
    // Incremental search cannot see deletions: it compares the server's count per type with the snapshot's
    // and lists a type in full when they differ. The periodic full pass remains the backstop.
    const mode = since === null ? 'full' : 'incremental';
    const stratOpts = {
      since,
      types: options.types,
      pageSize: options.pageSize,
      signal,
      onProgress: options.onProgress,
      jobStateFile: options.jobStateFile,
      sleep: options.sleep,
      localCount: async (type: string) => {
        await begun();
        return archiver.liveCount(type);
      },
      exportAdvertised: caps.systemExport,
      ...(options.stuckExportMs !== undefined ? { stuckExportMs: options.stuckExportMs } : {}),
    };
    const run: StrategyRun = name === 'bulk-export' ? bulkExportStrategy(http, stratOpts) : name === 'history' ? historyStrategy(http, stratOpts) : searchStrategy(http, types ?? [], stratOpts);
    const attachments = new AttachmentCollector(parentAttachments);
    const archiver = new Archiver(repo, {
      source: { kind: 'fhir', location, strategy: name },
      mode,
      parent: archiveParent,
      prepared,
      tags: options.tags,
      signal,
      onProgress: options.onProgress,
      now: options.now,
      attachments,
      allowEmpty: options.allowEmpty,
      shrinkGuardPercent: options.shrinkGuardPercent,
      snapshots: snaps,
    });
    // The archiver gets ready (index, parent's table, workers) while the export is kicked off and polled: the first
    // event waits for it, not the first request.
    const beginning = archiver.begin();
    beginning.catch(() => undefined);
    let ready = false;
    const begun = async (): Promise<void> => {
      if (ready) return;
      await beginning;
      ready = true;
    };
    for (const w of carried) archiver.warn(w);
    try {
      for await (const ev of run.events) {
        await begun();
        if (ev.kind === 'resource') await archiver.addLine(ev.bytes, { file: ev.file, line: ev.line });
        else if (ev.kind === 'lines') await archiver.addLines(ev);
        else if (ev.kind === 'deleted') {
          if (mode === 'incremental') await archiver.deleteResource(ev.type, ev.id);
        } else if (ev.kind === 'listed') {
          if (mode === 'incremental') await archiver.dropUnseen(ev.type);
        } else if (ev.kind === 'restart') await archiver.restart();
        else if (ev.kind === 'not-covered') {
          const d = ev.warning.details;
          archiver.keepUnseen(ev.type, {
            code: ev.warning.code,
            ...(typeof d['status'] === 'number' ? { status: d['status'] } : {}),
            ...(typeof d['reason'] === 'string' && d['reason'] ? { reason: d['reason'] } : {}),
          });
          archiver.warn(ev.warning);
        } else if (ev.kind === 'warning') archiver.warn(ev.warning);
        else archiver.problem(ev.code, { file: ev.file, reason: ev.reason });
      }
      await begun();
    } catch (err) {
      await beginning.catch(() => undefined);
      await archiver.close();
      // Nothing is committed yet: falling back to the next strategy starts clean (data already packed is reused).
      if (isEngineError(err, 'EXPORT_UNSUPPORTED')) {
        // Listed but refused, or refused with credentials that work: worth saying; simply unlisted: not.
        if (err.details['advertised'] !== false || err.details['status'] === 403) carried.push({ code: 'EXPORT_NOT_OFFERED', details: { status: Number(err.details['status'] ?? 0) } });
        continue;
      }
      throw err;
    }
    const tt = run.transactionTime();
    if (!tt) throw new EngineError('SOURCE_BAD_RESPONSE', { url: location, reason: 'no server time to continue from' });
    archiver.setServerTransactionTime(tt);
    await fetchAttachments(http, archiver, attachments, run, options);
    const result = await archiver.commit();
    return { ...result, strategy: name, capabilities: caps, requests: http.requests };
  }
  throw new EngineError('EXPORT_UNSUPPORTED', { status: 0 });
}

/** Fetches the attachments of new and changed resources; failures make the snapshot partial, other hosts warn. */
async function fetchAttachments(http: FhirHttp, archiver: Archiver, attachments: AttachmentCollector, run: StrategyRun, options: FhirBackupOptions): Promise<void> {
  if (attachments.pendingCount === 0) return;
  const access = run.attachmentAccess();
  const external = new Map<string, number>();
  await attachments.fetchAll(
    async (ref) => {
      const got = await fetchAttachment(http, ref.url, (chunk) => archiver.storeChunk(chunk), { access, signal: options.signal, contentType: ref.contentType });
      if (got.status === 'failed') archiver.problem('SOURCE_HTTP', { file: ref.owner, reason: `attachment ${ref.path || '(content)'}: ${got.reason ?? ''}`.slice(0, 300) });
      if (got.status === 'external') external.set(got.reason ?? '?', (external.get(got.reason ?? '?') ?? 0) + 1);
      return got;
    },
    { concurrency: options.attachmentConcurrency ?? 3, signal: options.signal, onProgress: options.onProgress, binaryKey: (url) => binaryKeyOf(http, url) },
  );
  for (const [host, count] of external) archiver.warn({ code: 'ATTACHMENT_EXTERNAL', details: { host, count } });
  if (attachments.mismatches.length > 0) archiver.warn({ code: 'ATTACHMENT_HASH_MISMATCH', details: { count: attachments.mismatches.length, example: attachments.mismatches[0] as string } });
}

/** The "Binary/<id>" a URL names on the source server (relative, or absolute under its base), or null. */
function binaryKeyOf(http: FhirHttp, url: string): string | null {
  let target: URL;
  try {
    target = new URL(url.replace(/^\//, ''), http.base);
  } catch {
    return null;
  }
  if (target.origin !== http.base.origin || !target.pathname.startsWith(http.base.pathname) || target.search) return null;
  const m = /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(target.pathname.slice(http.base.pathname.length));
  return m ? `Binary/${m[1] as string}` : null;
}
