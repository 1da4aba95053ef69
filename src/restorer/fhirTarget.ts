/**
 * Restore into a FHIR server (ARCHITECTURE.md §6, SOP-019 §6.2). Two steps:
 *  plan    — what will be restored (counts per type, bytes), in which order, and against the target which
 *            resources exist already and which are newer there than in the backup (the preview diff);
 *  execute — only after explicit confirmation: transaction bundles of PUTs (ids kept) built from the stored
 *            bytes (never re-serialised), batch fallback when the server rejects a transaction, adaptive bundle
 *            size, retries, a local journal so an interrupted restore resumes without redoing work, a
 *            per-resource outcome report, and a read-back verification.
 * Order: types other resources point at (Practitioner, Organization, …) first, then SOP-019 criticality
 * tiers (the order is computed by the caller from policy/tiers), so Critical data is usable first.
 */
import { appendFile, readFile, rm } from 'node:fs/promises';
import type { Repository } from '../repository/repository.js';
import type { SnapshotRecord } from '../repository/snapshot.js';
import { probeCapabilities, type Capabilities } from '../source/fhir/capabilities.js';
import { referencesOf } from '../source/fhir/compartment.js';
import { displayUrl, operationOutcomeText, type FhirHttp } from '../source/fhir/http.js';
import { EngineError, isEngineError, throwIfAborted } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import type { FhirRestoreResult, ResourceOutcome, RestorePlan } from '../shared/contract.js';

export type { FhirRestoreResult, ResourceOutcome, RestorePlan };
import { poolOpener } from '../pool/index.js';
import { readResource, readResources, type BlobOpener } from '../repository/reader.js';
import { selectRows, SMALL_READ_FRAMES, type RestoreSelection, type SelectedRow } from './ndjsonTarget.js';

/** The repository file a read error names (PACK_CORRUPT: file; BLOB_MISSING of a missing pack: blob). */
function damagedFile(details: Readonly<Record<string, unknown>>): string | undefined {
  const f = details['file'] ?? details['blob'];
  return typeof f === 'string' ? f : undefined;
}

/** Types that other resources reference and that must exist first on servers enforcing referential integrity. */
export const REFERENCE_TARGET_TYPES: readonly string[] = ['Organization', 'Location', 'Practitioner', 'PractitionerRole', 'HealthcareService', 'Endpoint', 'Medication', 'Substance', 'Device'];

export interface FhirRestoreOptions extends LongOperationOptions {
  readonly http: FhirHttp;
  /** Orders resource types (SOP-019 tiers); reference target types are hoisted before it. */
  readonly orderTypes: (types: readonly string[]) => string[];
  readonly criticalTypes: readonly string[];
  readonly journalFile?: string;
  readonly initialBundleSize?: number;
  readonly concurrency?: number;
  readonly verify?: 'none' | 'sample' | 'all';
  readonly sampleSize?: number;
  /** Opens frames in the worker pool (default: this thread). */
  readonly opener?: BlobOpener;
}

function restoreOrder(types: readonly string[], orderTypes: (t: readonly string[]) => string[]): string[] {
  const first = REFERENCE_TARGET_TYPES.filter((t) => types.includes(t));
  return [...first, ...orderTypes(types.filter((t) => !first.includes(t)))];
}

async function probeTarget(http: FhirHttp, signal?: AbortSignal): Promise<Capabilities> {
  return probeCapabilities(http, signal);
}

/** Existing resources of a type on the target among the given ids, with their lastUpdated. */
async function existingOnTarget(http: FhirHttp, type: string, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  // A type the target holds none of needs no per-id look-ups (the usual case: an empty, freshly installed server).
  const { value: countBundle } = await http.getJson(`${type}?_summary=count`, signal);
  if ((countBundle as { total?: unknown }).total === 0) return out;
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    let url: string | null = `${type}?_id=${chunk.join(',')}&_count=50&_elements=id,meta`;
    for (let pages = 0; url && pages < 10; pages++) {
      const { value } = await http.getJson(url, signal);
      for (const e of (value as { entry?: { resource?: { id?: unknown; meta?: { lastUpdated?: unknown } } }[] }).entry ?? []) {
        if (typeof e.resource?.id === 'string') out.set(e.resource.id, typeof e.resource.meta?.lastUpdated === 'string' ? e.resource.meta.lastUpdated : null);
      }
      const next = ((value as { link?: { relation?: unknown; url?: unknown }[] }).link ?? []).find((l) => l.relation === 'next');
      url = next && typeof next.url === 'string' ? next.url : null;
    }
  }
  return out;
}

export async function planFhirRestore(repo: Repository, snap: SnapshotRecord, selection: RestoreSelection, opts: FhirRestoreOptions & { preview?: boolean }): Promise<{ plan: RestorePlan; rows: Map<string, SelectedRow[]> }> {
  const { http, signal } = opts;
  const caps = await probeTarget(http, signal);
  await repo.loadIndex(signal);
  const rows = await selectRows(repo, snap, selection, signal);
  const counts: Record<string, number> = {};
  let resources = 0;
  let bytes = 0;
  for (const [type, list] of rows) {
    counts[type] = list.length;
    resources += list.length;
    for (const r of list) bytes += r.size;
  }
  let existing = 0;
  const newer: { resource: string; target: string; backup: string | null }[] = [];
  if (opts.preview !== false) {
    for (const [type, list] of rows) {
      const found = await existingOnTarget(http, type, list.map((r) => r.id), signal);
      existing += found.size;
      if (found.size === 0) continue;
      const lastUpdatedById = await backupLastUpdated(repo, list, new Set(found.keys()), opts.opener, signal);
      for (const [id, targetTime] of found) {
        const backupTime = lastUpdatedById.get(id) ?? null;
        if (targetTime && (!backupTime || Date.parse(targetTime) > Date.parse(backupTime))) newer.push({ resource: `${type}/${id}`, target: targetTime, backup: backupTime });
      }
    }
  }
  const plan: RestorePlan = {
    snapshotId: snap.id,
    snapshotTime: snap.manifest.time,
    target: displayUrl(http.base).replace(/\/$/, ''),
    selection,
    order: restoreOrder([...rows.keys()], opts.orderTypes),
    counts,
    resources,
    bytes,
    existing,
    newerOnTarget: newer.slice(0, 500),
    criticalTypes: opts.criticalTypes,
    server: { fhirVersion: caps.fhirVersion, software: caps.software },
    ...(selection.patient ? { danglingReferences: await danglingReferences(repo, rows, signal, 50, opts.opener) } : {}),
  };
  return { plan, rows };
}

/** meta.lastUpdated of backed-up resources (version 1 rows carry it; version 2 reads the resources). */
async function backupLastUpdated(repo: Repository, rows: readonly SelectedRow[], ids: Set<string>, opener: BlobOpener | undefined, signal?: AbortSignal): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const wanted = rows.filter((r) => ids.has(r.id));
  if (repo.version === 1) {
    for (const r of wanted) out.set(r.id, r.lastUpdated);
    return out;
  }
  for await (const d of readResources(repo, wanted, { signal, opener })) {
    if (d.error) {
      out.set(d.row.id, null);
      continue;
    }
    let meta: { lastUpdated?: unknown } | undefined;
    try {
      meta = (JSON.parse(d.bytes.toString('utf8')) as { meta?: { lastUpdated?: unknown } }).meta;
    } catch {
      meta = undefined;
    }
    out.set(d.row.id, typeof meta?.lastUpdated === 'string' ? meta.lastUpdated : null);
  }
  return out;
}

/** A transaction or batch Bundle text embedding each resource's stored bytes verbatim. */
export function bundleText(kind: 'transaction' | 'batch', items: readonly { type: string; id: string; bytes: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"resourceType":"Bundle","type":"${kind}","entry":[`)];
  items.forEach((it, i) => {
    parts.push(Buffer.from(`${i ? ',' : ''}{"resource":`), it.bytes, Buffer.from(`,"request":{"method":"PUT","url":"${it.type}/${it.id}"}}`));
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

interface BundleResponseEntry {
  response?: { status?: unknown; outcome?: unknown };
}

async function loadJournal(file: string | undefined): Promise<Set<string>> {
  const done = new Set<string>();
  if (!file) return done;
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const j = JSON.parse(line) as { t: string; ids: string[] };
      for (const id of j.ids) done.add(`${j.t}/${id}`);
    } catch {
      // a line cut by a crash: the resources it names are simply written again (PUT is idempotent)
    }
  }
  return done;
}

function normalizeForCompare(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = structuredClone(value) as Record<string, unknown>;
  const meta = v['meta'] as Record<string, unknown> | undefined;
  if (meta) {
    delete meta['versionId'];
    delete meta['lastUpdated'];
    delete meta['source'];
    if (Object.keys(meta).length === 0) delete v['meta'];
  }
  return v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** True when the server's copy equals the backup's, ignoring server-assigned meta. */
export function sameContent(backup: Buffer, onServer: unknown): boolean {
  return deepEqual(normalizeForCompare(JSON.parse(backup.toString('utf8'))), normalizeForCompare(onServer));
}

export async function executeFhirRestore(
  repo: Repository,
  snap: SnapshotRecord,
  plan: RestorePlan,
  rows: Map<string, SelectedRow[]>,
  opts: FhirRestoreOptions & { confirmed: boolean },
): Promise<FhirRestoreResult> {
  if (!opts.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
  const pooled = opts.opener ? null : new Set([...rows.values()].flat().map((r) => r.blob)).size > SMALL_READ_FRAMES ? poolOpener(repo) : null;
  try {
    return await executeWith(repo, snap, plan, rows, pooled ? { ...opts, opener: pooled } : opts);
  } finally {
    pooled?.close();
  }
}

async function executeWith(
  repo: Repository,
  snap: SnapshotRecord,
  plan: RestorePlan,
  rows: Map<string, SelectedRow[]>,
  opts: FhirRestoreOptions & { confirmed: boolean },
): Promise<FhirRestoreResult> {
  const { http, signal, onProgress } = opts;
  const started = Date.now();
  const requestsBefore = http.requests;
  const readBefore = repo.bytesRead;
  const journal = await loadJournal(opts.journalFile);
  const failures: ResourceOutcome[] = [];
  const counts: Record<string, number> = {};
  let restored = 0;
  let skipped = 0;
  let bytes = 0;
  let bundleSize = opts.initialBundleSize ?? 100;
  let useBatch = false;
  let timeToCriticalMs: number | null = null;
  let journalWrite: Promise<void> = Promise.resolve();
  const criticalLeft = new Set(plan.order.filter((t) => opts.criticalTypes.includes(t)));
  const progress = (subject: string): void => onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done: restored + skipped + failures.length, total: plan.resources, unit: 'resources', bytes, subject });

  const sendBundle = async (type: string, items: { type: string; id: string; bytes: Buffer }[]): Promise<void> => {
    for (;;) {
      throwIfAborted(signal);
      const kind = useBatch ? 'batch' : 'transaction';
      let res: Response;
      try {
        res = await http.request('', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: bundleText(kind, items).toString('utf8') }, { signal, accept: (s) => s < 500 });
      } catch (err) {
        // Too large for the server, or timing out: smaller bundles (down to one resource) before giving up.
        if (isEngineError(err, 'TIMEOUT') && items.length > 1) {
          bundleSize = Math.max(1, Math.floor(items.length / 2));
          const half = Math.ceil(items.length / 2);
          await sendBundle(type, items.slice(0, half));
          await sendBundle(type, items.slice(half));
          return;
        }
        throw err;
      }
      if (res.status === 413 && items.length > 1) {
        await res.body?.cancel();
        bundleSize = Math.max(1, Math.floor(items.length / 2));
        const half = Math.ceil(items.length / 2);
        await sendBundle(type, items.slice(0, half));
        await sendBundle(type, items.slice(half));
        return;
      }
      const text = await res.text();
      if (!res.ok) {
        if (kind === 'transaction') {
          // The server rejected the transaction (unsupported, or one bad resource fails all): batch isolates failures.
          useBatch = true;
          continue;
        }
        for (const it of items) failures.push({ resource: `${it.type}/${it.id}`, status: 'failed', code: `HTTP ${res.status}`, outcome: operationOutcomeText(text) });
        return;
      }
      let entries: BundleResponseEntry[] = [];
      try {
        entries = ((JSON.parse(text) as { entry?: BundleResponseEntry[] }).entry ?? []) as BundleResponseEntry[];
      } catch {
        throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(http.base), reason: 'bundle response is not JSON' });
      }
      const ok: string[] = [];
      items.forEach((it, i) => {
        const status = String(entries[i]?.response?.status ?? (kind === 'transaction' ? '200' : ''));
        if (/^20[01]/.test(status)) {
          ok.push(it.id);
          counts[it.type] = (counts[it.type] ?? 0) + 1;
          restored++;
          bytes += it.bytes.length;
        } else {
          failures.push({ resource: `${it.type}/${it.id}`, status: 'failed', code: status || 'no response', outcome: operationOutcomeText(JSON.stringify(entries[i]?.response?.outcome ?? '')) });
        }
      });
      if (ok.length > 0 && opts.journalFile) {
        const line = JSON.stringify({ t: type, ids: ok }) + '\n';
        const file = opts.journalFile;
        journalWrite = journalWrite.then(() => appendFile(file, line));
        await journalWrite;
      }
      if (bundleSize < 500 && items.length === bundleSize) bundleSize = Math.min(500, bundleSize * 2);
      progress(type);
      return;
    }
  };

  for (const type of plan.order) {
    const list = (rows.get(type) ?? []).filter((row) => {
      if (!journal.has(`${type}/${row.id}`)) return true;
      skipped++;
      return false;
    });
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    let batch: { type: string; id: string; bytes: Buffer }[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const items = batch;
      batch = [];
      const p = sendBundle(type, items).catch((err: unknown) => {
        failure ??= err;
      });
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      while (inFlight.size >= (opts.concurrency ?? 2)) await Promise.race(inFlight);
      if (failure) throw failure;
    };
    try {
      // Storage order: each frame is read and opened once.
      for await (const d of readResources(repo, list, { signal, opener: opts.opener })) {
        throwIfAborted(signal);
        if (d.error) {
          failures.push({ resource: `${type}/${d.row.id}`, status: 'unreadable', code: d.error.code, outcome: damagedFile(d.error.details) });
          continue;
        }
        batch.push({ type, id: d.row.id, bytes: Buffer.from(d.bytes) });
        if (batch.length >= bundleSize) await flush();
      }
      await flush();
      await Promise.all(inFlight);
      if (failure) throw failure;
    } catch (err) {
      // Stop with nothing in flight and the journal written, so it names exactly what reached the server.
      await Promise.allSettled(inFlight);
      await journalWrite.catch(() => undefined);
      throw err;
    }
    criticalLeft.delete(type);
    if (criticalLeft.size === 0 && timeToCriticalMs === null && opts.criticalTypes.some((t) => plan.order.includes(t))) timeToCriticalMs = Date.now() - started;
  }
  await journalWrite;

  let verification: FhirRestoreResult['verification'] = null;
  if ((opts.verify ?? 'sample') !== 'none') verification = await verifyRestore(repo, rows, http, failures, opts);
  // A complete restore needs no journal; an incomplete one keeps it so a rerun resumes.
  if (opts.journalFile && failures.length === 0) await rm(opts.journalFile, { force: true });
  return {
    snapshotId: snap.id,
    target: plan.target,
    restored,
    skippedFromJournal: skipped,
    counts,
    failures,
    bytes,
    bytesRead: repo.bytesRead - readBefore,
    timeToCriticalMs,
    durationMs: Date.now() - started,
    verification,
    requests: http.requests - requestsBefore,
  };
}

async function verifyRestore(repo: Repository, rows: Map<string, SelectedRow[]>, http: FhirHttp, failures: readonly ResourceOutcome[], opts: FhirRestoreOptions): Promise<{ checked: number; mismatches: string[] }> {
  const failed = new Set(failures.map((f) => f.resource));
  const all: SelectedRow[] = [];
  for (const list of rows.values()) for (const r of list) if (!failed.has(`${r.type}/${r.id}`)) all.push(r);
  let sample = all;
  if (opts.verify !== 'all') {
    const n = Math.min(all.length, opts.sampleSize ?? 50);
    const step = all.length / Math.max(1, n);
    sample = Array.from({ length: n }, (_, i) => all[Math.floor(i * step)] as SelectedRow);
  }
  const mismatches: string[] = [];
  for (const r of sample) {
    throwIfAborted(opts.signal);
    const { value } = await http.getJson(`${r.type}/${r.id}`, opts.signal).catch((err: unknown) => {
      if (isEngineError(err, 'SOURCE_HTTP')) return { value: null };
      throw err;
    });
    if (!value || !sameContent(await readResource(repo, r, { signal: opts.signal, opener: opts.opener }), value)) mismatches.push(`${r.type}/${r.id}`);
  }
  return { checked: sample.length, mismatches };
}

/** References from the selected resources to resources outside the selection (e.g. a patient's record pointing at a practitioner). */
export async function danglingReferences(repo: Repository, rows: Map<string, SelectedRow[]>, signal?: AbortSignal, limit = 50, opener?: BlobOpener): Promise<string[]> {
  const inSet = new Set<string>();
  for (const [type, list] of rows) for (const r of list) inSet.add(`${type}/${r.id}`);
  const out = new Set<string>();
  for (const [, list] of rows) {
    for await (const d of readResources(repo, list, { signal, opener })) {
      // A damaged or missing frame is reported (as unreadable) by the restore itself; planning goes on.
      if (d.error) continue;
      const refs = referencesOf(JSON.parse(d.bytes.toString('utf8')));
      for (const ref of refs) {
        const m = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
        if (m && !inSet.has(m[1] as string)) out.add(m[1] as string);
        if (out.size >= limit) return [...out];
      }
    }
  }
  return [...out].sort();
}
