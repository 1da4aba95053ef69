import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../support/tmp.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { RetryBackend } from '../../src/backend/retry.js';
import { FaultBackend, faults } from '../../src/backend/fault.js';
import { RateLimitBackend } from '../../src/backend/rateLimit.js';
import type { Backend } from '../../src/backend/types.js';
import { backendConformanceSuite, type BackendFixture } from './conformance.js';

const base = await tempDir('cb-local-');
let counter = 0;

async function localFixture(wrap: (local: LocalBackend) => Backend = (l) => l): Promise<BackendFixture> {
  const root = path.join(base, `repo-${++counter}`);
  const local = await LocalBackend.create(root);
  return {
    backend: wrap(local),
    cleanup: () => rm(root, { recursive: true, force: true }),
    plantRaw: async (rel, data) => {
      const full = path.join(root, ...rel.split('/'));
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, data);
    },
  };
}

const instantSleep = async (_ms: number, signal?: AbortSignal): Promise<void> => {
  if (signal?.aborted) throw new Error('aborted');
};

backendConformanceSuite('LocalBackend', () => localFixture());

backendConformanceSuite('RetryBackend(LocalBackend)', () => localFixture((l) => new RetryBackend(l, { sleep: instantSleep })));

const flaky: FaultBackend[] = [];
backendConformanceSuite('RetryBackend(FaultBackend(LocalBackend)) with transient faults', () =>
  localFixture((l) => {
    // Per file: calls 1, 4, 7, … fail before reaching the disk; calls 2, 7, 12, … fail after it (lost reply).
    // At most two failures in a row per file, so the retry wrapper must hide them all.
    const f = new FaultBackend(l, {
      rules: [faults.flaky(3, { nth: 1, perFile: true }), faults.flaky(5, { nth: 2, after: true, perFile: true })],
    });
    flaky.push(f);
    return new RetryBackend(f, { attempts: 8, baseDelayMs: 1, maxDelayMs: 2 });
  }),
);

test('the flaky conformance run really injected faults', () => {
  const injected = flaky.reduce((n, f) => n + f.injected, 0);
  assert.ok(flaky.length > 5, 'fixtures were made');
  assert.ok(injected > 100, `faults injected: ${injected}`);
});

backendConformanceSuite('RateLimitBackend(LocalBackend) at 1 GiB/s', () => localFixture((l) => new RateLimitBackend(l, { writeBytesPerSecond: 1 << 30, readBytesPerSecond: 1 << 30 })));
