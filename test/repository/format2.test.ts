import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BlobIndex2 } from '../../src/repository/blobIndex2.js';
import { ByteReader, ByteWriter, FormatError } from '../../src/repository/bytes.js';
import { CODEC_NONE, CODEC_ZSTD, CODEC_ZSTD_DICT } from '../../src/repository/codec.js';
import { decodePlain, Envelope2Error, Kind2, open2, openPlain, plainHeader, seal2 } from '../../src/repository/envelope2.js';
import { decodeDirNode, encodeDirNode, type TreeEntry } from '../../src/repository/fileTree.js';
import { decodeIndex2, decodePackHeader2, encodeIndex2, encodePackHeader2, IndexVersionError, type BlobEntry2 } from '../../src/repository/pack2.js';
import { decodeCheckpointDir, encodeCheckpointDir, materialize, writeCheckpoint, writeDelta, type ResourceTreeRef } from '../../src/repository/resourceTree.js';
import { decodeRowSet, encodeRowSet, FLAG_ALIAS, FLAG_SHARED, rowSetFlagsAndHashes, RowSetKind, type Row } from '../../src/repository/rowSet.js';

/** Every way of damaging a structure: each prefix (truncation) and a flipped bit at each byte. */
function* damaged(buf: Buffer): Generator<Buffer> {
  for (let n = 0; n < buf.length; n++) yield buf.subarray(0, n);
  for (let i = 0; i < buf.length; i++) {
    const c = Buffer.from(buf);
    c[i] = (c[i] as number) ^ 0x01;
    yield c;
  }
}

/** Decoding damaged input either fails with one of the expected error classes or returns a value; it never crashes otherwise. */
function assertCleanFailures(buf: Buffer, decode: (b: Buffer) => unknown, allowed: readonly (new (...args: never[]) => Error)[]): { failed: number; total: number } {
  let failed = 0;
  let total = 0;
  for (const d of damaged(buf)) {
    total++;
    try {
      decode(d);
    } catch (err) {
      assert.ok(
        allowed.some((c) => err instanceof c),
        `unexpected error ${String(err)}`,
      );
      failed++;
    }
  }
  return { failed, total };
}

test('varints: round trip, shortest form only, at most 8 bytes, structures that end early', () => {
  const values = [0, 1, 127, 128, 255, 300, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  const w = new ByteWriter(4);
  for (const v of values) w.varint(v);
  w.string('Observação');
  const r = new ByteReader(w.finish());
  for (const v of values) assert.equal(r.varint(), v);
  assert.equal(r.string(), 'Observação');
  r.end();
  assert.throws(
    () => new ByteReader(Buffer.from([0x80, 0x00])).varint(),
    (e) => e instanceof FormatError && /shortest/.test(e.reason),
  );
  assert.throws(
    () => new ByteReader(Buffer.alloc(9, 0x81)).varint(),
    (e) => e instanceof FormatError && /8 bytes/.test(e.reason),
  );
  assert.throws(() => new ByteReader(Buffer.from([0x81])).varint(), FormatError);
  assert.throws(() => new ByteReader(Buffer.from([5, 1, 2])).string(), FormatError);
  assert.throws(() => new ByteReader(Buffer.from([0xff, 0xff, 0x03])).count(1), /count larger/);
  assert.throws(() => new ByteWriter().varint(-1), RangeError);
});

test('envelopes v2: round trip for every codec; kind, version, key and every byte are checked', () => {
  const key = randomBytes(32);
  const text = Buffer.from('{"resourceType":"Observation","id":"o1","valueQuantity":{"value":98.60}}\n'.repeat(40));
  const dict = { id: randomBytes(16), content: Buffer.from('{"resourceType":"Observation","status":"final"}\n'.repeat(20)) };
  for (const [opts, codec] of [
    [{ raw: true }, CODEC_NONE],
    [{}, CODEC_ZSTD],
    [{ dict }, CODEC_ZSTD_DICT],
  ] as const) {
    const env = seal2(key, Kind2.blob, text, opts);
    assert.equal(env[0], 0x43);
    assert.equal(env[2], 2);
    assert.equal(env[3], Kind2.blob);
    const plain = openPlain(key, Kind2.blob, env);
    const h = plainHeader(plain);
    assert.equal(h.codec, codec);
    assert.equal(h.rawLength, text.length);
    assert.ok(decodePlain(plain, codec === CODEC_ZSTD_DICT ? dict : null).equals(text));
    if (codec === CODEC_ZSTD_DICT) assert.ok(h.dictId?.equals(dict.id));
  }
  const env = seal2(key, Kind2.index, Buffer.from('payload of an index'));
  assert.equal(open2(key, Kind2.index, env).toString(), 'payload of an index');
  assert.throws(
    () => open2(key, Kind2.snapshot, env),
    (e) => e instanceof Envelope2Error && e.reason === 'wrong-kind',
  );
  assert.throws(
    () => open2(randomBytes(32), Kind2.index, env),
    (e) => e instanceof Envelope2Error && e.reason === 'auth-failed',
  );
  const v1 = Buffer.from(env);
  v1[2] = 1;
  assert.throws(
    () => open2(key, Kind2.index, v1),
    (e) => e instanceof Envelope2Error && e.reason === 'version-1',
  );
  const { failed, total } = assertCleanFailures(env, (b) => open2(key, Kind2.index, b), [Envelope2Error]);
  assert.equal(failed, total, 'every truncation and every flipped byte is refused');
  // A dictionary frame cannot be read without its dictionary, nor with another one.
  const framed = openPlain(key, Kind2.blob, seal2(key, Kind2.blob, text, { dict }));
  assert.throws(() => decodePlain(framed, null), Envelope2Error);
  assert.throws(() => decodePlain(framed, { id: randomBytes(16), content: dict.content }), Envelope2Error);
});

test('pack headers and index files v2: round trip; damage is a clean error; another index version is refused', () => {
  const blobs: BlobEntry2[] = Array.from({ length: 20 }, (_, i) => ({ type: (i % 4) as 0 | 1 | 2 | 3, id: randomBytes(16), stored: 100 + i * 1000, raw: 5000 + i }));
  const header = encodePackHeader2(blobs);
  assert.deepEqual(decodePackHeader2(header), blobs);
  assertCleanFailures(header, decodePackHeader2, [FormatError]);
  const size = blobs.reduce((n, b) => n + b.stored, 0) + 200;
  const index = {
    supersedes: [randomBytes(32).toString('hex')],
    packs: [
      { id: randomBytes(32).toString('hex'), size, blobs },
      { id: randomBytes(32).toString('hex'), size: 300, blobs: [] },
    ],
  };
  const bytes = encodeIndex2(index);
  assert.deepEqual(decodeIndex2(bytes), index);
  assertCleanFailures(bytes, decodeIndex2, [FormatError, IndexVersionError]);
  const v3 = Buffer.from(bytes);
  v3[0] = 3;
  assert.throws(
    () => decodeIndex2(v3),
    (e) => e instanceof IndexVersionError && e.version === 3,
  );
  // A pack record claiming more blob bytes than the pack holds is damage.
  assert.throws(() => decodeIndex2(encodeIndex2({ supersedes: [], packs: [{ id: randomBytes(32).toString('hex'), size: 10, blobs }] })), FormatError);
});

function rowsFixture(): Row[] {
  const frame = [randomBytes(16), randomBytes(16)];
  const rows: Row[] = [];
  const add = (patient: string, type: string, id: string, flags = 0): void => {
    rows.push({ patient, type, id, flags, frame: frame[rows.length % 2] as Buffer, offset: rows.length * 100, length: 90 + rows.length, lineHash: randomBytes(12) });
  };
  add('', 'Organization', 'org-1');
  add('', 'Practitioner', 'pr-1');
  add('p1', 'Observation', 'o1');
  add('p1', 'Patient', 'p1');
  add('p2', 'Encounter', 'e1', FLAG_SHARED);
  add('p3', 'Encounter', 'e1', FLAG_SHARED | FLAG_ALIAS);
  return rows;
}

test('row sets: checkpoint chunks and deltas round-trip; unsorted, out-of-range and damaged input is refused cleanly', () => {
  const rows = rowsFixture();
  const chunk = encodeRowSet(RowSetKind.checkpoint, rows);
  const set = decodeRowSet(chunk, RowSetKind.checkpoint);
  assert.deepEqual([...set.rows()], rows);
  const delta = encodeRowSet(RowSetKind.delta, rows.slice(2, 4), [
    { type: 'Patient', id: 'gone' },
    { type: 'Condition', id: 'c9' },
  ]);
  const d = decodeRowSet(delta, RowSetKind.delta);
  assert.deepEqual([...d.rows()], rows.slice(2, 4));
  assert.deepEqual(d.deletions, [
    { type: 'Patient', id: 'gone' },
    { type: 'Condition', id: 'c9' },
  ]);
  assert.throws(() => decodeRowSet(delta, RowSetKind.checkpoint), FormatError);
  assert.throws(() => encodeRowSet(RowSetKind.checkpoint, [rows[1] as Row, rows[0] as Row]), RangeError);
  const { failed } = assertCleanFailures(chunk, (b) => decodeRowSet(b), [FormatError]);
  assert.ok(failed > chunk.length, 'most damage is detected structurally (the rest by the line hashes)');
  // Hand-made unsorted set: two ids of one patient and type, the first renamed past the second.
  const pair = rowsFixture().slice(2, 3);
  const sorted = encodeRowSet(RowSetKind.checkpoint, [pair[0] as Row, { ...(pair[0] as Row), id: 'o2' }]);
  const swapped = Buffer.from(sorted.toString('latin1').replace('\u0002o1', '\u0002o9'), 'latin1');
  assert.throws(
    () => decodeRowSet(swapped),
    (e) => e instanceof FormatError && /sorted/.test(e.reason),
  );
  const badMagic = Buffer.from(chunk);
  badMagic[3] = 0x31;
  assert.throws(
    () => decodeRowSet(badMagic),
    (e) => e instanceof FormatError && /magic/.test(e.reason),
  );
});

test("row sets: a backup's flags-and-hashes reader skips the other columns (multi-byte varints too) and agrees with the full decoder", () => {
  const frame = randomBytes(16);
  const rows: Row[] = [];
  // Offsets and lengths past 2^14 and 2^21 take 3 and 4 varint bytes; ids up to 200 bytes take 2-byte length prefixes.
  for (let i = 0; i < 300; i++)
    rows.push({
      patient: `p${String(i).padStart(4, '0')}`,
      type: i % 3 === 0 ? 'Observation' : 'Encounter',
      id: `id-${i}-${'x'.repeat(i % 200)}`,
      flags: i % 7 === 0 ? FLAG_SHARED : 0,
      frame,
      offset: i * 70_001,
      length: 1 + ((i * 9_973) % 3_000_000),
      lineHash: randomBytes(12),
    });
  const chunk = encodeRowSet(RowSetKind.checkpoint, rows);
  const set = decodeRowSet(chunk, RowSetKind.checkpoint);
  const { flags, hashes } = rowSetFlagsAndHashes(chunk);
  assert.deepEqual(Buffer.from(flags), Buffer.from(set.flags));
  assert.deepEqual(Buffer.from(hashes), set.hashes);
  // Cut short anywhere before the hashes end: a clean FormatError, never a view past the end.
  for (const n of [6, 40, Math.floor(chunk.length / 2), chunk.length - 13]) assert.throws(() => rowSetFlagsAndHashes(chunk.subarray(0, n)), FormatError);
});

test('checkpoints and deltas materialise in key order; one patient reads only the chunks that can hold it', async () => {
  const blobs = new Map<string, Buffer>();
  let n = 0;
  const write = async (b: Buffer): Promise<string> => {
    const id = (n++).toString(16).padStart(32, '0');
    blobs.set(id, b);
    return id;
  };
  const read = async (id: string): Promise<Buffer> => blobs.get(id) as Buffer;
  const rows = rowsFixture();
  const cp = await writeCheckpoint(rows, 2, write);
  assert.equal(cp.chunks, 3);
  const dir = decodeCheckpointDir(blobs.get(cp.id) as Buffer);
  assert.deepEqual(
    dir.chunks.map((c) => c.first[0]),
    ['', 'p1', 'p2'],
  );
  // Delta: Encounter/e1 moves to p4 only (both old rows go), p1's Observation changes, Practitioner deleted.
  const moved: Row = { ...(rows[4] as Row), patient: 'p4', flags: 0 };
  const changed: Row = { ...(rows[2] as Row), length: 7 };
  const deltaId = await writeDelta([changed, moved], [{ type: 'Practitioner', id: 'pr-1' }], write);
  const tree: ResourceTreeRef = { kind: 'resources', checkpoint: cp.id, deltas: [deltaId], changesSinceCheckpoint: 3 };
  const all = [];
  for await (const r of materialize(read, tree)) all.push(`${r.patient}|${r.type}/${r.id}|${r.length}`);
  assert.deepEqual(all, ['|Organization/org-1|90', 'p1|Observation/o1|7', 'p1|Patient/p1|93', 'p4|Encounter/e1|94']);
  const seen: string[] = [];
  const p1 = [];
  for await (const r of materialize(read, tree, { patient: 'p1', onBlob: (id, kind) => seen.push(kind) })) p1.push(`${r.type}/${r.id}`);
  assert.deepEqual(p1, ['Observation/o1', 'Patient/p1']);
  assert.deepEqual(seen, ['directory', 'delta', 'chunk'], 'one chunk of three');
  // A directory that lies about a chunk's range is refused when the chunk is read.
  const lying = JSON.parse((blobs.get(cp.id) as Buffer).toString()) as { chunks: { first: string[] }[] };
  (lying.chunks[1] as { first: string[] }).first = ['p0', 'X', 'x'];
  const lyingId = await write(Buffer.from(JSON.stringify(lying)));
  await assert.rejects(async () => {
    for await (const _ of materialize(read, { ...tree, checkpoint: lyingId })) void _;
  }, FormatError);
  assert.throws(() => decodeCheckpointDir(Buffer.from('{"format":"CBDIR2","rows":5,"chunks":[]}')), FormatError);
  assert.throws(() => decodeCheckpointDir(encodeCheckpointDir({ format: 'CBDIR2', rows: 2, chunks: [{ blob: 'ab'.repeat(16), rows: 2, first: ['b', 'T', 'x'], last: ['a', 'T', 'x'] }] })), /reversed/);
});

test('directory nodes and attachment lists: round trip, sorted by UTF-8 name, invalid entries refused', () => {
  const chunk = 'cd'.repeat(16);
  const entries: TreeEntry[] = [
    { name: 'laudo ç.pdf', type: 'file', mode: 0o644, mtimeNs: '1733304764123456789', size: 10, content: [chunk] },
    { name: 'exames', type: 'dir', mode: 0o755, mtimeNs: '1', subtree: 'ab'.repeat(16) },
    { name: 'atalho', type: 'symlink', mode: 0o777, mtimeNs: '2', target: '../exames' },
    { name: 'vazio.txt', type: 'file', mode: 0o600, mtimeNs: '3', size: 0, content: [] },
  ];
  const node = decodeDirNode(encodeDirNode(entries));
  assert.deepEqual(
    node.entries.map((e) => e.name),
    ['atalho', 'exames', 'laudo ç.pdf', 'vazio.txt'],
  );
  assert.throws(() => encodeDirNode([entries[0] as TreeEntry, entries[0] as TreeEntry]), /duplicate/);
  for (const bad of [{ name: '..' }, { name: 'a/b' }, { mode: -1 }, { mtimeNs: '01' }, { type: 'fifo' }, { content: ['xyz'] }]) {
    const json = JSON.stringify({ format: 'CBFILES2', entries: [{ ...entries[0], ...bad }] });
    assert.throws(() => decodeDirNode(Buffer.from(json)), FormatError, JSON.stringify(bad));
  }
  assert.throws(() => decodeDirNode(Buffer.from(JSON.stringify({ format: 'CBFILES2', entries: [entries[0], entries[1]] }))), /sorted/);
});

test('blob index v2: typed arrays, first location wins, packs keep every entry', () => {
  const idx = new BlobIndex2();
  const shared = randomBytes(16);
  const blobs: BlobEntry2[] = [
    { type: 0, id: randomBytes(16), stored: 100, raw: 1000 },
    { type: 0, id: shared, stored: 50, raw: 500 },
  ];
  idx.addPack({ id: 'a'.repeat(64), size: 400, blobs });
  idx.addPack({ id: 'b'.repeat(64), size: 300, blobs: [{ type: 0, id: shared, stored: 60, raw: 500 }] });
  idx.addPack({ id: 'a'.repeat(64), size: 400, blobs });
  assert.equal(idx.size, 2);
  assert.equal(idx.entryCount, 3);
  assert.equal(idx.packCount, 2);
  const loc = idx.get(shared);
  assert.deepEqual([loc?.pack, loc?.offset, loc?.stored], ['a'.repeat(64), 100, 50]);
  assert.deepEqual(idx.packRange(1), [2, 3]);
  assert.equal(idx.isPrimary(2), false);
  for (let i = 0; i < 5000; i++) idx.addPack({ id: ('f' + i.toString(16)).padStart(64, '0'), size: 100, blobs: [{ type: 2, id: randomBytes(16), stored: 40, raw: 10 }] });
  assert.equal(idx.size, 5002);
  assert.ok(idx.has(shared) && !idx.has(randomBytes(16)));
});
