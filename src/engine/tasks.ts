/**
 * Long operations as tasks (in the spirit of Kopia's internal/uitask): each backup, restore, check, drill,
 * replication, prune or report runs with an id, reports progress in plain words (done/total, bytes, speed and
 * time left when known) and can be cancelled, from the user interface (cancelTask) or by the caller's own
 * AbortSignal (Ctrl+C in the CLI). Cancelling aborts the task's signal: the operation stops at its next safe
 * point, releases its locks and leaves the repository and the target as after a crash (nothing half-committed;
 * a restore resumes from its journal). The task's end says so in plain words.
 */
import { hasMessage, t, type Locale } from '../i18n/index.js';
import type { Clock } from '../scheduler/index.js';
import { EngineError, isAbortError, isEngineError, type LongOperationOptions, type OperationKind, type ProgressEvent, type TaskInfo, type TaskStatus } from '../shared/index.js';
import type { EventBus } from './bus.js';

export interface TaskSpec {
  readonly kind: OperationKind;
  /** i18n key of the title (task.title.*), with its parameters. */
  readonly title: string;
  readonly titleParams?: Readonly<Record<string, string | number>>;
  /** i18n key of what a cancelled task leaves behind (task.cancelled.*). */
  readonly cancelled: string;
}

interface PhaseBaseline {
  readonly op: string;
  readonly name: string;
  readonly unit: string;
  readonly at: number;
  readonly done: number;
  readonly bytes: number;
}

interface Running {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly title: string;
  readonly startedAt: string;
  readonly controller: AbortController;
  progress: ProgressEvent | null;
  /** Where each phase started (op, phase and unit), so events of two phases that alternate keep their pace. */
  baselines: Map<string, PhaseBaseline>;
  cancelling: boolean;
  /** Real time (ms) of the last progress event from the operation, for the stall watchdog. */
  lastEventAt: number;
}

/**
 * Phases that wait on a server (the clinic's, or a restore's target): with no progress for STALL_MS in one of them,
 * the task says the server does not answer instead of repeating what it would be doing. A server preparing its
 * export (export-wait) is left out: it is told to wait between polls.
 */
const SERVER_PHASES: Readonly<Record<string, ReadonlySet<string>>> = {
  backup: new Set(['download', 'search', 'history', 'attachments', 'read']),
};
/** How long without any progress in a server phase before "o servidor não responde" (within seconds, not minutes). */
export const STALL_MS = 5000;
const STALL_CHECK_MS = 1000;

/** Measurements need this much time in a phase before a speed or a time left is shown (no wild first guesses). */
const SPEED_AFTER_MS = 1000;
const ETA_AFTER_MS = 2000;

/** Plain words for a progress phase: task.phase.<op>.<phase>, else the operation's own name. */
export function phaseText(op: string, phase: string, locale: Locale): string {
  const key = `task.phase.${op}.${phase}`;
  if (hasMessage(key)) return t(key, {}, locale);
  return t(hasMessage(`task.kind.${op}`) ? `task.kind.${op}` : 'task.kind.other', {}, locale);
}

export class TaskManager {
  private readonly running = new Map<string, Running>();
  private seq = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly locale: () => Locale,
    private readonly clock: Clock,
  ) {}

  /** The tasks running now, oldest first. */
  list(): TaskInfo[] {
    return [...this.running.values()].map((r) => this.info(r));
  }

  /** Asks a running task to stop; false when no task has this id (it may have just finished). */
  cancel(id: string): boolean {
    const r = this.running.get(id);
    if (!r) return false;
    r.cancelling = true;
    r.controller.abort(new EngineError('CANCELLED'));
    return true;
  }

  /**
   * Runs `fn` as a task. Its options carry the task's signal (aborted by cancel() or by the caller's signal) and a
   * progress listener that enriches each event (task id, plain words, speed, time left) and sends it to the
   * caller's listener and to the event bus.
   */
  async run<T>(spec: TaskSpec, options: LongOperationOptions, fn: (options: LongOperationOptions) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const outer = options.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const id = `t${this.clock.now().getTime().toString(36)}-${++this.seq}`;
    const r: Running = {
      id,
      spec,
      title: t(spec.title, spec.titleParams ?? {}, this.locale()),
      startedAt: this.clock.now().toISOString(),
      controller,
      progress: null,
      baselines: new Map(),
      cancelling: false,
      lastEventAt: Date.now(),
    };
    this.running.set(id, r);
    this.bus.emit({ type: 'task-started', task: this.info(r) });
    const onProgress = (e: ProgressEvent): void => this.progress(r, e, options.onProgress);
    const watchdog = setInterval(() => this.checkStall(r, options.onProgress), STALL_CHECK_MS);
    watchdog.unref();
    try {
      controller.signal.throwIfAborted();
      const value = await fn({ signal: controller.signal, onProgress });
      this.finish(r, 'success', null);
      return value;
    } catch (err) {
      // Stopped because it was cancelled: whatever the operation threw on its way out (CANCELLED, AbortError).
      if (controller.signal.aborted || isAbortError(err)) {
        this.finish(r, 'cancelled', 'CANCELLED');
        throw new EngineError('CANCELLED', { outcome: spec.cancelled }, { cause: err });
      }
      this.finish(r, 'failed', isEngineError(err) ? err.code : 'INTERNAL');
      throw err;
    } finally {
      clearInterval(watchdog);
      outer?.removeEventListener('abort', onOuterAbort);
      this.running.delete(id);
    }
  }

  private info(r: Running): TaskInfo {
    return { id: r.id, kind: r.spec.kind, title: r.title, startedAt: r.startedAt, progress: r.progress, cancelling: r.cancelling };
  }

  private finish(r: Running, status: TaskStatus, errorCode: string | null): void {
    this.bus.emit({ type: 'task-finished', taskId: r.id, kind: r.spec.kind, status, errorCode, message: status === 'cancelled' ? t(r.spec.cancelled, {}, this.locale()) : null });
  }

  /** No progress for STALL_MS in a phase that waits on a server: say the server does not answer (again each second). */
  private checkStall(r: Running, outer: ((e: ProgressEvent) => void) | undefined): void {
    const last = r.progress;
    if (!last || r.cancelling || !SERVER_PHASES[last.op]?.has(last.phase)) return;
    const stalledMs = Date.now() - r.lastEventAt;
    if (stalledMs < STALL_MS) return;
    const { bytesPerSecond: _speed, etaMs: _eta, ...rest } = last;
    const stalled: ProgressEvent = { ...rest, stalledMs, text: t('task.stalled.server', { seconds: Math.floor(stalledMs / 1000) }, this.locale()) };
    r.progress = stalled;
    this.deliver(stalled, outer);
  }

  private deliver(e: ProgressEvent, outer: ((e: ProgressEvent) => void) | undefined): void {
    if (outer) {
      try {
        outer(e);
      } catch (err) {
        // The caller's display failed (a closed terminal): the work goes on, the failure is logged.
        this.bus.diagnostic('progress listener', err);
      }
    }
    this.bus.emit(e);
  }

  private progress(r: Running, e: ProgressEvent, outer: ((e: ProgressEvent) => void) | undefined): void {
    r.lastEventAt = Date.now();
    const now = this.clock.now().getTime();
    const phaseKey = `${e.op}/${e.phase}/${e.unit}`;
    const b = r.baselines.get(phaseKey);
    if (!b || e.done < b.done) r.baselines.set(phaseKey, { op: e.op, name: e.phase, unit: e.unit, at: now, done: e.done, bytes: e.bytes ?? 0 });
    const base = r.baselines.get(phaseKey) as PhaseBaseline;
    const elapsed = now - base.at;
    let bytesPerSecond: number | undefined;
    if (e.bytes !== undefined && elapsed >= SPEED_AFTER_MS && e.bytes >= base.bytes) bytesPerSecond = Math.round(((e.bytes - base.bytes) * 1000) / elapsed);
    let etaMs: number | undefined;
    // "minutes" counts waiting time (a server preparing its export): it has no pace to extrapolate.
    if (e.total !== undefined && e.total > e.done && e.unit !== 'minutes' && elapsed >= ETA_AFTER_MS && e.done > base.done) {
      etaMs = Math.round(((e.total - e.done) * elapsed) / (e.done - base.done));
    }
    const enriched: ProgressEvent = {
      ...e,
      taskId: r.id,
      text: phaseText(e.op, e.phase, this.locale()),
      ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
      ...(etaMs !== undefined ? { etaMs } : {}),
    };
    r.progress = enriched;
    this.deliver(enriched, outer);
  }
}
