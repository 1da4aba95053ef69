/**
 * A pool worker: receives contexts (keys, the parent's line-hash table), dictionaries and tasks from the pool,
 * runs the tasks of tasks.ts and answers with transferable results. Errors are answered, never thrown away.
 */
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Dictionary } from '../repository/index.js';
import { buildLineTable, type LineTable } from './tables.js';
import { mergeSpillBlocks } from './rowRecords.js';
import { sortKeyRecords } from './keyRecords.js';
import { treeChunk, type FrameTable } from './treeChunk.js';
import { processBatch, type BatchOptions } from './batchTask.js';
import { analyseLines, chunkIds, openBlobs, sealBlobs, sealChunks, type OpenItem, type SealItem, type TaskContext, type TaskKeys } from './tasks.js';
import type { ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('pool worker started outside a worker thread');

// Background workers (backups): on Linux a priority set from a thread applies to that thread only, so they yield
// the cores to the host's event loop (the tray and the UI). Elsewhere it would lower the whole process: skipped.
if (process.platform === 'linux' && (workerData as { background?: boolean } | null)?.background === true) {
  try {
    setPriority(0, 10);
  } catch {
    // not permitted: the workers keep the normal priority
  }
}

const contexts = new Map<number, TaskContext>();
const dicts = new Map<string, Dictionary>();
const stats = { parsed: 0 };

function context(id: number): TaskContext {
  const c = contexts.get(id);
  if (!c) throw new Error(`unknown pool context ${id}`);
  return c;
}

function run(name: string, ctxId: number, payload: unknown): { result: unknown; transfer: ArrayBuffer[] } {
  if (name === 'stats') {
    const h = getHeapStatistics();
    return { result: { parsed: stats.parsed, heapTotal: h.total_heap_size, heapUsed: h.used_heap_size, external: h.external_memory }, transfer: [] };
  }
  if (name === 'mergeRows') {
    const p = payload as { blocks: Uint8Array[] };
    const merged = new Uint8Array(mergeSpillBlocks(p.blocks));
    return { result: merged, transfer: [merged.buffer] };
  }
  if (name === 'lineTable') {
    // The table lives in SharedArrayBuffers: the answer shares them with the host, nothing is copied.
    const p = payload as { hashes: Uint8Array; count: number };
    return { result: buildLineTable(p.hashes, p.count, true), transfer: [] };
  }
  if (name === 'sortKeys') {
    const p = payload as { words: Uint32Array; n: number };
    const sorted = sortKeyRecords(p.words, p.n);
    return { result: sorted, transfer: [sorted.buffer as ArrayBuffer] };
  }
  const ctx = context(ctxId);
  if (name === 'batch') {
    const p = payload as { batch: Uint8Array; options: BatchOptions };
    const out = processBatch(ctx, Buffer.from(p.batch.buffer, p.batch.byteOffset, p.batch.byteLength), p.options, dicts, stats);
    return {
      result: out,
      transfer: [
        out.meta.buffer as ArrayBuffer,
        out.rows.buffer as ArrayBuffer,
        out.keys.buffer as ArrayBuffer,
        ...out.blobs.map((b) => b.buffer as ArrayBuffer),
        ...(out.partials ? [out.partials.buffer as ArrayBuffer] : []),
      ],
    };
  }
  if (name === 'lines') {
    const p = payload as { batch: Uint8Array };
    const out = analyseLines(ctx, Buffer.from(p.batch.buffer, p.batch.byteOffset, p.batch.byteLength), stats);
    const copy = new Uint8Array(out);
    return { result: copy, transfer: [copy.buffer] };
  }
  if (name === 'treeChunk') {
    const p = payload as { records: Uint8Array; count: number; frames: FrameTable; level: number };
    const out = treeChunk(ctx, Buffer.from(p.records.buffer, p.records.byteOffset, p.records.byteLength), p.count, p.frames, p.level);
    return { result: out, transfer: [out.id.buffer as ArrayBuffer, out.envelope.buffer as ArrayBuffer] };
  }
  if (name === 'seal') {
    const p = payload as { items: SealItem[]; level: number };
    const sealed = sealBlobs(ctx, p.items, p.level, dicts).map((s) => ({ id: new Uint8Array(s.id), envelope: new Uint8Array(s.envelope), raw: s.raw }));
    return { result: sealed, transfer: sealed.map((s) => s.envelope.buffer as ArrayBuffer) };
  }
  if (name === 'chunkIds') {
    const p = payload as { data: Uint8Array; lengths: number[] };
    const ids = chunkIds(ctx, p.data, p.lengths);
    // The chunks go back too (they were moved here): the caller seals the new ones next.
    return { result: { ids, data: p.data }, transfer: [ids.buffer as ArrayBuffer, p.data.buffer as ArrayBuffer] };
  }
  if (name === 'sealChunks') {
    const p = payload as { data: Uint8Array; lengths: number[]; pick: number[]; level: number };
    const sealed = sealChunks(ctx, p.data, p.lengths, p.pick, p.level);
    return { result: sealed, transfer: sealed.map((c) => c.envelope.buffer as ArrayBuffer) };
  }
  if (name === 'open') {
    const p = payload as { items: OpenItem[] };
    // Own buffers only (decompressed contents may sit in a shared allocation pool): copied, then moved.
    const own = (b: Buffer | undefined): Uint8Array | undefined =>
      !b ? undefined : b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b);
    const results = openBlobs(ctx, p.items, dicts).map((r) => (r.ok ? { ok: true, content: own(r.content), out: own(r.out), lineOk: r.lineOk, written: r.written, writeError: r.writeError } : r));
    const transfer: ArrayBuffer[] = [];
    for (const r of results) {
      if ('content' in r && r.content) transfer.push(r.content.buffer as ArrayBuffer);
      if ('out' in r && r.out) transfer.push(r.out.buffer as ArrayBuffer);
    }
    return { result: results, transfer };
  }
  throw new Error(`unknown pool task ${name}`);
}

port.on('message', (msg: ToWorker) => {
  if (msg.op === 'ctx') {
    const keys: TaskKeys = { data: Buffer.from(msg.keys.data), blobId: Buffer.from(msg.keys.blobId), line: Buffer.from(msg.keys.line) };
    const table: LineTable | null = msg.table ? { words: new Uint32Array(msg.table.words), buckets: new Uint32Array(msg.table.buckets), count: msg.table.count } : null;
    contexts.set(msg.id, { keys, table });
  } else if (msg.op === 'dropCtx') contexts.delete(msg.id);
  else if (msg.op === 'dict') dicts.set(msg.id, { id: Buffer.from(msg.id, 'hex'), content: Buffer.from(msg.content) });
  else if (msg.op === 'crash') process.exit(70);
  else if (msg.op === 'task') {
    try {
      const { result, transfer } = run(msg.name, msg.ctx, msg.payload);
      port.postMessage({ seq: msg.seq, ok: true, result }, transfer);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown; details?: unknown };
      port.postMessage({ seq: msg.seq, ok: false, error: { code: typeof e.code === 'string' ? e.code : null, message: String(e.message ?? err), details: e.details ?? null } });
    }
  }
});
