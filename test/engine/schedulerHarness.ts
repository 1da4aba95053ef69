// The engine's scheduler run by a test on a FakeTime clock: started, waited for until its first alarm is set, then
// driven alarm by alarm (runUntil), waiting in real time (bounded) for the jobs each alarm starts to finish.
import { setTimeout as delay } from 'node:timers/promises';
import type { Engine } from '../../src/index.js';
import type { RunnerEvent } from '../../src/scheduler/runner.js';
import type { FakeTime } from '../scheduler/fakeTime.js';

export interface SchedulerUnderTest {
  /** Every event of the run, in order. */
  readonly events: RunnerEvent[];
  /** Fires every alarm due up to `iso` in turn (each alarm's jobs finish before the next), then moves the clock there. */
  runUntil(iso: string): Promise<void>;
  /** Stops the scheduler and waits for it. */
  stop(): Promise<void>;
}

/** Starts `engine.runScheduler` on `time`; `onEvent` sees each event too. Throws if it has not started within 60 s. */
export async function startSchedulerUnderTest(engine: Engine, time: FakeTime, onEvent?: (e: RunnerEvent) => void): Promise<SchedulerUnderTest> {
  const events: RunnerEvent[] = [];
  let running = 0;
  const controller = new AbortController();
  const done = engine.runScheduler({
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      running += e.type === 'started' ? 1 : -1;
      onEvent?.(e);
    },
  });
  let failed: unknown = null;
  done.catch((err: unknown) => (failed = err));
  // The scheduler opens the repository and takes its lock in real time; it is up once its alarm is set.
  for (const until = Date.now() + 60_000; time.pendingTimers === 0;) {
    if (failed) throw failed;
    if (Date.now() > until) throw new Error('the scheduler did not start');
    await delay(3);
  }
  /** Waits (real time, bounded) until no job runs. */
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    for (const until = Date.now() + 120_000; running > 0;) {
      if (Date.now() > until) throw new Error(`jobs still running: ${JSON.stringify(events.slice(-3).map((e) => [e.type, e.job]))}`);
      await delay(3);
    }
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    events,
    async runUntil(iso) {
      for (let i = 0; i < 1_000_000; i++) {
        await idle();
        if (!time.fireNext(iso)) break;
      }
      await idle();
      await time.advanceTo(iso);
      await idle();
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}
