/**
 * Restore into a FHIR server (ARCHITECTURE.md §6, SOP-019 §6.2, issue 14). Two steps:
 *  plan    — what will be restored (counts per type, bytes), in which order, how ids are handled, which
 *            attachments become Binaries, which server-administration resources are left out, and against the
 *            target which resources exist already and which differ there (the preview: content compared,
 *            server-managed meta ignored);
 *  execute — only after explicit confirmation. Attachments first (Binaries), then resources from the stored
 *            bytes (never re-serialised; only references and attachment URLs are edited, see rewrite.ts):
 *   - ids kept: transaction bundles of PUTs, batch fallback when the server rejects a transaction, adaptive
 *     bundle size, `concurrency` bundles in flight;
 *   - ids assigned by the target (CapabilityStatement updateCreate: false, or a PUT of a new id refused with
 *     404/405/409/422): transaction bundles of POSTs with urn:uuid fullUrls (the server rewrites references
 *     inside the bundle), references to resources created earlier pointed at their new ids, references to
 *     ones not created yet fixed afterwards by PUT; the old → new id map is kept per target (targetMap.ts), so
 *     a resumed or later restore updates instead of duplicating. A bundle sent when the process died is
 *     reconciled on resume by finding its resources on the target;
 *   - a local journal so an interrupted restore resumes without redoing work, a per-resource outcome report,
 *     and a read-back verification.
 * Order: Binary and the types other resources point at (Practitioner, Organization, …) first, then SOP-019
 * criticality tiers (the order is computed by the caller from policy/tiers), so Critical data is usable first.
 */
import { readAttachments, readResource, readResources, type Repository, type SnapshotRecord } from '../repository/index.js';
import { poolOpener } from '../pool/index.js';
import { randomUUID } from 'node:crypto';
import { displayUrl, operationOutcomeText, readAllPages, resultEntries } from '../source/index.js';
import { EngineError, type FhirRestoreResult, isEngineError, isIntegrityCode, type ResourceOutcome, type RestorePlan, throwIfAborted } from '../shared/index.js';
import { isAdministrationType } from './adminTypes.js';
import { createBinaries, planAttachments } from './binaries.js';
import { SMALL_READ_FRAMES, snapshotBinaryReader } from './ndjsonTarget.js';
import { RestoreJournal, TargetMap, type PendingBundle } from './targetMap.js';
import type { SelectedRow } from './selection.js';
import { damagedFile, NO_UPDATE_CREATE, readOne, RestoreMapping, sourceBases, type FhirRestoreOptions } from './fhirPlan.js';
import { bundleText, setTopLevelId, withoutTopLevelId } from './resourceText.js';
import { verifyRestore } from './fhirVerify.js';

export type { FhirRestoreResult, ResourceOutcome, RestorePlan };
export { sameContent } from './rewrite.js';
export { danglingReferences, REFERENCE_TARGET_TYPES, RestoreMapping, planFhirRestore, type FhirRestoreOptions, type PreparedRestore } from './fhirPlan.js';
export { bundleText, setTopLevelId, withoutTopLevelId } from './resourceText.js';

interface BundleResponseEntry {
  resource?: { id?: unknown; resourceType?: unknown };
  response?: { status?: unknown; outcome?: unknown; location?: unknown };
}

/** A resource to write: its old key, stored bytes, and (creations) the urn:uuid it is sent under. */
interface Item {
  readonly type: string;
  readonly id: string;
  readonly bytes: Buffer;
}

/** The "Type/id" a bundle response entry names (location, or the returned resource). */
function responseKey(e: BundleResponseEntry | undefined, type: string): string | null {
  const loc = typeof e?.response?.location === 'string' ? e.response.location : '';
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(loc);
  if (m && m[1] === type) return `${type}/${m[2] as string}`;
  if (e?.resource?.resourceType === type && typeof e.resource.id === 'string') return `${type}/${e.resource.id}`;
  return null;
}

/** Content for matching a created resource whose id and references the server chose: both taken out. */
function matchForm(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'meta' || k === 'id' || k === 'text') continue;
      out[k] = k === 'reference' ? '' : strip(x);
    }
    return out;
  };
  return JSON.stringify(strip(value));
}

export interface FhirRestoreExecution extends FhirRestoreResult {
  /** How resources were written, for verification and drills. */
  readonly mapping: RestoreMapping;
}

export async function executeFhirRestore(
  repo: Repository,
  snap: SnapshotRecord,
  plan: RestorePlan,
  rows: Map<string, SelectedRow[]>,
  opts: FhirRestoreOptions & { confirmed: boolean },
): Promise<FhirRestoreExecution> {
  if (!opts.confirmed) throw new EngineError('RESTORE_NOT_CONFIRMED');
  const { http, signal, onProgress } = opts;
  const started = Date.now();
  const requestsBefore = http.requests;
  const readBefore = repo.bytesRead;
  const journal = await RestoreJournal.open(opts.journalFile);
  const map = await TargetMap.open(opts.mapFile ?? null);
  const bases = sourceBases(snap);
  const targetBase = http.base.href.replace(/\/+$/, '');
  const restored = new Set<string>();
  const rowOf = new Map<string, SelectedRow>();
  for (const [type, list] of rows) {
    for (const r of list) {
      restored.add(`${type}/${r.id}`);
      rowOf.set(`${type}/${r.id}`, r);
    }
  }
  const attachments = planAttachments(await readAttachments(repo, snap.manifest.attachments, signal), (k) => restored.has(k), bases);
  const mapping = new RestoreMapping(map, attachments, bases, targetBase, restored);
  const failures: ResourceOutcome[] = [];
  const refusedAdministration: { resource: string; code: string }[] = [];
  const counts: Record<string, number> = {};
  let restoredCount = 0;
  let skipped = 0;
  let bytes = 0;
  let bundleSize = opts.initialBundleSize ?? 100;
  let useBatch = false;
  let assign = plan.ids?.mode === 'server-assigned';
  /** A PUT created a resource on this target: it does create by update, so a refused PUT is about that resource. */
  let putCreates = false;
  let switchedAt: string | null = null;
  let timeToCriticalMs: number | null = null;
  let serverNow: number | null = null;
  const criticalLeft = new Set(plan.order.filter((t) => opts.criticalTypes.includes(t)));
  const progress = (subject: string): void =>
    onProgress?.({ type: 'progress', op: 'restore', phase: 'write', done: restoredCount + skipped + failures.length, total: plan.resources, unit: 'resources', bytes, subject });
  const noteDate = (res: Response): void => {
    const d = Date.parse(res.headers.get('date') ?? '');
    if (!Number.isNaN(d)) serverNow = d;
  };
  const created = (key: string): boolean => journal.done.has(key) || map.id(key) !== undefined;
  const fail = (key: string, status: string, outcome: string): void => {
    const type = key.slice(0, key.indexOf('/'));
    // Administration resources the target refuses (a project admin may not write the shared Project): skipped.
    if (isAdministrationType(type) && /^(401|403|405)/.test(status.replace(/^HTTP /, ''))) refusedAdministration.push({ resource: key, code: status });
    else failures.push({ resource: key, status: 'failed', code: status || 'no response', outcome });
  };
  const succeeded = async (type: string, ok: Item[]): Promise<void> => {
    for (const it of ok) {
      counts[it.type] = (counts[it.type] ?? 0) + 1;
      restoredCount++;
      bytes += it.bytes.length;
    }
    await journal.markDone(
      type,
      ok.map((i) => i.id),
    );
  };

  // ---- 0. a bundle of creations in flight when the last run died: find what the server made of it
  if (journal.pending.size > 0) await reconcile([...journal.pending.values()]);

  // ---- 1. attachments: Binaries first, so resources can point at them
  const binaries = await createBinaries(repo, http, map, attachments, { keepIds: () => !assign, sourceBases: bases, binary: snapshotBinaryReader(repo, snap), signal, onProgress });

  // ---- 2. resources, type by type
  /** Kept ids: PUT bundles (transaction, then batch). Items the server refuses to create by PUT come back. */
  const sendPut = async (type: string, items: Item[], refused: Item[]): Promise<void> => {
    for (;;) {
      throwIfAborted(signal);
      const kind = useBatch ? 'batch' : 'transaction';
      const body: Buffer[] = [];
      for (const it of items) body.push(Buffer.from((await mapping.text(repo, `${it.type}/${it.id}`, it.bytes, { signal })).text));
      const targetItems = items.map((it, i) => {
        const t = mapping.targetKey(`${it.type}/${it.id}`);
        return { type: it.type, id: t.slice(t.indexOf('/') + 1), bytes: body[i] as Buffer };
      });
      let res: Response;
      try {
        res = await http.request('', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: bundleText(kind, targetItems) }, { signal, accept: (s) => s < 500 });
      } catch (err) {
        // Too large for the server, or timing out: smaller bundles (down to one resource) before giving up.
        if (isEngineError(err, 'TIMEOUT') && items.length > 1) {
          bundleSize = Math.max(1, Math.floor(items.length / 2));
          const half = Math.ceil(items.length / 2);
          await sendPut(type, items.slice(0, half), refused);
          await sendPut(type, items.slice(half), refused);
          return;
        }
        throw err;
      }
      noteDate(res);
      if (res.status === 413 && items.length > 1) {
        await res.body?.cancel();
        bundleSize = Math.max(1, Math.floor(items.length / 2));
        const half = Math.ceil(items.length / 2);
        await sendPut(type, items.slice(0, half), refused);
        await sendPut(type, items.slice(half), refused);
        return;
      }
      const text = await res.text();
      if (!res.ok) {
        if (kind === 'transaction') {
          // The server rejected the transaction (unsupported, or one bad resource fails all): batch isolates failures.
          useBatch = true;
          continue;
        }
        for (const it of items) fail(`${it.type}/${it.id}`, `HTTP ${res.status}`, operationOutcomeText(text));
        return;
      }
      let entries: BundleResponseEntry[] = [];
      try {
        entries = ((JSON.parse(text) as { entry?: BundleResponseEntry[] }).entry ?? []) as BundleResponseEntry[];
      } catch {
        throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(http.base), reason: 'bundle response is not JSON' });
      }
      const ok: Item[] = [];
      const maybeRefused: Item[] = [];
      for (const [i, it] of items.entries()) {
        const status = String(entries[i]?.response?.status ?? (kind === 'transaction' ? '200' : ''));
        if (/^20[01]/.test(status)) {
          ok.push(it);
          if (status.startsWith('201')) putCreates = true;
        } else if (NO_UPDATE_CREATE.has(Number.parseInt(status, 10))) maybeRefused.push(it);
        else fail(`${it.type}/${it.id}`, status, operationOutcomeText(JSON.stringify(entries[i]?.response?.outcome ?? '')));
      }
      await succeeded(type, ok);
      // Some PUTs worked: the others were refused for what they hold (validation), not for their new id.
      if (ok.length > 0 || putCreates) {
        for (const it of maybeRefused)
          fail(`${it.type}/${it.id}`, String(entries[items.indexOf(it)]?.response?.status ?? ''), operationOutcomeText(JSON.stringify(entries[items.indexOf(it)]?.response?.outcome ?? '')));
        maybeRefused.length = 0;
      }
      // A PUT of an id the target does not hold, refused: the target does not create by update (or the id map
      // is stale). Those go the server-assigned way; anything else is a failure of that resource.
      for (const it of maybeRefused) {
        const key = mapping.targetKey(`${it.type}/${it.id}`);
        if ((await readOne(http, key, signal)) === null) {
          if (map.id(`${it.type}/${it.id}`) !== undefined) await map.forget(`${it.type}/${it.id}`);
          refused.push(it);
        } else fail(`${it.type}/${it.id}`, String(entries[items.indexOf(it)]?.response?.status ?? ''), operationOutcomeText(JSON.stringify(entries[items.indexOf(it)]?.response?.outcome ?? '')));
      }
      if (bundleSize < 500 && items.length === bundleSize) bundleSize = Math.min(500, bundleSize * 2);
      progress(type);
      return;
    }
  };

  /**
   * Server-assigned ids: one transaction of POSTs (new) and PUTs (already mapped). Intra-bundle references by
   * urn:uuid; a transaction refused is split down to single resources before a resource counts as failed.
   */
  const sendAssigned = async (type: string, items: Item[]): Promise<void> => {
    throwIfAborted(signal);
    const urns = new Map<string, string>();
    for (const it of items) if (map.id(`${it.type}/${it.id}`) === undefined) urns.set(`${it.type}/${it.id}`, `urn:uuid:${randomUUID()}`);
    const entries: Buffer[] = [];
    const forward: string[] = [];
    for (const it of items) {
      const key = `${it.type}/${it.id}`;
      const { text, forward: fw } = await mapping.text(repo, key, it.bytes, { urns, created: (k) => created(k) || urns.has(k), signal });
      if (fw) forward.push(key);
      const urn = urns.get(key);
      const target = mapping.targetKey(key);
      const body = urn ? withoutTopLevelId(text) : setTopLevelId(text, target.slice(target.indexOf('/') + 1));
      const request = urn ? `{"method":"POST","url":"${it.type}"}` : `{"method":"PUT","url":"${target}"}`;
      entries.push(Buffer.from(`${entries.length ? ',' : ''}{${urn ? `"fullUrl":"${urn}",` : ''}"resource":${body},"request":${request}}`));
    }
    const bundleId = randomUUID();
    const at = new Date((serverNow ?? Date.now()) - 5000).toISOString();
    // Write-ahead: what is about to be created, so a kill before the answer is noted can be reconciled.
    if (urns.size > 0) await journal.begin({ id: bundleId, at, items: [...urns].map(([key, urn]) => ({ key, urn })) });
    for (const key of forward) await journal.needFixup(key);
    const res = await http.request(
      '',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: Buffer.concat([Buffer.from('{"resourceType":"Bundle","type":"transaction","entry":['), ...entries, Buffer.from(']}')]),
      },
      { signal, accept: (s) => s < 500 },
    );
    noteDate(res);
    const text = await res.text();
    if (!res.ok) {
      await journal.complete(bundleId); // refused as a whole: nothing was created
      for (const key of forward) await journal.fixed(key);
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await sendAssigned(type, items.slice(0, half));
        await sendAssigned(type, items.slice(half));
        return;
      }
      const only = items[0] as Item;
      fail(`${only.type}/${only.id}`, `HTTP ${res.status}`, operationOutcomeText(text));
      return;
    }
    let out: BundleResponseEntry[] = [];
    try {
      out = ((JSON.parse(text) as { entry?: BundleResponseEntry[] }).entry ?? []) as BundleResponseEntry[];
    } catch {
      throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(http.base), reason: 'bundle response is not JSON' });
    }
    const pairs: [string, string][] = [];
    for (const [i, it] of items.entries()) {
      const key = `${it.type}/${it.id}`;
      if (!urns.has(key)) continue;
      const made = responseKey(out[i], it.type);
      if (!made) throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(http.base), reason: `the transaction response does not say where ${it.type} was created` });
      pairs.push([key, made]);
    }
    await map.setIds(pairs);
    await succeeded(type, items);
    await journal.complete(bundleId);
    progress(type);
  };

  // Frames are opened in the worker pool, unless there are so few (one patient) that starting it costs more.
  const frames = new Set<string>();
  if (!opts.opener && repo.version === 2) for (const list of rows.values()) for (const r of list) if (frames.size <= SMALL_READ_FRAMES) frames.add(r.blob);
  const pooled = !opts.opener && frames.size > SMALL_READ_FRAMES ? poolOpener(repo) : null;
  const opener = opts.opener ?? pooled ?? undefined;
  try {
    await restoreResources();
  } finally {
    pooled?.close();
  }

  async function restoreResources(): Promise<void> {
    for (const type of plan.order) {
      const list = rows.get(type) ?? [];
      const inFlight = new Set<Promise<void>>();
      let failure: unknown = null;
      let batch: Item[] = [];
      const refused: Item[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const items = batch;
        batch = [];
        if (assign) {
          // New ids are needed by what follows: one bundle at a time, in order.
          await Promise.all(inFlight);
          await sendAssigned(type, items);
          return;
        }
        const p = sendPut(type, items, refused).catch((err: unknown) => {
          failure ??= err;
        });
        const tracked = p.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        while (inFlight.size >= (opts.concurrency ?? 2)) await Promise.race(inFlight);
        if (failure) throw failure;
      };
      try {
        const pending: SelectedRow[] = [];
        for (const row of list) {
          if (journal.done.has(`${type}/${row.id}`)) skipped++;
          else pending.push(row);
        }
        // Whole frames in storage order, opened in the worker pool when there are many (not one resource at a time).
        for await (const d of readResources(repo, pending, { signal, ...(opener ? { opener } : {}) })) {
          throwIfAborted(signal);
          if (d.error) {
            const err = d.error;
            if (isIntegrityCode(err.code) || err.code === 'BLOB_MISSING') {
              failures.push({ resource: `${type}/${d.row.id}`, status: 'unreadable', code: err.code, outcome: damagedFile(err.details) });
              continue;
            }
            throw err;
          }
          batch.push({ type, id: d.row.id, bytes: d.bytes });
          if (batch.length >= (assign ? Math.min(bundleSize, 50) : bundleSize)) await flush();
        }
        await flush();
        await Promise.all(inFlight);
        if (failure) throw failure;
        if (refused.length > 0) {
          // The target does not create resources by PUT: from here on it assigns the ids.
          if (!assign) switchedAt = `${refused[0]?.type ?? type}/${refused[0]?.id ?? ''}`;
          assign = true;
          for (let i = 0; i < refused.length; i += 50) await sendAssigned(type, refused.slice(i, i + 50));
        }
      } catch (err) {
        // Stop with nothing in flight and the journal written, so it names exactly what reached the server.
        await Promise.allSettled(inFlight);
        await journal.flush();
        await map.flush();
        throw err;
      }
      criticalLeft.delete(type);
      if (criticalLeft.size === 0 && timeToCriticalMs === null && opts.criticalTypes.some((t) => plan.order.includes(t))) timeToCriticalMs = Date.now() - started;
    }
  }

  // ---- 3. references to resources created after the ones pointing at them
  let fixed = 0;
  for (const key of [...journal.fixups]) {
    throwIfAborted(signal);
    const row = rowOf.get(key);
    const target = map.id(key);
    if (!row || !target) {
      await journal.fixed(key);
      continue;
    }
    const { text } = await mapping.text(repo, key, await readResource(repo, row, { signal }), { signal });
    const res = await http.request(
      target,
      { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json' }, body: setTopLevelId(text, target.slice(target.indexOf('/') + 1)) },
      { signal, accept: (s) => s < 500 },
    );
    const out = await res.text();
    if (res.ok) {
      fixed++;
      await journal.fixed(key);
    } else fail(key, `HTTP ${res.status}`, `references not updated: ${operationOutcomeText(out)}`);
  }
  await journal.flush();
  await map.flush();

  for (const f of binaries.failures) failures.push({ resource: f.owner, status: 'failed', code: f.code, outcome: `attachment ${f.url} not restored${f.outcome ? `: ${f.outcome}` : ''}` });
  let verification: FhirRestoreResult['verification'] = null;
  if ((opts.verify ?? 'sample') !== 'none') verification = await verifyRestore(repo, rows, http, mapping, [...failures, ...refusedAdministration], opts);
  // A complete restore needs no journal; an incomplete one keeps it so a rerun resumes.
  if (failures.length === 0 && journal.fixups.size === 0) await journal.remove();
  const entries = map.entries();
  return {
    snapshotId: snap.id,
    target: plan.target,
    restored: restoredCount,
    skippedFromJournal: skipped,
    counts,
    failures,
    bytes,
    bytesRead: repo.bytesRead - readBefore,
    timeToCriticalMs,
    durationMs: Date.now() - started,
    verification,
    requests: http.requests - requestsBefore,
    ids: {
      mode: assign ? 'server-assigned' : 'kept',
      ...(switchedAt ? { detectedAt: switchedAt } : {}),
      assigned: map.assigned,
      known: entries.length,
      file: map.path,
      sample: entries.slice(0, 20).map(([from, to]) => ({ from, to })),
      fixedReferences: fixed,
    },
    attachments: { binariesCreated: binaries.created, alreadyOnTarget: binaries.reused, bytes: binaries.bytes, failed: binaries.failures.length, notStored: attachments.notStored.length },
    administration: { excluded: Object.entries(plan.administration?.included ? {} : (plan.administration?.counts ?? {})).map(([type, count]) => ({ type, count })), refused: refusedAdministration },
    mapping,
  };

  /** Bundles sent by a run that died before noting the answer: adopt what the target created, resend the rest. */
  async function reconcile(pending: PendingBundle[]): Promise<void> {
    const taken = new Set(map.entries().map(([, n]) => n));
    for (const bundle of pending) {
      const byType = new Map<string, string[]>();
      for (const { key } of bundle.items) {
        const t = key.slice(0, key.indexOf('/'));
        byType.set(t, [...(byType.get(t) ?? []), key]);
      }
      const pairs: [string, string][] = [];
      for (const [type, keys] of byType) {
        const wanted = new Map<string, string[]>();
        for (const key of keys) {
          const row = rowOf.get(key);
          if (!row) continue;
          const { text } = await mapping.text(repo, key, await readResource(repo, row, { signal }), { signal });
          const form = matchForm(JSON.parse(text));
          wanted.set(form, [...(wanted.get(form) ?? []), key]);
        }
        const q = new URLSearchParams({ _lastUpdated: `ge${bundle.at}`, _count: '200' });
        await readAllPages(http, `${type}?${q}`, { pageSize: 200, signal }, (page) => {
          for (const e of resultEntries(page.bundle)) {
            const r = e.resource as Record<string, unknown> | undefined;
            if (!r || typeof r['id'] !== 'string' || taken.has(`${type}/${r['id']}`)) continue;
            const olds = wanted.get(matchForm(r));
            const old = olds?.shift();
            if (!old) continue;
            pairs.push([old, `${type}/${r['id']}`]);
            taken.add(`${type}/${r['id']}`);
          }
        });
      }
      await map.setIds(pairs);
      for (const [old] of pairs) await journal.markDone(old.slice(0, old.indexOf('/')), [old.slice(old.indexOf('/') + 1)]);
      await journal.complete(bundle.id);
    }
  }
}
