/**
 * Snapshot trees (docs/format.md §Trees). A snapshot's tree lists every resource it contains:
 * per resource type, rows sorted by id. Stored as tree blobs in packs:
 *
 *  checkpoint chunk:  "CBTREE1\t<type>\n" + rows joined by "\n"
 *  delta:             "CBDELTA1\n" + lines "+\t<type>\t<row>" (added/changed) or "-\t<type>\t<id>" (deleted)
 *  row:               id \t versionId \t lastUpdated \t blob id hex \t patient id \t size   (empty field = none)
 *
 * A snapshot references a checkpoint (chunk blob ids per type) and the chain of deltas written since,
 * so an incremental backup costs about the size of what changed, not of the whole listing.
 */
import { EngineError } from '../shared/index.js';

export interface TreeEntry {
  readonly id: string;
  readonly versionId: string | null;
  readonly lastUpdated: string | null;
  /** Blob id, hex. */
  readonly blob: string;
  /** Patient compartment (the patient id) or null. */
  readonly patient: string | null;
  /** Bytes of the resource as stored. */
  readonly size: number;
}

export interface TreeRef {
  /** Chunk blob ids per resource type, each chunk sorted by id, chunks in order. */
  readonly checkpoint: Readonly<Record<string, readonly string[]>>;
  /** Delta blob ids, applied in order on top of the checkpoint. */
  readonly deltas: readonly string[];
  /** Changes recorded in the deltas (to decide when a new checkpoint pays off). */
  readonly changesSinceCheckpoint: number;
}

export const EMPTY_TREE: TreeRef = { checkpoint: {}, deltas: [], changesSinceCheckpoint: 0 };

const FIELD_RE = /^[^\t\n]*$/;

export function encodeRow(e: TreeEntry): string {
  for (const f of [e.id, e.versionId ?? '', e.lastUpdated ?? '', e.patient ?? '']) {
    if (!FIELD_RE.test(f)) throw new EngineError('INVALID_ARGUMENT', { field: 'id', reason: 'tab or newline in a resource id' });
  }
  return `${e.id}\t${e.versionId ?? ''}\t${e.lastUpdated ?? ''}\t${e.blob}\t${e.patient ?? ''}\t${e.size}`;
}

export function decodeRow(row: string): TreeEntry {
  const f = row.split('\t');
  if (f.length !== 6 || !/^[0-9a-f]{64}$/.test(f[3] as string)) throw new EngineError('SNAPSHOT_CORRUPT', { file: 'tree row' });
  return {
    id: f[0] as string,
    versionId: f[1] || null,
    lastUpdated: f[2] || null,
    blob: f[3] as string,
    patient: f[4] || null,
    size: Number(f[5]),
  };
}

/** The id of a row without decoding it (rows start with the id). */
export function rowId(row: string): string {
  const tab = row.indexOf('\t');
  return tab < 0 ? row : row.slice(0, tab);
}

/** The blob id of a row without decoding it. */
export function rowBlob(row: string): string {
  const f = row.split('\t', 4);
  return f[3] ?? '';
}

export function encodeChunk(type: string, rows: readonly string[]): Buffer {
  return Buffer.from(`CBTREE1\t${type}\n${rows.join('\n')}`, 'utf8');
}

export function decodeChunk(buf: Buffer): { type: string; rows: string[] } {
  const text = buf.toString('utf8');
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  if (!head.startsWith('CBTREE1\t')) throw new EngineError('SNAPSHOT_CORRUPT', { file: 'tree chunk' });
  const body = nl < 0 ? '' : text.slice(nl + 1);
  return { type: head.slice(8), rows: body === '' ? [] : body.split('\n') };
}

export interface DeltaChange {
  readonly type: string;
  readonly id: string;
  /** The new row, or null when the resource was deleted. */
  readonly row: string | null;
}

export function encodeDelta(changes: readonly DeltaChange[]): Buffer {
  const lines = ['CBDELTA1'];
  for (const c of changes) lines.push(c.row === null ? `-\t${c.type}\t${c.id}` : `+\t${c.type}\t${c.row}`);
  return Buffer.from(lines.join('\n'), 'utf8');
}

export function decodeDelta(buf: Buffer): DeltaChange[] {
  const lines = buf.toString('utf8').split('\n');
  if (lines[0] !== 'CBDELTA1') throw new EngineError('SNAPSHOT_CORRUPT', { file: 'tree delta' });
  const out: DeltaChange[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    if (t1 !== 1 || t2 < 0) throw new EngineError('SNAPSHOT_CORRUPT', { file: 'tree delta' });
    const type = line.slice(2, t2);
    const rest = line.slice(t2 + 1);
    if (line[0] === '+') out.push({ type, id: rowId(rest), row: rest });
    else if (line[0] === '-') out.push({ type, id: rest, row: null });
    else throw new EngineError('SNAPSHOT_CORRUPT', { file: 'tree delta' });
  }
  return out;
}

/** Key of a resource inside a tree overlay. */
export function treeKey(type: string, id: string): string {
  return `${type}/${id}`;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts rows by id (rows start with the id; tab sorts before every id character). */
export function sortRows(rows: string[]): string[] {
  return rows.sort(compareIds);
}

/**
 * Merges a sorted stream of checkpoint rows with sorted overlay changes for one type.
 * Overlay rows replace checkpoint rows with the same id; null overlay entries delete them.
 */
export function* mergeRows(base: Iterable<string>, overlay: readonly DeltaChange[]): Generator<string> {
  let i = 0;
  for (const row of base) {
    const id = rowId(row);
    while (i < overlay.length && compareIds((overlay[i] as DeltaChange).id, id) < 0) {
      const c = overlay[i++] as DeltaChange;
      if (c.row !== null) yield c.row;
    }
    if (i < overlay.length && (overlay[i] as DeltaChange).id === id) {
      const c = overlay[i++] as DeltaChange;
      if (c.row !== null) yield c.row;
      continue;
    }
    yield row;
  }
  while (i < overlay.length) {
    const c = overlay[i++] as DeltaChange;
    if (c.row !== null) yield c.row;
  }
}

/** Collapses a chain of deltas into the last change per resource, grouped by type and sorted by id. */
export function collapseDeltas(chain: readonly (readonly DeltaChange[])[]): Map<string, DeltaChange[]> {
  const last = new Map<string, DeltaChange>();
  for (const delta of chain) for (const c of delta) last.set(treeKey(c.type, c.id), c);
  const byType = new Map<string, DeltaChange[]>();
  for (const c of last.values()) {
    let list = byType.get(c.type);
    if (!list) byType.set(c.type, (list = []));
    list.push(c);
  }
  for (const list of byType.values()) list.sort((a, b) => compareIds(a.id, b.id));
  return byType;
}
