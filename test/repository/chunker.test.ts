import assert from 'node:assert/strict';
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { chunkerConfig, chunkLengths, chunkStream, DEFAULT_CHUNKER_PARAMS, gearTable, type ChunkerParams } from '../../src/repository/chunker.js';
import { isEngineError } from '../../src/shared/errors.js';

const KEY = Buffer.alloc(32, 0x5a);
const SMALL: ChunkerParams = { minBytes: 1024, avgBytes: 4096, maxBytes: 16384 };

/** A deterministic pseudo-random buffer (AES-256-CTR keystream of the seed), so failures reproduce. */
function prng(bytes: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

async function* pieces(data: Buffer, sizes: () => number): AsyncGenerator<Buffer> {
  for (let off = 0; off < data.length;) {
    const n = Math.min(sizes(), data.length - off);
    yield data.subarray(off, off + n);
    off += n;
  }
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('content-defined chunker', () => {
  it('derives the gear table with HKDF-SHA256 exactly as docs/format.md §15.5 says', () => {
    const expected = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), Buffer.from('clinic-backup v2 chunker gear'), 1024));
    const gear = gearTable(KEY);
    assert.equal(gear.length, 256);
    for (const i of [0, 1, 127, 255]) assert.equal(gear[i], expected.readUInt32LE(4 * i));
    assert.notDeepEqual(gearTable(Buffer.alloc(32, 1)), gear);
    assert.throws(
      () => gearTable(Buffer.alloc(16)),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('cuts the same boundaries whatever the read sizes are, and the chunks concatenate to the input', async () => {
    const cfg = chunkerConfig(KEY, SMALL);
    const data = prng(1_000_000, 'stream');
    const reference = chunkLengths(cfg, data);
    assert.ok(reference.length > 100, `${reference.length} chunks`);
    let state = 7;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return 1 + (state % 9000);
    };
    for (const sizes of [random, () => 1, () => 65536, () => data.length]) {
      const input = sizes === random || sizes() > 1 ? data : data.subarray(0, 200_000);
      const chunks = await collect(chunkStream(pieces(input, sizes), cfg));
      assert.deepEqual(Buffer.concat(chunks), input);
      assert.deepEqual(
        chunks.map((c) => c.length),
        chunkLengths(cfg, input),
      );
    }
    assert.deepEqual(chunkLengths(cfg, data), reference, 'deterministic across runs');
  });

  it('respects min and max: every chunk but the last is within [min, max]', () => {
    const cfg = chunkerConfig(KEY, SMALL);
    const lengths = chunkLengths(cfg, prng(2_000_000, 'sizes'));
    for (const l of lengths.slice(0, -1)) assert.ok(l >= SMALL.minBytes && l <= SMALL.maxBytes, String(l));
    // Constant bytes never match the mask: every chunk is cut at max.
    const zeros = chunkLengths(cfg, Buffer.alloc(100_000));
    assert.deepEqual(zeros.slice(0, -1), new Array(zeros.length - 1).fill(SMALL.maxBytes));
    assert.equal(
      zeros.reduce((a, b) => a + b, 0),
      100_000,
    );
  });

  it('gives no chunk for empty input and one chunk for input shorter than min', async () => {
    const cfg = chunkerConfig(KEY);
    assert.deepEqual(
      await collect(
        chunkStream(
          pieces(Buffer.alloc(0), () => 10),
          cfg,
        ),
      ),
      [],
    );
    const short = prng(1000, 'short');
    const chunks = await collect(
      chunkStream(
        pieces(short, () => 100),
        cfg,
      ),
    );
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0], short);
  });

  it('an insertion or deletion of a few bytes inside a large file changes only the chunks around the edit', () => {
    const cfg = chunkerConfig(KEY, DEFAULT_CHUNKER_PARAMS);
    const original = prng(48 * 1024 * 1024, 'large');
    const at = 20 * 1024 * 1024 + 12345;
    const inserted = Buffer.concat([original.subarray(0, at), Buffer.from('clinic'), original.subarray(at)]);
    const deleted = Buffer.concat([original.subarray(0, at), original.subarray(at + 3)]);
    const split = (data: Buffer): string[] => {
      const out: string[] = [];
      let off = 0;
      for (const l of chunkLengths(cfg, data)) {
        out.push(digest(data.subarray(off, off + l)));
        off += l;
      }
      return out;
    };
    const before = split(original);
    assert.ok(before.length >= 30, `${before.length} chunks`);
    for (const edited of [inserted, deleted]) {
      const after = split(edited);
      const known = new Set(before);
      const fresh = after.filter((c) => !known.has(c));
      assert.ok(fresh.length >= 1 && fresh.length <= 2, `${fresh.length} new chunks`);
      assert.ok(Math.abs(after.length - before.length) <= 1);
    }
  });

  it('boundaries depend on the key, so they do not fingerprint content across repositories', () => {
    const data = prng(500_000, 'key');
    const a = chunkLengths(chunkerConfig(KEY, SMALL), data);
    const b = chunkLengths(chunkerConfig(randomBytes(32), SMALL), data);
    assert.notDeepEqual(a, b);
  });

  it('reads lazily: the first chunk comes before the stream is consumed (memory stays bounded)', async () => {
    const cfg = chunkerConfig(KEY, SMALL);
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 10_000; i++) {
        const b = prng(1000, `endless${i}`);
        pulled += b.length;
        yield b;
      }
    }
    const it = chunkStream(endless(), cfg);
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(pulled <= SMALL.maxBytes + 1000, `pulled ${pulled} bytes`);
    await it.return(undefined);
  });

  it('stops with CANCELLED when the signal fires', async () => {
    const cfg = chunkerConfig(KEY, SMALL);
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of chunkStream(
          pieces(prng(1_000_000, 'abort'), () => 4096),
          cfg,
          { signal: ac.signal },
        )) {
          if (++n === 3) ac.abort();
        }
      })(),
      (e) => isEngineError(e, 'CANCELLED'),
    );
    assert.equal(n, 3);
  });

  it('refuses parameters it cannot honour', () => {
    for (const bad of [
      { minBytes: 0, avgBytes: 4096, maxBytes: 8192 },
      { minBytes: 8192, avgBytes: 4096, maxBytes: 16384 },
      { minBytes: 1024, avgBytes: 4096, maxBytes: 2048 },
      { minBytes: 1.5, avgBytes: 4096, maxBytes: 8192 },
    ]) {
      assert.throws(
        () => chunkerConfig(KEY, bad),
        (e) => isEngineError(e, 'INVALID_ARGUMENT'),
        JSON.stringify(bad),
      );
    }
  });
});
