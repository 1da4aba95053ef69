/**
 * Bulk Data Access ($export) jobs of the sandbox. A job pins the store's state at kick-off (transactionTime T,
 * sequence S); its output files are lists of immutable version records, streamed as NDJSON on download, so
 * an export never copies the data (the store holds each resource's bytes once).
 */
import { randomUUID } from 'node:crypto';
import { fhirError, lowerBoundMs, upperBoundSeq, TYPE_RE, type ResourceStore, type VersionRecord } from './store.js';
import { arrayElements, objectMembers } from './jsontext.js';
import { patientIdOfReference } from './synthetic.js';

export type ExportLevel = 'system' | 'patient' | 'group';

export interface ExportParams {
  level: ExportLevel;
  groupId?: string;
  types: string[] | null;
  sinceMs: number | null;
}

export interface ExportFile {
  name: string;
  type: string;
  records: readonly VersionRecord[];
}

export interface ExportJob {
  id: string;
  params: ExportParams;
  requestUrl: string;
  transactionMs: number;
  seq: number;
  requiresAccessToken: boolean;
  pollsBeforeReady: number;
  polls: number;
  /** Patient ids of a group export, read from the Group at kick-off. */
  members: Set<string> | null;
  files: ExportFile[] | null;
  deleted: ExportFile | null;
  /** Output files that failed on the server's side (fault `failExportFiles`): listed in the manifest's error file. */
  failed?: readonly ExportFile[];
}

/** The name of the job's error file (OperationOutcome NDJSON, one line per failed output file). */
export const ERROR_FILE = 'error-1.ndjson';

const OUTPUT_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const DELETED_PER_BUNDLE = 500;

/** Reads kick-off parameters from the query (GET) or a Parameters resource (POST). */
export function parseExportParams(level: ExportLevel, groupId: string | undefined, query: URLSearchParams, body: string | null, lenient: boolean): ExportParams {
  const values = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    values.set(k, [...(values.get(k) ?? []), v]);
  };
  for (const [k, v] of query) add(k, v);
  if (body && body.trim().length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw fhirError(400, 'structure', 'the kick-off body is not JSON');
    }
    const p = parsed as { resourceType?: unknown; parameter?: unknown };
    if (p.resourceType !== 'Parameters') throw fhirError(400, 'invalid', 'a POST kick-off body must be a Parameters resource');
    for (const item of Array.isArray(p.parameter) ? p.parameter : []) {
      if (typeof item !== 'object' || item === null) continue;
      const o = item as Record<string, unknown>;
      const name = o['name'];
      if (typeof name !== 'string') continue;
      for (const [k, v] of Object.entries(o)) if (k.startsWith('value') && (typeof v === 'string' || typeof v === 'boolean')) add(name, String(v));
    }
  }
  for (const k of values.keys()) {
    if (['_type', '_since', '_outputFormat'].includes(k)) continue;
    if (!lenient) throw fhirError(400, 'not-supported', `the parameter ${k} is not supported (use Prefer: handling=lenient to ignore it)`);
  }
  const fmt = values.get('_outputFormat')?.[0];
  if (fmt !== undefined && !OUTPUT_FORMATS.has(fmt)) throw fhirError(400, 'not-supported', `_outputFormat ${fmt} is not supported`);
  let types: string[] | null = null;
  const typeValues = values.get('_type');
  if (typeValues) {
    types = [
      ...new Set(
        typeValues
          .flatMap((v) => v.split(','))
          .map((t) => t.trim())
          .filter((t) => t.length > 0),
      ),
    ];
    for (const t of types) if (!TYPE_RE.test(t)) throw fhirError(400, 'invalid', `_type: "${t}" is not a resource type`);
  }
  let sinceMs: number | null = null;
  const since = values.get('_since')?.[0];
  if (since !== undefined) {
    sinceMs = parseInstant(since);
    if (sinceMs === null) throw fhirError(400, 'invalid', `_since: "${since}" is not an instant`);
  }
  return { level, ...(groupId !== undefined ? { groupId } : {}), types, sinceMs };
}

/** An instant (with timezone) or a date → epoch ms, or null. */
export function parseInstant(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s)) return null;
  const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isFinite(ms) ? ms : null;
}

/** Patient ids of a Group's members (Patient references), as stored now. */
export function groupMembers(store: ResourceStore, groupId: string): Set<string> {
  const rec = store.read('Group', groupId);
  if (!rec || rec.body === null) throw fhirError(404, 'not-found', `Group/${groupId} not found`);
  const text = rec.body.toString('utf8');
  const out = new Set<string>();
  const member = objectMembers(text, text.indexOf('{')).find((m) => m.key === 'member');
  if (!member) return out;
  for (const el of arrayElements(text, member.value.start)) {
    const m: unknown = JSON.parse(text.slice(el.start, el.end));
    const ref = (m as { entity?: { reference?: unknown } }).entity?.reference;
    if (typeof ref === 'string') {
      const id = patientIdOfReference(ref);
      if (id) out.add(id);
    }
  }
  return out;
}

export function createJob(store: ResourceStore, params: ExportParams, requestUrl: string, opts: { pollsBeforeReady: number; requiresAccessToken: boolean }): ExportJob {
  const members = params.level === 'group' ? groupMembers(store, params.groupId ?? '') : null;
  const { ms, seq } = store.barrier();
  return {
    id: randomUUID(),
    params,
    requestUrl,
    transactionMs: ms,
    seq,
    requiresAccessToken: opts.requiresAccessToken,
    pollsBeforeReady: opts.pollsBeforeReady,
    polls: 0,
    members,
    files: null,
    deleted: null,
  };
}

/**
 * Builds the job's output file lists (state as of the job's sequence). `misfiled` (fault): that many
 * resources at the start of each file are listed in the file before it instead (another type's file).
 */
export function completeJob(store: ResourceStore, job: ExportJob, maxPerFile: number, misfiled = 0, failing: RegExp | null = null): void {
  if (job.files) return;
  const { params, seq } = job;
  const inScope = (r: VersionRecord): boolean => {
    if (params.level === 'system') return true;
    if (r.patientId === null) return false;
    return job.members === null || job.members.has(r.patientId);
  };
  const types = params.types ?? store.types();
  const files: ExportFile[] = [];
  const deleted: VersionRecord[] = [];
  for (const type of types) {
    const log = store.typeLog(type);
    const hi = upperBoundSeq(log, seq);
    const lo = params.sinceMs === null ? 0 : lowerBoundMs(log, params.sinceMs, false, 0, hi);
    let chunk: VersionRecord[] = [];
    let n = 0;
    for (let i = lo; i < hi; i++) {
      const r = log[i] as VersionRecord;
      if (store.asOf(r, seq) !== r || !inScope(r)) continue;
      if (r.body === null) {
        if (params.sinceMs !== null) deleted.push(r);
        continue;
      }
      chunk.push(r);
      if (chunk.length >= maxPerFile) {
        files.push({ name: `${type}-${++n}.ndjson`, type, records: chunk });
        chunk = [];
      }
    }
    if (chunk.length > 0) files.push({ name: `${type}-${++n}.ndjson`, type, records: chunk });
  }
  if (misfiled > 0 && files.length > 1) {
    const moved = files.map((f) => f.records.slice(0, misfiled));
    for (let i = 0; i < files.length; i++) {
      const f = files[i] as ExportFile;
      const incoming = moved[(i + 1) % files.length] as VersionRecord[];
      files[i] = { ...f, records: [...f.records.slice(misfiled), ...incoming] };
    }
    const nonEmpty = files.filter((f) => f.records.length > 0);
    files.length = 0;
    files.push(...nonEmpty);
  }
  job.files = failing ? files.filter((f) => !failing.test(f.name)) : files;
  if (failing) job.failed = files.filter((f) => failing.test(f.name));
  job.deleted = deleted.length > 0 ? { name: 'deleted-1.ndjson', type: 'Bundle', records: deleted } : null;
}

export function findFile(job: ExportJob, name: string): ExportFile | undefined {
  if (job.deleted?.name === name) return job.deleted;
  return job.files?.find((f) => f.name === name);
}

export function manifest(job: ExportJob, fileUrl: (name: string) => string): string {
  const output = (job.files ?? []).map((f) => ({ type: f.type, url: fileUrl(f.name), count: f.records.length }));
  const deleted = job.deleted ? [{ type: 'Bundle', url: fileUrl(job.deleted.name), count: Math.ceil(job.deleted.records.length / DELETED_PER_BUNDLE) }] : [];
  return JSON.stringify({
    transactionTime: new Date(job.transactionMs).toISOString(),
    request: job.requestUrl,
    requiresAccessToken: job.requiresAccessToken,
    output,
    deleted,
    error: job.failed?.length ? [{ type: 'OperationOutcome', url: fileUrl(ERROR_FILE) }] : [],
  });
}

/** The job's error file: one OperationOutcome per output file that failed; null when none failed. */
export function errorFileBody(job: ExportJob): string | null {
  if (!job.failed?.length) return null;
  const line = (f: ExportFile): string =>
    JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: `Failed to export ${f.type} (${f.name}, ${f.records.length} resources): storage timeout` }],
    });
  return job.failed.map(line).join('\n') + '\n';
}

const NL = Buffer.from('\n');

/** How a truncation fault cuts a file: after `afterLines` full lines (-1: half of them), the next line is cut in half; with `resume` the file goes on after it. */
export interface FileCut {
  afterLines: number;
  resume: boolean;
}

function cutIndex(cut: FileCut | null, lines: number): number {
  if (cut === null) return -1;
  return Math.min(cut.afterLines === -1 ? Math.floor(lines / 2) : cut.afterLines, lines - 1);
}

/**
 * The bytes of an output file, in ~64 KiB chunks. `cut` (truncation fault): send that many full lines and then
 * half of the next line, no newline (or, with `resume`, a newline and the rest of the file).
 */
export function* fileChunks(file: ExportFile, cut: FileCut | null): Generator<Buffer> {
  if (file.type === 'Bundle' && file.name.startsWith('deleted')) {
    yield* deletedChunks(file.records, cut);
    return;
  }
  const recs = file.records;
  const at = cutIndex(cut, recs.length);
  let parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < recs.length; i++) {
    const body = (recs[i] as VersionRecord).body as Buffer;
    if (i === at) {
      const half = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      if (!cut?.resume) {
        parts.push(half);
        yield Buffer.concat(parts);
        return;
      }
      parts.push(half, NL);
      size += half.length + 1;
      continue;
    }
    parts.push(body, NL);
    size += body.length + 1;
    if (size >= 65536) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.concat(parts, size);
}

function* deletedChunks(recs: readonly VersionRecord[], cut: FileCut | null): Generator<Buffer> {
  const lines: string[] = [];
  for (let i = 0; i < recs.length; i += DELETED_PER_BUNDLE) {
    const entries = recs.slice(i, i + DELETED_PER_BUNDLE).map((r) => `{"request":{"method":"DELETE","url":"${r.type}/${r.id}"}}`);
    lines.push(`{"resourceType":"Bundle","id":"deleted-${i / DELETED_PER_BUNDLE + 1}","type":"transaction","entry":[${entries.join(',')}]}`);
  }
  const at = cutIndex(cut, lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (i === at) {
      const half = line.slice(0, Math.max(1, Math.floor(line.length / 2)));
      if (!cut?.resume) {
        yield Buffer.from(half);
        return;
      }
      yield Buffer.from(`${half}\n`);
      continue;
    }
    yield Buffer.from(`${line}\n`);
  }
}
