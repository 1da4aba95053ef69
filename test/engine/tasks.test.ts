/**
 * Long operations as tasks, at the engine level, with real parts (sandbox FHIR servers over HTTP, a repository
 * folder, SQLite, a password file): a backup stopped by the caller's AbortSignal (what Ctrl+C in the CLI does), a
 * restore into a server and a drill stopped by cancelTask. Each time: the call fails with CANCELLED saying what it
 * left, no lock is left, check passes, and the next run completes (the restore resumes from its journal).
 * Servers are made slow at a chosen request with the sandbox's slow switch, so the cancel always lands mid-run.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createEngine, toErrorInfo, type Engine } from '../../src/index.js';
import { TaskManager } from '../../src/engine/tasks.js';
import { EventBus } from '../../src/engine/bus.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import type { EngineEvent, TaskInfo } from '../../src/shared/contract.js';
import { EngineError, isEngineError } from '../../src/shared/errors.js';
import type { ProgressEvent } from '../../src/shared/events.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** Long enough never to end during a test: the sandbox clears it when it closes. */
const HOLD_MS = 120_000;

async function setup(): Promise<{ engine: Engine; repo: string; events: EngineEvent[] }> {
  const dir = await tempDir('cb-tasks-');
  const repo = path.join(dir, 'repo');
  const engine = createEngine({ repo, passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state'), locale: 'en' });
  await engine.init({ useKeychain: false });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, repo, events };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function locksLeft(repo: string): Promise<string[]> {
  return readdir(path.join(repo, 'locks'));
}

function cancelled(outcomeKey: string, messagePart: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isEngineError(err, 'CANCELLED'), `CANCELLED expected, got ${String(err)}`);
    assert.equal(err.details['outcome'], outcomeKey);
    assert.match(toErrorInfo(err, 'en').message, messagePart);
    return true;
  };
}

const requestsTo = (s: SandboxServer, pattern: RegExp): number => s.requestLog.filter((r) => pattern.test(r.target)).length;

describe('tasks: cancel leaves the repository and the target as the crash tests require', () => {
  it("a backup stopped by the caller's AbortSignal (Ctrl+C): CANCELLED, no lock, nothing committed, check passes, the next backup completes", async () => {
    const source = await sandbox({ patients: 6, seed: 41 });
    const { engine, repo, events } = await setup();
    try {
      // The export's files hang: the backup is downloading when it is stopped.
      source.faults.set({ slow: { delayMs: HOLD_MS, match: '_bulk/[^/]+/[^/]+' } });
      const controller = new AbortController();
      const progress: ProgressEvent[] = [];
      const run = engine.backupFhir({ source: source.url, auth: { kind: 'none' } }, { signal: controller.signal, onProgress: (e) => progress.push(e) });
      await waitFor('a file download', () => requestsTo(source, /_bulk\/[^/]+\/[^/]+/) > 0);
      const task = engine.tasks()[0] as TaskInfo;
      assert.equal(task.kind, 'backup');
      assert.equal(task.title, 'Backup of the FHIR server');
      controller.abort();
      await assert.rejects(run, cancelled('task.cancelled.backup', /Nothing was left half-saved/));
      assert.deepEqual(engine.tasks(), [], 'the task is gone');
      const finished = events.find((e) => e.type === 'task-finished');
      assert.ok(finished && finished.type === 'task-finished' && finished.status === 'cancelled' && finished.taskId === task.id && /half-saved/.test(finished.message ?? ''));
      const runFinished = events.find((e) => e.type === 'run-finished');
      assert.equal(runFinished?.type === 'run-finished' && runFinished.status, 'interrupted');
      assert.deepEqual(await locksLeft(repo), [], 'no lock left');
      assert.deepEqual(await engine.snapshots(), [], 'nothing committed');
      assert.ok(
        progress.every((p) => p.taskId === task.id && typeof p.text === 'string' && p.text.length > 0),
        'progress carries the task and plain words',
      );
      const check = await engine.check({ readData: true });
      assert.deepEqual(check.problems, []);
      source.faults.clear();
      const next = await engine.backupFhir({ source: source.url, auth: { kind: 'none' } });
      assert.equal(next.snapshot.resources, source.store.count());
      assert.deepEqual(await locksLeft(repo), []);
    } finally {
      await engine.close();
    }
  });

  it('a restore into a server cancelled with cancelTask: CANCELLED, no lock, and the same restore resumes from its journal', async () => {
    const source = await sandbox({ patients: 6, seed: 42 });
    const target = await sandbox({ patients: 0, createGroup: false });
    const { engine, repo, events } = await setup();
    try {
      await engine.backupFhir({ source: source.url, auth: { kind: 'none' } });
      // The first bundle goes through; the second one hangs.
      target.faults.set({ slow: { delayMs: HOLD_MS, match: '^/fhir/?$', skip: 1 } });
      const request = { target: target.url, auth: { kind: 'none' }, confirmed: true } as const;
      const run = engine.restoreToServer(request);
      await waitFor('the second bundle', () => target.requestLog.filter((r) => r.method === 'POST' && /^\/fhir\/?$/.test(r.target)).length >= 2);
      const started = events.find((e): e is Extract<EngineEvent, { type: 'task-started' }> => e.type === 'task-started' && e.task.kind === 'restore');
      assert.ok(started);
      assert.deepEqual(engine.cancelTask(started.task.id), { cancelled: true });
      await assert.rejects(run, cancelled('task.cancelled.restoreServer', /continue where it stopped/));
      assert.deepEqual(engine.cancelTask(started.task.id), { cancelled: false }, 'a finished task cannot be cancelled again');
      assert.deepEqual(await locksLeft(repo), [], 'no lock left');
      const written = target.store.count();
      assert.ok(written > 0 && written < source.store.count(), `part of the data was written (${written})`);
      target.faults.clear();
      const again = await engine.restoreToServer(request);
      assert.ok(again.skippedFromJournal > 0, 'the journal skips what was written');
      assert.equal(again.failures.length, 0);
      assert.equal(target.store.count(Object.keys(again.counts)[0]) > 0, true);
      assert.equal(again.restored + again.skippedFromJournal, again.plan.resources);
      assert.deepEqual((await engine.check()).problems, []);
      assert.deepEqual(await locksLeft(repo), []);
    } finally {
      await engine.close();
    }
  });

  it('a drill cancelled with cancelTask: recorded as interrupted, CANCELLED saying so, no lock', async () => {
    const source = await sandbox({ patients: 4, seed: 43 });
    const target = await sandbox({ patients: 0, createGroup: false });
    const { engine, repo, events } = await setup();
    try {
      await engine.backupFhir({ source: source.url, auth: { kind: 'none' } });
      target.faults.set({ slow: { delayMs: HOLD_MS, match: '^/fhir/?$' } });
      const run = engine.drill({ target: target.url });
      await waitFor('the drill writing', () => target.requestLog.some((r) => r.method === 'POST'));
      const started = events.find((e): e is Extract<EngineEvent, { type: 'task-started' }> => e.type === 'task-started' && e.task.kind === 'drill');
      assert.ok(started);
      engine.cancelTask(started.task.id);
      await assert.rejects(run, cancelled('task.cancelled.drill', /recorded as interrupted/));
      const [drill] = await engine.listDrills();
      assert.equal(drill?.status, 'interrupted');
      assert.deepEqual(await locksLeft(repo), []);
    } finally {
      await engine.close();
    }
  });

  it('a task cancelled before it starts never runs', async () => {
    const { engine } = await setup();
    try {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(engine.check({ signal: controller.signal }), cancelled('task.cancelled.check', /Nothing was changed/));
    } finally {
      await engine.close();
    }
  });
});

describe('task progress: plain words, speed and time left', () => {
  it('measures the pace within a phase once it has lasted long enough, and starts again with a new phase', async () => {
    let now = Date.parse('2026-05-01T12:00:00Z');
    const bus = new EventBus();
    const seen: EngineEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const tasks = new TaskManager(bus, () => 'pt-BR', { now: () => new Date(now) });
    const received: ProgressEvent[] = [];
    await tasks.run({ kind: 'backup', title: 'task.title.backup', cancelled: 'task.cancelled.backup' }, { onProgress: (e) => received.push(e) }, async (o) => {
      const emit = (phase: string, done: number, total: number, bytes: number): void => o.onProgress?.({ type: 'progress', op: 'backup', phase, done, total, unit: 'resources', bytes });
      emit('download', 0, 1000, 0);
      now += 500;
      emit('download', 100, 1000, 50_000);
      now += 1500;
      emit('download', 250, 1000, 200_000);
      now += 3000;
      emit('commit', 1, 3, 200_000);
    });
    assert.equal(received.length, 4);
    assert.equal(received[0]?.text, 'Baixando os dados do servidor');
    assert.equal(received[1]?.bytesPerSecond, undefined, 'no speed after half a second');
    assert.equal(received[1]?.etaMs, undefined);
    assert.equal(received[2]?.bytesPerSecond, 100_000, '200 kB in 2 s');
    assert.equal(received[2]?.etaMs, 6000, '250 of 1000 in 2 s: 750 more in 6 s');
    assert.equal(received[3]?.text, 'Gravando o ponto de restauração');
    assert.equal(received[3]?.etaMs, undefined, 'a new phase starts its own measure');
    assert.deepEqual(
      seen.map((e) => e.type),
      ['task-started', 'progress', 'progress', 'progress', 'progress', 'task-finished'],
    );
    const done = seen.at(-1);
    assert.ok(done?.type === 'task-finished' && done.status === 'success' && done.message === null);
  });

  it('two phases that alternate (download and read) each keep their own pace', async () => {
    let now = Date.parse('2026-05-01T12:00:00Z');
    const tasks = new TaskManager(new EventBus(), () => 'pt-BR', { now: () => new Date(now) });
    const received: ProgressEvent[] = [];
    await tasks.run({ kind: 'backup', title: 'task.title.backup', cancelled: 'task.cancelled.backup' }, { onProgress: (e) => received.push(e) }, async (o) => {
      for (let i = 0; i <= 4; i++) {
        o.onProgress?.({ type: 'progress', op: 'backup', phase: 'read', done: i * 100, unit: 'resources', bytes: i * 100_000 });
        o.onProgress?.({ type: 'progress', op: 'backup', phase: 'download', done: i * 100, unit: 'resources' });
        now += 500;
      }
    });
    assert.equal(received.filter((e) => e.phase === 'read').at(-1)?.bytesPerSecond, 200_000, '400 kB in 2 s, across the download events');
  });

  it('a server phase without progress for a few seconds says the server does not answer, in plain words', async () => {
    const tasks = new TaskManager(new EventBus(), () => 'pt-BR', { now: () => new Date() });
    const received: ProgressEvent[] = [];
    await tasks.run({ kind: 'backup', title: 'task.title.backup', cancelled: 'task.cancelled.backup' }, { onProgress: (e) => received.push(e) }, async (o) => {
      o.onProgress?.({ type: 'progress', op: 'backup', phase: 'download', done: 10, unit: 'resources', bytes: 1000 });
      const until = Date.now() + 15_000;
      while (!received.some((e) => e.stalledMs !== undefined) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    });
    const stalled = received.find((e) => e.stalledMs !== undefined);
    assert.ok(stalled, 'a stalled event');
    assert.ok((stalled.stalledMs ?? 0) >= 5000);
    assert.match(stalled.text ?? '', /^O servidor não responde há \d+ segundos/);
    assert.equal(stalled.done, 10, 'the count so far is kept');
  });

  it('a phase that does not wait on a server (saving the restore point) is never called a silent server', async () => {
    const tasks = new TaskManager(new EventBus(), () => 'pt-BR', { now: () => new Date() });
    const received: ProgressEvent[] = [];
    await tasks.run({ kind: 'backup', title: 'task.title.backup', cancelled: 'task.cancelled.backup' }, { onProgress: (e) => received.push(e) }, async (o) => {
      o.onProgress?.({ type: 'progress', op: 'backup', phase: 'commit', done: 1, total: 3, unit: 'steps' });
      await new Promise((r) => setTimeout(r, 6500));
    });
    assert.equal(received.filter((e) => e.stalledMs !== undefined).length, 0);
  });

  it('a failure is reported as failed with its code, not as cancelled', async () => {
    const bus = new EventBus();
    const seen: EngineEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const tasks = new TaskManager(bus, () => 'en', { now: () => new Date() });
    await assert.rejects(
      tasks.run({ kind: 'check', title: 'task.title.check', cancelled: 'task.cancelled.check' }, {}, async () => {
        throw new EngineError('PACK_CORRUPT', { file: 'data/ab/ab' });
      }),
      (err: unknown) => isEngineError(err, 'PACK_CORRUPT'),
    );
    const done = seen.at(-1);
    assert.ok(done?.type === 'task-finished' && done.status === 'failed' && done.errorCode === 'PACK_CORRUPT');
    assert.deepEqual(tasks.list(), []);
  });
});
