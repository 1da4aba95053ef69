import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { backgroundPoolSize, decodeLines, buildLineTable, defaultPoolSize, findLine, WorkerPool, type OpenResult, type SealedBlob } from '../../src/pool/index.js';
import os from 'node:os';
import { isEngineError } from '../../src/shared/errors.js';

const keys = { data: randomBytes(32), blobId: randomBytes(32), line: randomBytes(32) };
const lineHash = (line: string): Buffer => createHash('sha256').update(keys.line).update(line).digest().subarray(0, 12);

test('line table: every hash found at a sorted position, absent ones not', () => {
  const n = 20_000;
  const hashes = randomBytes(n * 12);
  const table = buildLineTable(hashes, n, false);
  const positions = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = findLine(table, hashes, i * 12);
    assert.ok(p >= 0);
    positions.add(p);
  }
  assert.equal(positions.size, n);
  for (let i = 1; i < n; i++) {
    const a = Buffer.from(Buffer.from(table.words.buffer, (i - 1) * 12, 12)).swap32();
    const b = Buffer.from(Buffer.from(table.words.buffer, i * 12, 12)).swap32();
    assert.ok(Buffer.compare(a, b) < 0, 'sorted by bytes');
  }
  assert.equal(findLine(table, randomBytes(12)), -1);
});

test('workers split, hash and look up lines; only lines the parent lacks are parsed', async () => {
  const pool = new WorkerPool(2);
  try {
    const old = ['{"resourceType":"Patient","id":"p1"}', '{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"}}'];
    const parent = Buffer.concat(old.map(lineHash));
    const table = buildLineTable(parent, old.length);
    const ctx = pool.createContext(keys, table);
    const batch = Buffer.from(
      `${old[0]}\r\n\n   \n{"resourceType":"Encounter","id":"e1","subject":{"reference":"Patient/p2"}}\n${old[1]}\n[1]\n{"resourceType":"Patient"}\n{"resourceType":"Encounter","id":"e2"}`,
    );
    const before = await pool.parsedLines();
    const out = decodeLines(await pool.run<Uint8Array>('lines', ctx, { batch }));
    assert.equal(out.lines, 8);
    assert.deepEqual(
      out.records.map((r) => [r.status, r.index]),
      [
        [0, 0],
        [1, 3],
        [0, 4],
        [2, 5],
        [2, 6],
        [1, 7],
      ],
    );
    const e1 = out.records[1];
    assert.ok(e1 && e1.status === 1);
    assert.deepEqual([e1.type, e1.id, e1.patients], ['Encounter', 'e1', ['p2']]);
    assert.equal(batch.subarray(e1.start, e1.start + e1.length).toString(), '{"resourceType":"Encounter","id":"e1","subject":{"reference":"Patient/p2"}}');
    const hit = out.records[0];
    assert.ok(hit && hit.status === 0 && hit.length === old[0]!.length, 'CR removed from the line');
    assert.equal(hit.pos, findLine(table, lineHash(old[0] as string)));
    assert.equal((await pool.parsedLines()) - before, 4, 'the two lines the parent holds were never parsed');
    pool.dropContext(ctx);
  } finally {
    await pool.close();
  }
});

test('seal and open round trip through the workers; damage and missing dictionaries are reported per blob', async () => {
  const pool = new WorkerPool(2);
  try {
    const ctx = pool.createContext(keys);
    const dict = { id: randomBytes(16), content: Buffer.from('{"resourceType":"Observation","status":"final"}\n'.repeat(30)) };
    pool.addDictionary(dict);
    const frame = Buffer.from('{"resourceType":"Observation","id":"a","status":"final"}\n{"resourceType":"Observation","id":"b","status":"final"}\n');
    const sealed = await pool.run<SealedBlob[]>('seal', ctx, {
      items: [
        { content: frame, dict: dict.id.toString('hex') },
        { content: randomBytes(1000), dict: null },
      ],
      level: 3,
    });
    assert.equal(sealed.length, 2);
    const s0 = sealed[0] as SealedBlob;
    const len = frame.indexOf(10);
    const offsets = new Float64Array([0, len + 1]);
    const lengths = new Float64Array([len, len]);
    const hashes = Buffer.concat([lineHash(frame.subarray(0, len).toString()), Buffer.alloc(12)]);
    const damaged = Buffer.from(s0.envelope);
    damaged[40] = (damaged[40] as number) ^ 1;
    const opened = await pool.run<OpenResult[]>('open', ctx, {
      items: [
        { id: s0.id, stored: s0.envelope, raw: s0.raw, lines: { offsets: offsets.subarray(0, 1), lengths: lengths.subarray(0, 1), hashes: hashes.subarray(0, 12) } },
        { id: s0.id, stored: damaged, raw: s0.raw },
        { id: randomBytes(16), stored: s0.envelope, raw: s0.raw },
        { id: s0.id, stored: s0.envelope, raw: s0.raw, lines: { offsets: offsets.subarray(1), lengths: lengths.subarray(1), hashes: hashes.subarray(12) } },
        { id: s0.id, stored: s0.envelope, raw: s0.raw, lines: { offsets, lengths, hashes } },
      ],
    });
    const [good, bad, wrongId, partWrong, whole] = opened;
    assert.ok(good?.ok && Buffer.from(good.content as Uint8Array).equals(frame));
    assert.deepEqual([...(good.ok ? (good.lineOk ?? []) : [])], [1], 'a line of a frame, its hash checked');
    assert.deepEqual([...(partWrong?.ok ? (partWrong.lineOk ?? []) : [])], [0], 'rows that take part of a frame: a wrong line hash is caught');
    // Rows that take every line of the frame in order: the blob id proves the bytes, no line is hashed again (docs/format.md §19.2).
    assert.ok(whole?.ok && Buffer.from(whole.content as Uint8Array).equals(frame));
    assert.deepEqual([...(whole.ok ? (whole.lineOk ?? []) : [])], [1, 1]);
    assert.ok(bad && !bad.ok && 'reason' in bad);
    assert.ok(wrongId && !wrongId.ok && 'reason' in wrongId && /id/.test(wrongId.reason));
    // Rows given without hashes (a folder restore): taken when they are whole lines of the verified content, refused
    // otherwise (a row starting inside a line, one running over its LF, one past the end); its frame's id still decides.
    const rowsOf = (pairs: [number, number][]) => ({ offsets: new Float64Array(pairs.map((p) => p[0])), lengths: new Float64Array(pairs.map((p) => p[1])), hashes: null });
    const [second, skewed, tampered] = await pool.run<OpenResult[]>('open', ctx, {
      items: [
        { id: s0.id, stored: s0.envelope, raw: s0.raw, lines: rowsOf([[len + 1, len]]), mode: 'assemble' },
        {
          id: s0.id,
          stored: s0.envelope,
          raw: s0.raw,
          lines: rowsOf([
            [1, len - 1],
            [0, len + 1],
            [len + 1, len + 5],
            [0, len],
          ]),
          mode: 'assemble',
        },
        { id: s0.id, stored: damaged, raw: s0.raw, lines: rowsOf([[len + 1, len]]), mode: 'assemble' },
      ],
    });
    assert.ok(second?.ok && Buffer.from(second.out as Uint8Array).equals(frame.subarray(len + 1)), 'the second line alone, with its LF');
    assert.deepEqual([...(second.ok ? (second.lineOk ?? []) : [])], [1]);
    assert.ok(skewed?.ok);
    assert.deepEqual([...(skewed.ok ? (skewed.lineOk ?? []) : [])], [0, 0, 0, 1], 'only the row that is a whole line is taken');
    assert.ok(Buffer.from(skewed.out as Uint8Array).equals(frame.subarray(0, len + 1)));
    assert.ok(tampered && !tampered.ok, 'a damaged frame gives no rows, hashes or not');
    // A pool that never saw the dictionary asks for it instead of failing.
    const fresh = new WorkerPool(1);
    try {
      const c2 = fresh.createContext(keys);
      const [r] = await fresh.run<OpenResult[]>('open', c2, { items: [{ id: s0.id, stored: s0.envelope, raw: s0.raw }] });
      assert.ok(r && !r.ok && 'needDict' in r && r.needDict === dict.id.toString('hex'));
    } finally {
      await fresh.close();
    }
  } finally {
    await pool.close();
  }
});

test('a worker crash fails its tasks with WORKER_FAILED, never hangs; the pool recovers for the next task', async () => {
  const pool = new WorkerPool(2);
  try {
    const ctx = pool.createContext(keys);
    pool.crashOnNextTask();
    await assert.rejects(pool.run('lines', ctx, { batch: Buffer.from('{"resourceType":"Patient","id":"x"}\n') }), (e) => isEngineError(e, 'WORKER_FAILED'));
    const out = decodeLines(await pool.run<Uint8Array>('lines', ctx, { batch: Buffer.from('{"resourceType":"Patient","id":"x"}\n') }));
    assert.equal(out.records.length, 1, 'a replacement worker got the context and answers');
    await assert.rejects(pool.run('nope', ctx, null), (e) => isEngineError(e, 'INTERNAL'));
  } finally {
    await pool.close();
  }
});

test('backups use one worker fewer than the cores (the host thread packs and writes), at least one; CLINIC_BACKUP_WORKERS overrides', async () => {
  const saved = process.env['CLINIC_BACKUP_WORKERS'];
  try {
    delete process.env['CLINIC_BACKUP_WORKERS'];
    const cores = os.availableParallelism();
    assert.equal(backgroundPoolSize(), Math.max(1, Math.min(8, cores - 1)));
    assert.equal(defaultPoolSize(), Math.max(1, Math.min(8, cores)), 'restores and checks keep one worker per core');
    process.env['CLINIC_BACKUP_WORKERS'] = '3';
    assert.equal(backgroundPoolSize(), 3);
    const pool = WorkerPool.background();
    try {
      assert.equal(pool.size, 3);
    } finally {
      await pool.close();
    }
  } finally {
    if (saved === undefined) delete process.env['CLINIC_BACKUP_WORKERS'];
    else process.env['CLINIC_BACKUP_WORKERS'] = saved;
  }
});
