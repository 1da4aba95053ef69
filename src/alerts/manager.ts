/**
 * The AlertManager: turns rule candidates into stored alerts and tells people about them.
 *
 * - evaluate(state): runs the rules, upserts each candidate into the catalog (one active alert per key;
 *   severity only goes up, an escalation makes it "new" again for delivery), clears the active alerts of
 *   known rules whose cause is gone, and emits events. Synchronous: the catalog is local SQLite.
 * - deliver(): sends every active alert to each configured channel that has not had it yet. A failure is
 *   recorded in the catalog with the next attempt time (bounded exponential backoff from the attempt
 *   count): nothing is lost when the SMTP server is down or the process restarts; a later deliver() picks
 *   it up once next_attempt_at has passed. Failures that retrying cannot fix (4xx, bad credentials) are
 *   retried at the longest delay only, in case the configuration changes meanwhile.
 * - sendTest(channel): the "send test alert" button; recorded in the audit trail.
 * - on(listener): events for the front ends (tray state, OS notifications, SSE).
 *
 * The engine calls evaluate() after each run and on a timer, then deliver(); nextDeliveryAt() tells it
 * when deliver() has work again. Nothing here holds secrets: channels read theirs from the SecretStore.
 */
import { EngineError, type ErrorCode, type ErrorDetails } from '../shared/index.js';
import { systemClock, type Clock } from '../scheduler/index.js';
import type { AlertRecord, AlertSeverity, Catalog } from '../catalog/index.js';
import { coversAlert, evaluateAlerts, type AlertCandidate, type AlertState, type AlertThresholds } from './rules.js';
import { testNotice, type AlertChannel, type AlertContext } from './channel.js';

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface ChannelRegistration {
  readonly channel: AlertChannel;
  /** Alerts below this severity are not sent on this channel (default: all). */
  readonly minSeverity?: AlertSeverity;
}

export interface RetryPolicy {
  /** First retry after this long (default 1 min). */
  readonly baseDelayMs: number;
  /** Longest wait between attempts (default 1 h). */
  readonly maxDelayMs: number;
}

/** A resolution not delivered within this long after the alert cleared is no longer news: it is dropped. */
const RESOLUTION_WINDOW_MS = 7 * 24 * 3_600_000;

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 60_000, maxDelayMs: 3_600_000 };

export type AlertEvent =
  | { readonly type: 'raised'; readonly alert: AlertRecord; readonly escalated: boolean }
  | { readonly type: 'cleared'; readonly alert: AlertRecord }
  | { readonly type: 'delivered'; readonly alert: AlertRecord; readonly channel: string }
  | { readonly type: 'resolution-delivered'; readonly alert: AlertRecord; readonly channel: string }
  | {
      readonly type: 'delivery-failed';
      readonly alert: AlertRecord;
      readonly channel: string;
      readonly code: ErrorCode;
      /** Short, secret-free reason (English, for logs and the {reason} of ALERT_CHANNEL_FAILED). */
      readonly reason: string;
      readonly nextAttemptAt: string;
    };

export type AlertListener = (event: AlertEvent) => void;

export interface AlertLogEntry {
  readonly level: 'info' | 'warn';
  readonly event: string;
  readonly key?: string;
  readonly channel?: string;
  readonly code?: string;
  readonly reason?: string;
}

export interface AlertManagerOptions {
  readonly catalog: Catalog;
  readonly channels?: readonly ChannelRegistration[];
  readonly clock?: Clock;
  readonly context: AlertContext;
  readonly retry?: Partial<RetryPolicy>;
  readonly thresholds?: Partial<AlertThresholds>;
  /** Structured log lines (already free of secrets). */
  readonly log?: (entry: AlertLogEntry) => void;
  /** Append raise/escalate/clear/test to the catalog's audit trail (default true). */
  readonly audit?: boolean;
}

export interface EvaluateResult {
  /** New alerts and escalated ones (both are delivered again). */
  readonly raised: readonly AlertRecord[];
  /** The subset of raised whose severity went up. */
  readonly escalated: readonly AlertRecord[];
  readonly cleared: readonly AlertRecord[];
  /** Every active alert after this evaluation, most severe first. */
  readonly active: readonly AlertRecord[];
}

export interface DeliveryOutcome {
  readonly alertId: number;
  readonly key: string;
  readonly channel: string;
  /** A "resolvido" message rather than the alert. */
  readonly resolution?: boolean;
}

export interface DeliveryFailure extends DeliveryOutcome {
  /** The channel's error details (the field it concerns; never a secret), for the user's message. */
  readonly details: ErrorDetails;
  readonly code: ErrorCode;
  readonly reason: string;
  readonly nextAttemptAt: string;
}

export interface DeliverResult {
  readonly delivered: readonly DeliveryOutcome[];
  readonly failed: readonly DeliveryFailure[];
  /** Alerts still owed to a channel whose next attempt is later. */
  readonly waiting: number;
}

function failureInfo(err: unknown): { code: ErrorCode; reason: string; transient: boolean; details: ErrorDetails } {
  if (err instanceof EngineError) {
    const reason = typeof err.details['reason'] === 'string' ? err.details['reason'] : err.code;
    return { code: err.code, reason, transient: err.transient, details: err.details };
  }
  // A channel that broke its contract: report the type of failure only, its text may hold anything.
  const reason = err instanceof Error ? err.name : 'unknown error';
  return { code: 'ALERT_CHANNEL_FAILED', reason, transient: true, details: { reason } };
}

export class AlertManager {
  readonly #catalog: Catalog;
  readonly #channels: readonly ChannelRegistration[];
  readonly #clock: Clock;
  readonly #context: AlertContext;
  readonly #retry: RetryPolicy;
  readonly #thresholds: Partial<AlertThresholds>;
  readonly #log: (entry: AlertLogEntry) => void;
  readonly #audit: boolean;
  readonly #listeners = new Set<AlertListener>();
  #delivering: Promise<DeliverResult> | null = null;

  constructor(options: AlertManagerOptions) {
    const names = new Set<string>();
    for (const { channel } of options.channels ?? []) {
      if (!channel.name || names.has(channel.name)) throw new EngineError('INVALID_ARGUMENT', { field: 'channels', reason: `duplicate or empty name "${channel.name}"` });
      names.add(channel.name);
    }
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!(retry.baseDelayMs > 0) || !(retry.maxDelayMs >= retry.baseDelayMs)) throw new EngineError('INVALID_ARGUMENT', { field: 'retry', reason: '0 < baseDelayMs ≤ maxDelayMs' });
    this.#catalog = options.catalog;
    this.#channels = options.channels ?? [];
    this.#clock = options.clock ?? systemClock;
    this.#context = options.context;
    this.#retry = retry;
    this.#thresholds = options.thresholds ?? {};
    this.#log = options.log ?? (() => undefined);
    this.#audit = options.audit ?? true;
  }

  /** Subscribes to alert events; returns the unsubscribe function. */
  on(listener: AlertListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #emit(event: AlertEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch (err) {
        this.#log({ level: 'warn', event: 'listener-failed', reason: err instanceof Error ? err.name : 'error' });
      }
    }
  }

  #auditEntry(action: string, details: Record<string, string | number | boolean>): void {
    if (this.#audit) this.#catalog.appendAudit({ actor: 'alerts', action, details });
  }

  get channelNames(): string[] {
    return this.#channels.map((c) => c.channel.name);
  }

  /** Active alerts, most severe first. */
  active(): AlertRecord[] {
    return this.#catalog.listActiveAlerts();
  }

  /** Stores the candidates of the rules for this state and clears what they no longer raise. */
  evaluate(state: AlertState): EvaluateResult {
    const now = this.#clock.now();
    const candidates = evaluateAlerts(state, now, this.#thresholds);
    return this.apply(candidates, now, (alert) => coversAlert(state, alert));
  }

  /**
   * Lower level: upserts these candidates and clears the active alerts for which `covers` is true and
   * that are not among them. For alerts computed outside rules.ts (the engine's own conditions).
   */
  apply(candidates: readonly AlertCandidate[], now: Date, covers: (alert: AlertRecord) => boolean): EvaluateResult {
    const raised: AlertRecord[] = [];
    const escalated: AlertRecord[] = [];
    const cleared: AlertRecord[] = [];
    const keys = new Set<string>();
    for (const c of candidates) {
      keys.add(c.key);
      const up = this.#catalog.upsertAlert({ rule: c.rule, severity: c.severity, key: c.key, messageKey: c.messageKey, params: c.params, at: now });
      if (up.created || up.escalated) {
        raised.push(up.alert);
        if (up.escalated) escalated.push(up.alert);
        this.#auditEntry(up.created ? 'alert.raised' : 'alert.escalated', { key: c.key, severity: up.alert.severity });
        this.#log({ level: 'info', event: up.created ? 'raised' : 'escalated', key: c.key });
        this.#emit({ type: 'raised', alert: up.alert, escalated: up.escalated });
      }
    }
    for (const a of this.#catalog.listActiveAlerts()) {
      if (keys.has(a.key) || !covers(a)) continue;
      const done = this.#catalog.clearAlert(a.key, now);
      if (!done) continue;
      cleared.push(done);
      this.#auditEntry('alert.cleared', { key: a.key, severity: a.severity });
      this.#log({ level: 'info', event: 'cleared', key: a.key });
      this.#emit({ type: 'cleared', alert: done });
    }
    return { raised, escalated, cleared, active: this.#catalog.listActiveAlerts() };
  }

  /** Channels that still owe this alert a notice. */
  #owed(alert: AlertRecord): ChannelRegistration[] {
    return this.#channels.filter((c) => SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[c.minSeverity ?? 'low'] && !alert.notifiedChannels.includes(c.channel.name));
  }

  /** Channels that carried this cleared alert and were not yet told it is resolved (and are still configured). */
  #resolutionOwed(alert: AlertRecord): ChannelRegistration[] {
    return this.#channels.filter((c) => alert.notifiedChannels.includes(c.channel.name) && !alert.resolvedChannels.includes(c.channel.name));
  }

  #resolutions(): AlertRecord[] {
    return this.#catalog.listResolutionsOwed(new Date(this.#clock.now().getTime() - RESOLUTION_WINDOW_MS));
  }

  /** When deliver() next has work: now when something is due, the earliest retry time, or null. */
  nextDeliveryAt(): Date | null {
    let best: number | null = null;
    const now = this.#clock.now().getTime();
    const consider = (next: string | null): void => {
      const at = next === null ? now : Math.max(now, Date.parse(next));
      best = best === null ? at : Math.min(best, at);
    };
    for (const a of this.#catalog.listActiveAlerts()) if (this.#owed(a).length > 0) consider(a.nextAttemptAt);
    for (const a of this.#resolutions()) if (this.#resolutionOwed(a).length > 0) consider(a.resolutionNextAt);
    return best === null ? null : new Date(best);
  }

  /** Sends what is owed and due. Concurrent calls share one round. */
  deliver(signal?: AbortSignal): Promise<DeliverResult> {
    if (!this.#delivering) {
      this.#delivering = this.#deliverRound(signal).finally(() => {
        this.#delivering = null;
      });
    }
    return this.#delivering;
  }

  #backoff(attempts: number, transient: boolean): number {
    if (!transient) return this.#retry.maxDelayMs;
    const exp = Math.min(Math.max(0, attempts - 1), 30);
    return Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** exp);
  }

  async #deliverRound(signal?: AbortSignal): Promise<DeliverResult> {
    const delivered: DeliveryOutcome[] = [];
    const failed: DeliveryFailure[] = [];
    let waiting = 0;
    for (const alert of this.#catalog.listActiveAlerts()) {
      if (signal?.aborted) throw new EngineError('CANCELLED');
      const owed = this.#owed(alert);
      if (owed.length === 0) continue;
      const now = this.#clock.now();
      if (alert.nextAttemptAt !== null && Date.parse(alert.nextAttemptAt) > now.getTime()) {
        waiting++;
        continue;
      }
      const notice = { kind: 'alert' as const, alert, context: this.#context, sentAt: now };
      const oks: string[] = [];
      const errors: { channel: string; code: ErrorCode; reason: string; transient: boolean; details: ErrorDetails }[] = [];
      for (const { channel } of owed) {
        try {
          await channel.send(notice, signal);
          oks.push(channel.name);
        } catch (err) {
          if (signal?.aborted) throw new EngineError('CANCELLED');
          errors.push({ channel: channel.name, ...failureInfo(err) });
        }
      }
      // Successes first: a success clears next_attempt_at, the failures then set it again.
      let record = alert;
      for (const name of oks) {
        record = this.#catalog.recordAlertDelivery(alert.id, { channel: name, ok: true });
        delivered.push({ alertId: alert.id, key: alert.key, channel: name });
        this.#log({ level: 'info', event: 'delivered', key: alert.key, channel: name });
        this.#emit({ type: 'delivered', alert: record, channel: name });
      }
      if (errors.length > 0) {
        const delay = Math.max(...errors.map((e) => this.#backoff(record.deliveryAttempts + 1, e.transient)));
        const next = new Date(this.#clock.now().getTime() + delay);
        for (const e of errors) {
          record = this.#catalog.recordAlertDelivery(alert.id, { channel: e.channel, ok: false, nextAttemptAt: next });
          const failure = { alertId: alert.id, key: alert.key, channel: e.channel, code: e.code, reason: e.reason, details: e.details, nextAttemptAt: next.toISOString() };
          failed.push(failure);
          this.#log({ level: 'warn', event: 'delivery-failed', key: alert.key, channel: e.channel, code: e.code, reason: e.reason });
          this.#emit({ type: 'delivery-failed', alert: record, channel: e.channel, code: e.code, reason: e.reason, nextAttemptAt: failure.nextAttemptAt });
        }
      }
    }
    // Then the "resolvido" messages: once per channel that carried the alert, retried like the alerts.
    for (const alert of this.#resolutions()) {
      if (signal?.aborted) throw new EngineError('CANCELLED');
      const owed = this.#resolutionOwed(alert);
      if (owed.length === 0) continue;
      const now = this.#clock.now();
      if (alert.resolutionNextAt !== null && Date.parse(alert.resolutionNextAt) > now.getTime()) {
        waiting++;
        continue;
      }
      const notice = { kind: 'resolved' as const, alert, context: this.#context, sentAt: now };
      let record = alert;
      const errors: { channel: string; code: ErrorCode; reason: string; transient: boolean; details: ErrorDetails }[] = [];
      for (const { channel } of owed) {
        try {
          await channel.send(notice, signal);
          record = this.#catalog.recordResolutionDelivery(alert.id, { channel: channel.name, ok: true });
          delivered.push({ alertId: alert.id, key: alert.key, channel: channel.name, resolution: true });
          this.#log({ level: 'info', event: 'resolution-delivered', key: alert.key, channel: channel.name });
          this.#emit({ type: 'resolution-delivered', alert: record, channel: channel.name });
        } catch (err) {
          if (signal?.aborted) throw new EngineError('CANCELLED');
          errors.push({ channel: channel.name, ...failureInfo(err) });
        }
      }
      if (errors.length > 0) {
        const delay = Math.max(...errors.map((e) => this.#backoff(record.resolutionAttempts + 1, e.transient)));
        const next = new Date(this.#clock.now().getTime() + delay);
        for (const e of errors) {
          record = this.#catalog.recordResolutionDelivery(alert.id, { channel: e.channel, ok: false, nextAttemptAt: next });
          const failure = { alertId: alert.id, key: alert.key, channel: e.channel, code: e.code, reason: e.reason, details: e.details, nextAttemptAt: next.toISOString(), resolution: true };
          failed.push(failure);
          this.#log({ level: 'warn', event: 'resolution-failed', key: alert.key, channel: e.channel, code: e.code, reason: e.reason });
        }
      }
    }
    return { delivered, failed, waiting };
  }

  /**
   * Sends a test notice through one channel now (no retry, nothing stored but an audit entry).
   * Throws NOT_FOUND for an unknown channel and the channel's ALERT_CHANNEL_FAILED on failure.
   */
  async sendTest(channelName: string, signal?: AbortSignal): Promise<{ channel: string; sentAt: string }> {
    const reg = this.#channels.find((c) => c.channel.name === channelName);
    if (!reg) throw new EngineError('NOT_FOUND', { what: `alert channel ${channelName}` });
    const now = this.#clock.now();
    try {
      await reg.channel.send(testNotice(this.#context, now), signal);
    } catch (err) {
      const info = failureInfo(err);
      this.#auditEntry('alert.test', { channel: channelName, ok: false, code: info.code });
      this.#log({ level: 'warn', event: 'test-failed', channel: channelName, code: info.code, reason: info.reason });
      if (err instanceof EngineError) throw err;
      throw new EngineError('ALERT_CHANNEL_FAILED', { channel: channelName, reason: info.reason });
    }
    this.#auditEntry('alert.test', { channel: channelName, ok: true });
    this.#log({ level: 'info', event: 'test-sent', channel: channelName });
    return { channel: channelName, sentAt: now.toISOString() };
  }
}

/** The most severe of the active alerts (tray icon state), or null when all is well. */
export function worstSeverity(alerts: readonly { readonly severity: AlertSeverity }[]): AlertSeverity | null {
  let worst: AlertSeverity | null = null;
  for (const a of alerts) if (worst === null || SEVERITY_RANK[a.severity] > SEVERITY_RANK[worst]) worst = a.severity;
  return worst;
}
