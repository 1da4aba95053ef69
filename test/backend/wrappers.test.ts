import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../support/tmp.js';
import { EngineError } from '../../src/shared/errors.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import { RetryBackend, backoffDelay, type RetryInfo } from '../../src/backend/retry.js';
import { RateLimitBackend, TokenBucket } from '../../src/backend/rateLimit.js';
import type { FileRef } from '../../src/backend/types.js';
import { collect, expectCode, hexName } from './conformance.js';

const base = await tempDir('cb-wrappers-');
let counter = 0;

async function local(): Promise<LocalBackend> {
  return LocalBackend.create(path.join(base, `repo-${++counter}`));
}

const SNAP: FileRef = { kind: 'snapshots', name: hexName('s') };
const noSleep = async (): Promise<void> => undefined;

describe('RetryBackend', () => {
  test('backoffDelay: full jitter under an exponential cap', () => {
    assert.equal(
      backoffDelay(1, 100, 10_000, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(1, 100, 10_000, () => 0.5),
      50,
    );
    assert.equal(
      backoffDelay(4, 100, 10_000, () => 0.5),
      400,
    );
    assert.equal(
      backoffDelay(30, 100, 10_000, () => 0.5),
      5000,
      'capped at maxDelayMs',
    );
  });

  test('never retries permanent errors', async () => {
    const l = await local();
    for (const error of ['ENOSPC', 'EACCES', 'EROFS', 'EIO'] as const) {
      const f = new FaultBackend(l, { rules: [{ op: 'write', effect: { type: 'error', error } }] });
      const r = new RetryBackend(f, { sleep: noSleep });
      await assert.rejects(r.write(SNAP, Buffer.from('x')));
      assert.equal(f.calls('write'), 1, `${error} not retried`);
    }
    const f = new FaultBackend(l);
    const r = new RetryBackend(f, { sleep: noSleep });
    await expectCode(r.read(SNAP), 'NOT_FOUND');
    assert.equal(f.calls('read'), 1, 'NOT_FOUND not retried');
    await expectCode(r.write({ kind: 'data', name: '../x' }, Buffer.from('x')), 'INVALID_ARGUMENT');
    assert.equal(f.calls('write'), 1, 'INVALID_ARGUMENT not retried');
  });

  test('retries raw transient system errors too and reports each retry', async () => {
    const l = await local();
    await l.write(SNAP, Buffer.from('ok'));
    let calls = 0;
    const flakyStat = Object.create(l) as LocalBackend;
    flakyStat.stat = async (ref, signal) => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return l.stat(ref, signal);
    };
    const seen: RetryInfo[] = [];
    const r = new RetryBackend(flakyStat, { sleep: noSleep, onRetry: (i) => seen.push(i) });
    assert.equal((await r.stat(SNAP))?.size, 2);
    assert.deepEqual(
      seen.map((s) => [s.operation, s.attempt]),
      [
        ['stat', 1],
        ['stat', 2],
      ],
    );
  });

  test('an abort during the backoff wait is CANCELLED and stops retrying', async () => {
    const l = await local();
    const f = new FaultBackend(l, { rules: [{ op: 'read', effect: { type: 'error', error: 'transient' } }] });
    const ac = new AbortController();
    const r = new RetryBackend(f, { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1 });
    const pending = r.read(SNAP, undefined, ac.signal);
    setTimeout(() => ac.abort(), 20);
    const started = Date.now();
    await expectCode(pending, 'CANCELLED');
    assert.ok(Date.now() - started < 10_000, 'did not wait for the backoff');
    assert.equal(f.calls('read'), 1);
  });

  test('a listing that fails midway is restarted without duplicates', async () => {
    const l = await local();
    const names = Array.from({ length: 5 }, (_, i) => hexName(`l${i}`));
    for (const name of names) await l.write({ kind: 'index', name }, Buffer.from(name));
    const f = new FaultBackend(l, { rules: [{ op: 'list', times: 2, effect: { type: 'error', error: 'transient', after: true } }] });
    const r = new RetryBackend(f, { sleep: noSleep });
    const listed = (await collect(r.list('index'))).map((x) => x.name).sort();
    assert.deepEqual(listed, [...names].sort());
    assert.equal(f.calls('list'), 3);
  });
});

describe('FaultBackend', () => {
  test('flipByte corrupts exactly one byte of a read, at a file offset, also inside ranges', async () => {
    const l = await local();
    const data = Buffer.alloc(100, 0x11);
    await l.write(SNAP, data);
    const f = new FaultBackend(l, { rules: [faults.corruptRead({ kind: 'snapshots', at: 40 })] });
    const whole = await f.read(SNAP);
    assert.equal(whole[40], 0x11 ^ 0xff);
    assert.equal(whole.filter((b, i) => i !== 40 && b !== 0x11).length, 0);
    const part = await f.read(SNAP, { offset: 30, length: 20 });
    assert.equal(part[10], 0x11 ^ 0xff);
    assert.deepEqual(await f.read(SNAP, { offset: 50, length: 10 }), Buffer.alloc(10, 0x11), 'outside the range: untouched');
    assert.deepEqual(await l.read(SNAP), data, 'the stored file is untouched');
  });

  test('missing hides a file from read, stat, list and delete', async () => {
    const l = await local();
    await l.write(SNAP, Buffer.from('x'));
    const other: FileRef = { kind: 'snapshots', name: hexName('other') };
    await l.write(other, Buffer.from('y'));
    const f = new FaultBackend(l, { rules: [faults.missing(SNAP)] });
    await expectCode(f.read(SNAP), 'NOT_FOUND');
    assert.equal(await f.stat(SNAP), null);
    assert.deepEqual(
      (await collect(f.list('snapshots'))).map((x) => x.name),
      [other.name],
    );
    await f.delete(SNAP);
    assert.equal((await l.read(SNAP)).toString(), 'x', 'delete did nothing');
    f.clearRules();
    assert.equal((await f.read(SNAP)).toString(), 'x');
  });

  test('nth, every and times select calls; counters count them', async () => {
    const l = await local();
    const f = new FaultBackend(l, { rules: [{ op: 'write', nth: 2, every: 2, times: 2, effect: { type: 'error', error: 'ENOSPC' } }] });
    const outcomes: string[] = [];
    for (let i = 1; i <= 8; i++) {
      try {
        await f.write({ kind: 'locks', name: hexName(`n${i}`) }, Buffer.from('x'));
        outcomes.push('ok');
      } catch (err) {
        outcomes.push(err instanceof EngineError ? err.code : 'other');
      }
    }
    assert.deepEqual(outcomes, ['ok', 'DEST_FULL', 'ok', 'DEST_FULL', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(f.calls('write'), 8);
    assert.equal(f.calls('write', 'locks'), 8);
    assert.equal(f.calls('write', 'data'), 0);
    assert.equal(f.injected, 2);
    assert.equal((await collect(l.list('locks'))).length, 6);
  });

  test('an error "after" lets the write land (lost reply)', async () => {
    const l = await local();
    const f = new FaultBackend(l, { rules: [{ op: 'write', times: 1, effect: { type: 'error', error: 'transient', after: true } }] });
    await expectCode(f.write(SNAP, Buffer.from('landed')), 'DEST_IO');
    assert.equal((await l.read(SNAP)).toString(), 'landed');
  });

  test('latency delays calls and honours the abort signal', async () => {
    const l = await local();
    const f = new FaultBackend(l, { latencyMs: 30 });
    const t0 = performance.now();
    await f.stat(SNAP);
    assert.ok(performance.now() - t0 >= 25);
    f.setLatency(60_000);
    const ac = new AbortController();
    const p = f.stat(SNAP, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expectCode(p, 'CANCELLED');
  });
});

describe('RateLimitBackend', () => {
  /** A fake clock whose sleep advances time: the total "time spent" is exact and the test is instant. */
  function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
      slept,
    };
  }

  test('the token bucket enforces the average rate, including bursts larger than the bucket', async () => {
    const c = fakeClock();
    const bucket = new TokenBucket(1000, { burstBytes: 1000, now: c.now, sleep: c.sleep });
    await bucket.take(1000); // the initial burst is free
    assert.deepEqual(c.slept, []);
    await bucket.take(500);
    assert.deepEqual(c.slept, [500]);
    await bucket.take(3000);
    assert.deepEqual(c.slept, [500, 3000]);
    assert.throws(
      () => new TokenBucket(0),
      (e: unknown) => e instanceof EngineError && e.code === 'INVALID_ARGUMENT',
    );
  });

  test('writes and reads are paced separately; a 3 MiB upload at 1 MiB/s takes 3 s of (fake) time', async () => {
    const l = await local();
    const c = fakeClock();
    const MiB = 1 << 20;
    const r = new RateLimitBackend(l, { writeBytesPerSecond: MiB, readBytesPerSecond: 2 * MiB, burstBytes: 1, now: c.now, sleep: c.sleep });
    await r.write(SNAP, Buffer.alloc(3 * MiB, 1));
    assert.ok(Math.abs(c.now() - 3000) < 1, `write took ${c.now()} ms`);
    assert.equal((await r.read(SNAP)).length, 3 * MiB);
    assert.ok(Math.abs(c.now() - 4500) < 1, `read took ${c.now() - 3000} ms`);
    assert.equal((await r.stat(SNAP))?.size, 3 * MiB);
    assert.ok(Math.abs(c.now() - 4500) < 1, 'stat is free');
  });

  test('cancelling while paced writes nothing', async () => {
    const l = await local();
    const r = new RateLimitBackend(l, { writeBytesPerSecond: 10, burstBytes: 1 });
    const ac = new AbortController();
    const p = r.write(SNAP, Buffer.alloc(1000), {}, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expectCode(p, 'CANCELLED');
    assert.equal(await l.stat(SNAP), null);
  });
});
