import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock, Timer, TimerHandle } from '../../src/scheduler/clock.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock and timer driven by the test. advanceTo() lets time pass normally (timers fire at their
 * due time, in order); sleep() models a suspended machine: the clock jumps and timers that came due
 * meanwhile fire late, once, at wake-up. Bounded: each call fires at most `maxFirings` timers.
 */
export class FakeTime implements Clock, Timer {
  private t: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, at: this.t + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.pending.size;
  }

  /** A promise resolved after `ms` of fake time (for job bodies). */
  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = this.setTimeout(() => resolve(), ms);
      signal?.addEventListener('abort', () => {
        this.clearTimeout(id);
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      });
    });
  }

  /** Lets fake time pass until `target`, firing every timer at its due time. */
  async advanceTo(target: Date | string, maxFirings = 1_000_000): Promise<void> {
    const end = new Date(target).getTime();
    await settle();
    for (let i = 0; i < maxFirings; i++) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.t = Math.max(this.t, next.at);
      this.pending.delete(next.id);
      next.callback();
      await settle();
    }
    this.t = Math.max(this.t, end);
    await settle();
  }

  /**
   * Fires the earliest timer due at or before `until` (the clock moves to its due time, never backwards) and
   * returns true; false when none is due by then. For drivers that wait for real work between firings.
   */
  fireNext(until: Date | string): boolean {
    const next = this.earliest();
    if (!next || next.at > new Date(until).getTime()) return false;
    this.t = Math.max(this.t, next.at);
    this.pending.delete(next.id);
    next.callback();
    return true;
  }

  /** The machine is off for `ms`: the clock jumps and nothing fires; timers that came due fire at the next fireNext. */
  jump(ms: number): void {
    this.t += ms;
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(new Date(this.t + ms));
  }

  /** The machine sleeps for `ms`: nothing fires meanwhile; overdue timers fire once at wake-up. */
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await this.advanceTo(new Date(this.t));
  }

  /**
   * The wall clock is set to another time (NTP fix, user change) without time passing. Pending
   * timers keep their remaining delay, as Node timers do (they count monotonic time).
   */
  setClock(to: Date | string): void {
    const delta = new Date(to).getTime() - this.t;
    this.t += delta;
    for (const [id, p] of this.pending) this.pending.set(id, { ...p, at: p.at + delta });
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) if (!best || p.at < best.at || (p.at === best.at && p.id < best.id)) best = p;
    return best;
  }
}

/** Lets promise chains started by a timer callback run to their next fake-timer wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await nextMacrotask();
}
