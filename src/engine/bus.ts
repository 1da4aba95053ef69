/**
 * The engine's event bus. Two audiences:
 *  - front ends (tray, notifications, SSE, the CLI) subscribe to EngineEvents: progress, tasks, runs;
 *  - the engine's own subscribers (the audit trail, alerts) react to what the use cases publish: an auditable
 *    action, a finished run, changed settings. Use cases never call them directly.
 * A subscriber that fails never stops the others nor the use case: the failure is reported as a diagnostic event
 * (code only, never a message that could hold a secret).
 */
import type { JsonValue } from '../catalog/index.js';
import { type EngineEvent, isEngineError, Listeners } from '../shared/index.js';

/** What use cases publish for the engine's own subscribers. */
export interface EngineBusEvents {
  /** Something the audit trail records (who did what, when). */
  readonly action: { readonly action: string; readonly details: JsonValue };
  /** A run recorded in the catalog ended (alerts are evaluated, the audit trail mirrored). */
  readonly 'run-finished': { readonly runId: number; readonly kind: string; readonly status: string };
  /** Settings or configuration changed (the catalog's own audit entries are mirrored). */
  readonly 'settings-changed': Record<string, never>;
  /** Audit entries could not be written, or were written after all (alerts are evaluated so the clinic hears of it). */
  readonly 'audit-state': { readonly errorCode: string | null };
}

type Handler<E> = (event: E) => Promise<void> | void;

export class EventBus {
  private readonly front = new Listeners<EngineEvent>();
  private readonly handlers = new Map<keyof EngineBusEvents, { name: string; run: Handler<never> }[]>();

  /** Front ends: every EngineEvent; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.front.add(listener);
  }

  /** Sends an event to the front ends (synchronously; a listener that throws is ignored). */
  emit(event: EngineEvent): void {
    this.front.emit(event);
  }

  /** An engine subscriber, run in registration order when `type` is published. */
  on<K extends keyof EngineBusEvents>(type: K, name: string, handler: Handler<EngineBusEvents[K]>): () => void {
    const list = this.handlers.get(type) ?? [];
    const entry = { name, run: handler as Handler<never> };
    list.push(entry);
    this.handlers.set(type, list);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Runs the subscribers of `type` one after the other and waits for them. Never throws. */
  async publish<K extends keyof EngineBusEvents>(type: K, event: EngineBusEvents[K]): Promise<void> {
    for (const h of [...(this.handlers.get(type) ?? [])]) {
      try {
        await (h.run as Handler<EngineBusEvents[K]>)(event);
      } catch (err) {
        this.diagnostic(h.name, err);
      }
    }
  }

  /** Reports a failure that must not stop the work in progress (front ends log it). */
  diagnostic(what: string, err: unknown): void {
    this.emit({ type: 'diagnostic', level: 'warning', what, errorCode: isEngineError(err) ? err.code : 'INTERNAL' });
  }

  clear(): void {
    this.front.clear();
    this.handlers.clear();
  }
}
